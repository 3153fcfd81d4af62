// AVX-512 (F/BW) OpenCV INTER_LINEAR / INTER_LINEAR_EXACT / AREA-as-linear
// passes; the AVX2 file's arithmetic with 16 and 32 lanes. Byte-identical to
// kernels/reference/opencv_resize.cpp for the reasons given in
// kernels/avx2/opencv_resize.cpp (exact int16 pairs in vpmaddwd; h >> 4 < 2^15;
// results <= 255, so saturating narrows equal the truncating cast).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/kernels.hpp"

namespace pixelpact::kernels::avx512 {

#include "kernels/x86/opencv_linear.inl"

void opencv_vertical_linear(const std::int32_t* in, std::ptrdiff_t in_row_stride, int elements,
                            const OpencvTaps& taps, int out_rows, std::uint8_t* out,
                            std::ptrdiff_t out_row_stride) {
  for (int y = 0; y < out_rows; ++y) {
    const std::int32_t* s0 = in + taps.index[2 * y] * in_row_stride;
    const std::int32_t* s1 = in + taps.index[2 * y + 1] * in_row_stride;
    const std::int32_t b0 = taps.weight[2 * y], b1 = taps.weight[2 * y + 1];
    std::uint8_t* dst = out + y * out_row_stride;
    const __m512i vb0 = _mm512_set1_epi16(static_cast<short>(b0));
    const __m512i vb1 = _mm512_set1_epi16(static_cast<short>(b1));
    const __m512i two = _mm512_set1_epi16(2);
    auto rows32 = [](const std::int32_t* p) {  // 32 values of h >> 4 as int16, in order
      const __m256i a = _mm512_cvtsepi32_epi16(_mm512_srai_epi32(_mm512_loadu_si512(p), 4));
      const __m256i b = _mm512_cvtsepi32_epi16(_mm512_srai_epi32(_mm512_loadu_si512(p + 16), 4));
      return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
    };
    int x = 0;
    for (; x + 32 <= elements; x += 32) {
      const __m512i r = _mm512_srai_epi16(
          _mm512_add_epi16(_mm512_add_epi16(_mm512_mulhi_epi16(rows32(s0 + x), vb0),
                                            _mm512_mulhi_epi16(rows32(s1 + x), vb1)),
                           two),
          2);
      // r is in [0, 255]: the unsigned-saturating narrow is exact.
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + x), _mm512_cvtusepi16_epi8(r));
    }
    for (; x < elements; ++x) {
      dst[x] = static_cast<std::uint8_t>((((b0 * (s0[x] >> 4)) >> 16) + ((b1 * (s1[x] >> 4)) >> 16) + 2) >> 2);
    }
  }
}

}  // namespace pixelpact::kernels::avx512
