// The intrinsics pixelpact's AVX-512 kernels use that SIMDe 0.7.4 lacks, written
// from Intel's Intrinsics Guide (the instruction's Operation pseudocode) as
// scalar loops over SIMDe's lane unions. Included by immintrin.h of this
// directory after SIMDe; each name is then mapped onto these functions (also
// over SIMDe's own version, should a later SIMDe add one, so every build
// emulates the same code). Masked loads and stores touch only the bytes whose
// mask bit is set, as the hardware does: the ISA tests put inputs right before
// an inaccessible page to catch reads past them.
#pragma once

#include <cstdint>
#include <cstring>

namespace pixelpact_emulation {

// VPSRAD zmm, zmm, imm8: arithmetic right shift of 16 int32 lanes; counts above
// 31 (of imm8's low 8 bits) fill each lane with its sign bit.
inline simde__m512i mm512_srai_epi32(simde__m512i a, unsigned int imm8) {
  const simde__m512i_private v = simde__m512i_to_private(a);
  simde__m512i_private r;
  const unsigned int count = imm8 & 0xff;
  for (int i = 0; i < 16; ++i) {
    r.i32[i] = count > 31 ? (v.i32[i] < 0 ? -1 : 0) : static_cast<std::int32_t>(v.i32[i] >> count);
  }
  return simde__m512i_from_private(r);
}

// VPMOVZXBD zmm, xmm: 16 uint8 zero-extended to int32.
inline simde__m512i mm512_cvtepu8_epi32(simde__m128i a) {
  const simde__m128i_private v = simde__m128i_to_private(a);
  simde__m512i_private r;
  for (int i = 0; i < 16; ++i) r.u32[i] = v.u8[i];
  return simde__m512i_from_private(r);
}

// VPMOVZXWD zmm, ymm: 16 uint16 zero-extended to int32.
inline simde__m512i mm512_cvtepu16_epi32(simde__m256i a) {
  const simde__m256i_private v = simde__m256i_to_private(a);
  simde__m512i_private r;
  for (int i = 0; i < 16; ++i) r.u32[i] = v.u16[i];
  return simde__m512i_from_private(r);
}

// VPMOVDW ymm, zmm: 16 int32 truncated to their low 16 bits.
inline simde__m256i mm512_cvtepi32_epi16(simde__m512i a) {
  const simde__m512i_private v = simde__m512i_to_private(a);
  simde__m256i_private r;
  for (int i = 0; i < 16; ++i) r.u16[i] = static_cast<std::uint16_t>(v.u32[i] & 0xffff);
  return simde__m256i_from_private(r);
}

// VPMOVDB xmm, zmm: 16 int32 truncated to their low 8 bits.
inline simde__m128i mm512_cvtepi32_epi8(simde__m512i a) {
  const simde__m512i_private v = simde__m512i_to_private(a);
  simde__m128i_private r;
  for (int i = 0; i < 16; ++i) r.u8[i] = static_cast<std::uint8_t>(v.u32[i] & 0xff);
  return simde__m128i_from_private(r);
}

// VPMOVUSWB ymm, zmm: 32 *unsigned* words to bytes with unsigned saturation
// (0xffff, i.e. -1 as a signed word, gives 255, not 0).
inline simde__m256i mm512_cvtusepi16_epi8(simde__m512i a) {
  const simde__m512i_private v = simde__m512i_to_private(a);
  simde__m256i_private r;
  for (int i = 0; i < 32; ++i) r.u8[i] = static_cast<std::uint8_t>(v.u16[i] > 0xff ? 0xff : v.u16[i]);
  return simde__m256i_from_private(r);
}

// VPMOVUSDB xmm, zmm: 16 *unsigned* dwords to bytes with unsigned saturation.
inline simde__m128i mm512_cvtusepi32_epi8(simde__m512i a) {
  const simde__m512i_private v = simde__m512i_to_private(a);
  simde__m128i_private r;
  for (int i = 0; i < 16; ++i) r.u8[i] = static_cast<std::uint8_t>(v.u32[i] > 0xff ? 0xff : v.u32[i]);
  return simde__m128i_from_private(r);
}

// VMOVUPS m512 {k}, zmm: float lane i stored at mem[i] where bit i of k is set;
// other memory is neither read nor written.
inline void mm512_mask_storeu_ps(void* mem, simde__mmask16 k, simde__m512 a) {
  const simde__m512_private v = simde__m512_to_private(a);
  auto* dst = static_cast<unsigned char*>(mem);
  for (int i = 0; i < 16; ++i) {
    if ((k >> i) & 1) {
      const float f = v.f32[i];
      std::memcpy(dst + 4 * i, &f, sizeof f);
    }
  }
}

// VMOVDQU8 zmm {k}{z}, m512: byte i from mem[i] where bit i of k is set, else 0;
// bytes whose bit is clear are not read (no fault past the end of a buffer).
inline simde__m512i mm512_maskz_loadu_epi8(simde__mmask64 k, const void* mem) {
  const auto* src = static_cast<const unsigned char*>(mem);
  simde__m512i_private r;
  for (int i = 0; i < 64; ++i) r.u8[i] = ((k >> i) & 1) ? src[i] : 0;
  return simde__m512i_from_private(r);
}

// VMOVDQU8 xmm {k}{z}, m128 (AVX-512BW + VL): as above for 16 bytes.
// VCVTDQ2PS zmm, zmm: 16 int32 to float32 (rounded to nearest even, as the
// default MXCSR; exact for the bytes the writers convert).
inline simde__m512 mm512_cvtepi32_ps(simde__m512i a) {
  const simde__m512i_private v = simde__m512i_to_private(a);
  simde__m512_private r;
  for (int i = 0; i < 16; ++i) r.f32[i] = static_cast<float>(v.i32[i]);
  return simde__m512_from_private(r);
}

// VCVTPS2PH ymm, zmm, imm8: 16 float32 to IEEE binary16, rounded to nearest
// even (the only rounding pixelpact's kernels ask for: imm8 bits 1:0 = 00,
// bit 2 = 0), subnormals and infinities included. Computed by the compiler's
// own _Float16 conversion (libgcc), an implementation independent of
// pixelpact's float_to_half_bits, which the tests compare it with.
inline simde__m256i mm512_cvtps_ph(simde__m512 a, int imm8) {
  static_cast<void>(imm8);
  const simde__m512_private v = simde__m512_to_private(a);
  simde__m256i_private r;
  for (int i = 0; i < 16; ++i) {
    const _Float16 h = static_cast<_Float16>(v.f32[i]);
    std::memcpy(&r.u16[i], &h, sizeof h);
  }
  return simde__m256i_from_private(r);
}

// VMOVDQU16 m256 {k}, ymm: the 16-bit lanes whose mask bit is set, and only those bytes.
inline void mm256_mask_storeu_epi16(void* mem, simde__mmask16 k, simde__m256i a) {
  const simde__m256i_private v = simde__m256i_to_private(a);
  auto* dst = static_cast<unsigned char*>(mem);
  for (int i = 0; i < 16; ++i) {
    if ((k >> i) & 1) std::memcpy(dst + 2 * i, &v.u16[i], 2);
  }
}

inline simde__m128i mm_maskz_loadu_epi8(simde__mmask16 k, const void* mem) {
  const auto* src = static_cast<const unsigned char*>(mem);
  simde__m128i_private r;
  for (int i = 0; i < 16; ++i) r.u8[i] = ((k >> i) & 1) ? src[i] : 0;
  return simde__m128i_from_private(r);
}

}  // namespace pixelpact_emulation

