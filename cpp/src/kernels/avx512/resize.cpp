// AVX-512 (F/BW/VL/DQ) Pillow resample passes: 16 int32 lanes per vector.
// Byte-identical to kernels/reference/resize.cpp (see x86/conv_generic.inl).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/kernels.hpp"
#include "kernels/x86/transpose.hpp"

namespace pixelpact::kernels::avx512 {

using Acc = __m512i;
static inline Acc acc_bias() { return _mm512_set1_epi32(1 << (kConvPrecisionBits - 1)); }
static inline Acc acc_madd(Acc acc, const std::uint8_t* p16, std::int32_t w) {
  const __m512i px = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p16)));
  return _mm512_add_epi32(acc, _mm512_mullo_epi32(px, _mm512_set1_epi32(w)));
}
static inline void acc_store_clip(Acc acc, std::uint8_t* dst16) {
  // clip8: negative -> 0 (max), > 255 -> 255 (unsigned saturating narrow).
  const __m512i v = _mm512_max_epi32(_mm512_srai_epi32(acc, kConvPrecisionBits), _mm512_setzero_si512());
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst16), _mm512_cvtusepi32_epi8(v));
}

#include "kernels/x86/conv_generic.inl"

}  // namespace pixelpact::kernels::avx512
