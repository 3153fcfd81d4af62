// AVX2 OpenCV INTER_LINEAR / INTER_LINEAR_EXACT / AREA-as-linear passes.
// Byte-identical to kernels/reference/opencv_resize.cpp:
//  * horizontal (2 taps): h = p0 * w0 + p1 * w1 exactly in int32 (vpmaddwd of
//    the (p0, p1) and (w0, w1) int16 pairs; |w| <= 2049 so nothing saturates).
//    The plan's per-element tables give p0's byte offset; one 4-byte gather per
//    element brings p0 (byte 0) and p1 (byte `channels`).
//  * vertical (INTER_LINEAR rule): h >> 4 <= 255 * 2049 / 16 < 2^15, so the
//    signed int16 pack keeps it; vpmulhw is (b * x) >> 16 for b, x >= 0; the sum
//    + 2 >> 2 is at most 255, so the unsigned-saturating pack is the reference's
//    truncating uchar cast.
// Everything else uses the reference kernels (table.cpp).
#include <immintrin.h>

#include <cstdint>

#include "../kernels.hpp"

namespace pixelpact::kernels::avx2 {
namespace {

inline std::int32_t scalar_element(const std::uint8_t* line, std::ptrdiff_t ps, int channels,
                                   const OpencvTaps& taps, int e) {
  const int x = e / channels, c = e % channels;
  const std::int32_t* idx = taps.index + 2 * x;
  const std::int32_t* w = taps.weight + 2 * x;
  return line[idx[0] * ps + c] * w[0] + line[idx[1] * ps + c] * w[1];
}

}  // namespace

void opencv_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                       std::ptrdiff_t in_pixel_stride, int rows, int channels,
                       const OpencvTaps& taps, int out_width, std::int32_t* out,
                       std::ptrdiff_t out_row_stride) {
  if (taps.ksize != 2 || taps.element_offset == nullptr || in_pixel_stride != channels || channels > 3) {
    reference::opencv_horizontal(in, in_row_stride, in_pixel_stride, rows, channels, taps, out_width, out,
                                 out_row_stride);
    return;
  }
  const int elements = out_width * channels;
  const int simd = taps.simd_elements;
  const char c = static_cast<char>(channels);
  const char z = static_cast<char>(0x80);
  // Per dword: byte 0 -> low int16, byte `channels` -> high int16.
  const __m256i pairs = _mm256_setr_epi8(0, z, c, z, 4, z, static_cast<char>(4 + c), z, 8, z,
                                         static_cast<char>(8 + c), z, 12, z, static_cast<char>(12 + c), z,
                                         0, z, c, z, 4, z, static_cast<char>(4 + c), z, 8, z,
                                         static_cast<char>(8 + c), z, 12, z, static_cast<char>(12 + c), z);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* line = in + y * in_row_stride;
    std::int32_t* dst = out + y * out_row_stride;
    const int* base = reinterpret_cast<const int*>(line);
    int e = 0;
    for (; e + 8 <= simd; e += 8) {
      const __m256i off = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(taps.element_offset + e));
      const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(taps.element_weights + e));
      const __m256i v = _mm256_shuffle_epi8(_mm256_i32gather_epi32(base, off, 1), pairs);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + e), _mm256_madd_epi16(v, w));
    }
    for (; e < elements; ++e) dst[e] = scalar_element(line, in_pixel_stride, channels, taps, e);
  }
}

void opencv_vertical_linear(const std::int32_t* in, std::ptrdiff_t in_row_stride, int elements,
                            const OpencvTaps& taps, int out_rows, std::uint8_t* out,
                            std::ptrdiff_t out_row_stride) {
  for (int y = 0; y < out_rows; ++y) {
    const std::int32_t* s0 = in + taps.index[2 * y] * in_row_stride;
    const std::int32_t* s1 = in + taps.index[2 * y + 1] * in_row_stride;
    const std::int32_t b0 = taps.weight[2 * y], b1 = taps.weight[2 * y + 1];
    std::uint8_t* dst = out + y * out_row_stride;
    const __m256i vb0 = _mm256_set1_epi16(static_cast<short>(b0));
    const __m256i vb1 = _mm256_set1_epi16(static_cast<short>(b1));
    const __m256i two = _mm256_set1_epi16(2);
    auto rows16 = [](const std::int32_t* p) {
      const __m256i a = _mm256_srai_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), 4);
      const __m256i b = _mm256_srai_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 8)), 4);
      return _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);  // elements in order
    };
    int x = 0;
    for (; x + 32 <= elements; x += 32) {
      const __m256i r0 = _mm256_srai_epi16(
          _mm256_add_epi16(_mm256_add_epi16(_mm256_mulhi_epi16(rows16(s0 + x), vb0),
                                            _mm256_mulhi_epi16(rows16(s1 + x), vb1)),
                           two),
          2);
      const __m256i r1 = _mm256_srai_epi16(
          _mm256_add_epi16(_mm256_add_epi16(_mm256_mulhi_epi16(rows16(s0 + x + 16), vb0),
                                            _mm256_mulhi_epi16(rows16(s1 + x + 16), vb1)),
                           two),
          2);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + x),
                          _mm256_permute4x64_epi64(_mm256_packus_epi16(r0, r1), 0xD8));
    }
    for (; x < elements; ++x) {
      dst[x] = static_cast<std::uint8_t>((((b0 * (s0[x] >> 4)) >> 16) + ((b1 * (s1[x] >> 4)) >> 16) + 2) >> 2);
    }
  }
}

}  // namespace pixelpact::kernels::avx2
