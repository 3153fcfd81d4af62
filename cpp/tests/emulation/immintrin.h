// Emulation build only (CMake option PIXELPACT_EMULATE_AVX512, never a release):
// the AVX-512 kernel sources are compiled with this directory first on their
// include path, so their `#include <immintrin.h>` lands here and every Intel
// intrinsic they name (SSE to AVX-512) becomes SIMDe's portable version
// (SIMD Everywhere, Debian libsimde-dev). Nothing above the compiler's baseline
// instructions is emitted, so the kernels run on any CPU and the ISA
// differential tests compare them with the reference here too.
//
// What this proves: the kernels' logic (lane arithmetic, shuffles, masks, tails,
// which bytes they read and write) gives the reference's bytes, as far as SIMDe
// and avx512_additions.h follow Intel's documented semantics. What it does not:
// that real AVX-512 hardware gives the same bytes; runs on machines that have it
// still do that.
#pragma once

// No native code paths at all: SIMDe's own types, and it never includes the
// compiler's intrinsic headers (whose AVX-512 declarations would clash).
#define SIMDE_NO_NATIVE
// _mm512_add_epi32 -> simde_mm512_add_epi32, __m512i -> simde__m512i, ...
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

// SIMDe 0.7.4 names no __mmask types of its own (they are compiler typedefs).
typedef simde__mmask8 __mmask8;
typedef simde__mmask16 __mmask16;
typedef simde__mmask32 __mmask32;
typedef simde__mmask64 __mmask64;

#include "avx512_additions.h"

// Tells shared x86 code (kernels/x86/transpose.hpp) that AVX-512BW intrinsics
// are available in this translation unit, as -mavx512bw (__AVX512BW__) does.
#define PIXELPACT_SIMDE_AVX512 1
