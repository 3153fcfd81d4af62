// 16 x 16 byte transpose with SSE2 unpacks. Included by each x86 ISA's kernels,
// so it is compiled with that ISA's flags; internal linkage, no ODR sharing.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace pixelpact::kernels::x86 {
namespace {

// dst[j][r] = src[r][j] for 16 x 16 bytes; rows of src are `src_rows[r]`, rows
// of dst are `dst + j * dst_stride`.
inline void transpose16x16(const std::uint8_t* const src_rows[16], std::uint8_t* dst,
                           std::ptrdiff_t dst_stride) {
  __m128i a[16], b[16];
  for (int r = 0; r < 16; ++r) a[r] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src_rows[r]));
  // After each stage, element sizes double: bytes -> words -> dwords -> qwords.
  for (int i = 0; i < 8; ++i) {
    b[2 * i] = _mm_unpacklo_epi8(a[2 * i], a[2 * i + 1]);
    b[2 * i + 1] = _mm_unpackhi_epi8(a[2 * i], a[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    for (int h = 0; h < 2; ++h) {
      a[4 * i + h] = _mm_unpacklo_epi16(b[4 * i + h], b[4 * i + h + 2]);
      a[4 * i + h + 2] = _mm_unpackhi_epi16(b[4 * i + h], b[4 * i + h + 2]);
    }
  }
  for (int i = 0; i < 2; ++i) {
    for (int h = 0; h < 4; ++h) {
      b[8 * i + h] = _mm_unpacklo_epi32(a[8 * i + h], a[8 * i + h + 4]);
      b[8 * i + h + 4] = _mm_unpackhi_epi32(a[8 * i + h], a[8 * i + h + 4]);
    }
  }
  for (int h = 0; h < 8; ++h) {
    a[h] = _mm_unpacklo_epi64(b[h], b[h + 8]);
    a[h + 8] = _mm_unpackhi_epi64(b[h], b[h + 8]);
  }
  // Each stage appended one column-index bit below the previous ones, so a[k]
  // holds column j = bit-reversed k.
  for (int k = 0; k < 16; ++k) {
    int j = ((k & 1) << 3) | ((k & 2) << 1) | ((k & 4) >> 1) | ((k & 8) >> 3);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + j * dst_stride), a[k]);
  }
}

// columns[j][r] = rows[r][j] for r < 16 and j < nbytes (columns has room for
// nbytes rounded up to 64). A row pointer may be a zero row; bytes at or past
// nbytes of a row are never read.
inline void transpose_rows(const std::uint8_t* const rows[16], int nbytes, std::uint8_t (*columns)[16]) {
  int j = 0;
#if defined(__AVX512BW__) || defined(PIXELPACT_SIMDE_AVX512)  // the latter: cpp/tests/emulation
  // Four 16 x 16 transposes at once, one per 128-bit lane; masked loads never
  // touch bytes past the row end.
  for (; j < nbytes; j += 64) {
    const int n = nbytes - j;
    const __mmask64 mask = n >= 64 ? ~__mmask64{0} : ((__mmask64{1} << n) - 1);
    __m512i a[16], b[16];
    for (int r = 0; r < 16; ++r) a[r] = _mm512_maskz_loadu_epi8(mask, rows[r] + j);
    for (int i = 0; i < 8; ++i) {
      b[2 * i] = _mm512_unpacklo_epi8(a[2 * i], a[2 * i + 1]);
      b[2 * i + 1] = _mm512_unpackhi_epi8(a[2 * i], a[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {
      for (int h = 0; h < 2; ++h) {
        a[4 * i + h] = _mm512_unpacklo_epi16(b[4 * i + h], b[4 * i + h + 2]);
        a[4 * i + h + 2] = _mm512_unpackhi_epi16(b[4 * i + h], b[4 * i + h + 2]);
      }
    }
    for (int i = 0; i < 2; ++i) {
      for (int h = 0; h < 4; ++h) {
        b[8 * i + h] = _mm512_unpacklo_epi32(a[8 * i + h], a[8 * i + h + 4]);
        b[8 * i + h + 4] = _mm512_unpackhi_epi32(a[8 * i + h], a[8 * i + h + 4]);
      }
    }
    for (int h = 0; h < 8; ++h) {
      a[h] = _mm512_unpacklo_epi64(b[h], b[h + 8]);
      a[h + 8] = _mm512_unpackhi_epi64(b[h], b[h + 8]);
    }
    for (int k = 0; k < 16; ++k) {
      const int col = ((k & 1) << 3) | ((k & 2) << 1) | ((k & 4) >> 1) | ((k & 8) >> 3);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(columns[j + col]), _mm512_castsi512_si128(a[k]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(columns[j + 16 + col]), _mm512_extracti32x4_epi32(a[k], 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(columns[j + 32 + col]), _mm512_extracti32x4_epi32(a[k], 2));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(columns[j + 48 + col]), _mm512_extracti32x4_epi32(a[k], 3));
    }
  }
#else
  for (; j + 16 <= nbytes; j += 16) {
    const std::uint8_t* src[16];
    for (int r = 0; r < 16; ++r) src[r] = rows[r] + j;
    transpose16x16(src, columns[j], 16);
  }
  if (j < nbytes) {
    alignas(16) std::uint8_t edge[16][16] = {};
    const std::uint8_t* src[16];
    for (int r = 0; r < 16; ++r) {
      std::memcpy(edge[r], rows[r] + j, static_cast<std::size_t>(nbytes - j));
      src[r] = edge[r];
    }
    transpose16x16(src, columns[j], 16);
  }
#endif
}

}  // namespace
}  // namespace pixelpact::kernels::x86
