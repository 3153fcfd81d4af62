// Kernel entry points. Kernels are internal: they trust their arguments (the plan
// validated everything), never allocate, never throw, never print.
//
// Pixel buffers are uint8 with channel stride 1; rows and pixels may have any
// byte stride (negative included). Every kernel has one scalar reference
// (kernels/reference/) that is the specification; SIMD variants live beside it
// in per-ISA folders, same file names, and must produce identical bytes.
//
// kernel_list.def names every kernel once; everything below is generated from it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv.hpp"
#include "kernels/opencv.hpp"
#include "kernels/tensorflow.hpp"
#include "kernels/torch_float.hpp"
#include "kernels/write.hpp"

namespace pixelpact::kernels {

// The kernels of one instruction set: one function pointer per kernel of
// kernel_list.def, same name. Every table has every entry; an ISA without a
// faster version of a kernel points at the reference one.
struct KernelTable {
  const char* name;  // "reference", "avx2", "avx512", "neon"
#define PIXELPACT_KERNEL(kernel, result, parameters) result(*kernel) parameters;
#include "kernels/kernel_list.def"
#undef PIXELPACT_KERNEL
};

// Declares, inside an ISA namespace, every kernel of the list (an ISA defines
// the ones it implements) and its table.
#define PIXELPACT_KERNEL(kernel, result, parameters) result kernel parameters;
namespace reference {
#include "kernels/kernel_list.def"
extern const KernelTable table;  // every kernel of the list, all scalar
}  // namespace reference
#if defined(PIXELPACT_HAVE_AVX2)
namespace avx2 {
#include "kernels/kernel_list.def"
extern const KernelTable table;
}  // namespace avx2
#endif
#if defined(PIXELPACT_HAVE_AVX512)
namespace avx512 {
#include "kernels/kernel_list.def"
extern const KernelTable table;
}  // namespace avx512
#endif
#if defined(PIXELPACT_HAVE_NEON)
namespace neon {
#include "kernels/kernel_list.def"
extern const KernelTable table;
}  // namespace neon
#endif
#undef PIXELPACT_KERNEL

// Every entry the reference kernel, in list order. constexpr, so that every table
// is constant-initialized data: no code compiled for an ISA runs to build it (a
// CPU without that ISA may read every table).
constexpr KernelTable reference_entries(const char* name) {
  return KernelTable{name,
#define PIXELPACT_KERNEL(kernel, result, parameters) &reference::kernel,
#include "kernels/kernel_list.def"
#undef PIXELPACT_KERNEL
  };
}

// Defines `table` of an ISA namespace: the reference entries with the kernels
// named by OWN_KERNELS(X) (an X-list of kernel names this ISA implements)
// replaced, by name, with the ISA's own. Use inside the ISA's namespace:
//   #define PIXELPACT_AVX2_KERNELS(X) X(conv_horizontal) X(conv_vertical)
//   PIXELPACT_DEFINE_KERNEL_TABLE("avx2", PIXELPACT_AVX2_KERNELS)
#define PIXELPACT_USE_OWN_KERNEL(kernel) entries.kernel = &kernel;
#define PIXELPACT_DEFINE_KERNEL_TABLE(isa_name, OWN_KERNELS)    \
  constexpr KernelTable own_entries() {                         \
    KernelTable entries = reference_entries(isa_name);          \
    OWN_KERNELS(PIXELPACT_USE_OWN_KERNEL)                       \
    return entries;                                             \
  }                                                             \
  const KernelTable table = own_entries();

}  // namespace pixelpact::kernels