#undef _mm512_srai_epi32
#define _mm512_srai_epi32(a, imm8) pixelpact_emulation::mm512_srai_epi32((a), (imm8))
#undef _mm512_cvtepu8_epi32
#define _mm512_cvtepu8_epi32(a) pixelpact_emulation::mm512_cvtepu8_epi32(a)
#undef _mm512_cvtepu16_epi32
#define _mm512_cvtepu16_epi32(a) pixelpact_emulation::mm512_cvtepu16_epi32(a)
#undef _mm512_cvtepi32_epi16
#define _mm512_cvtepi32_epi16(a) pixelpact_emulation::mm512_cvtepi32_epi16(a)
#undef _mm512_cvtepi32_epi8
#define _mm512_cvtepi32_epi8(a) pixelpact_emulation::mm512_cvtepi32_epi8(a)
#undef _mm512_cvtusepi16_epi8
#define _mm512_cvtusepi16_epi8(a) pixelpact_emulation::mm512_cvtusepi16_epi8(a)
#undef _mm512_cvtusepi32_epi8
#define _mm512_cvtusepi32_epi8(a) pixelpact_emulation::mm512_cvtusepi32_epi8(a)
#undef _mm512_mask_storeu_ps
#define _mm512_mask_storeu_ps(mem, k, a) pixelpact_emulation::mm512_mask_storeu_ps((mem), (k), (a))
#undef _mm512_maskz_loadu_epi8
#define _mm512_maskz_loadu_epi8(k, mem) pixelpact_emulation::mm512_maskz_loadu_epi8((k), (mem))
#undef _mm512_cvtepi32_ps
#define _mm512_cvtepi32_ps(a) pixelpact_emulation::mm512_cvtepi32_ps(a)
#ifndef _MM_FROUND_NO_EXC  // SIMDe 0.7.4 aliases the other _MM_FROUND_ names, not this one
#define _MM_FROUND_NO_EXC SIMDE_MM_FROUND_NO_EXC
#endif
#undef _mm512_cvtps_ph
#define _mm512_cvtps_ph(a, imm8) pixelpact_emulation::mm512_cvtps_ph((a), (imm8))
#undef _mm256_mask_storeu_epi16
#define _mm256_mask_storeu_epi16(mem, k, a) pixelpact_emulation::mm256_mask_storeu_epi16((mem), (k), (a))
#undef _mm_maskz_loadu_epi8
#define _mm_maskz_loadu_epi8(k, mem) pixelpact_emulation::mm_maskz_loadu_epi8((k), (mem))
