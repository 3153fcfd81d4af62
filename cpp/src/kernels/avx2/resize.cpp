// AVX2 Pillow resample passes: 16 int32 lanes as two 8-lane vectors.
// Byte-identical to kernels/reference/resize.cpp (see x86/conv_generic.inl).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/kernels.hpp"
#include "kernels/x86/transpose.hpp"

namespace pixelpact::kernels::avx2 {

struct Acc {
  __m256i lo, hi;
};
static inline Acc acc_bias() {
  const __m256i b = _mm256_set1_epi32(1 << (kConvPrecisionBits - 1));
  return {b, b};
}
static inline Acc acc_madd(Acc acc, const std::uint8_t* p16, std::int32_t w) {
  // Two 8-byte loads widened straight from memory (vpmovzxbd ymm, m64): no
  // byte shift to reach the upper half, one shuffle fewer per tap.
  const __m256i lo = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p16)));
  const __m256i hi = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p16 + 8)));
  const __m256i wv = _mm256_set1_epi32(w);
  acc.lo = _mm256_add_epi32(acc.lo, _mm256_mullo_epi32(lo, wv));
  acc.hi = _mm256_add_epi32(acc.hi, _mm256_mullo_epi32(hi, wv));
  return acc;
}
static inline void acc_store_clip(Acc acc, std::uint8_t* dst16) {
  // Signed saturation to int16 keeps every value (|acc >> 22| < 2^10), then
  // unsigned saturation to uint8 is exactly clip8.
  const __m256i lo = _mm256_srai_epi32(acc.lo, kConvPrecisionBits);
  const __m256i hi = _mm256_srai_epi32(acc.hi, kConvPrecisionBits);
  const __m128i w0 = _mm_packs_epi32(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
  const __m128i w1 = _mm_packs_epi32(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst16), _mm_packus_epi16(w0, w1));
}

#include "kernels/x86/conv_generic.inl"

}  // namespace pixelpact::kernels::avx2
