// AVX2 OpenCV INTER_LINEAR / INTER_LINEAR_EXACT / AREA-as-linear passes.
// Byte-identical to kernels/reference/opencv_resize.cpp:
//  * horizontal (2 taps): x86/opencv_linear.inl (vpmaddwd of exact int16 pairs).
//  * vertical (INTER_LINEAR rule): h >> 4 <= 255 * 2049 / 16 < 2^15, so the
//    signed int16 pack keeps it; vpmulhw is (b * x) >> 16 for b, x >= 0; the sum
//    + 2 >> 2 is at most 255, so the unsigned-saturating pack is the reference's
//    truncating uchar cast.
// Everything else uses the reference kernels (table.cpp).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/kernels.hpp"

namespace pixelpact::kernels::avx2 {

#include "kernels/x86/opencv_linear.inl"

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
