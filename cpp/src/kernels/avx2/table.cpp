// AVX2 table: the kernels of this folder, by name; the reference for the rest.
#include "kernels/kernels.hpp"

namespace pixelpact::kernels::avx2 {

#define PIXELPACT_AVX2_KERNELS(X) \
  X(conv_horizontal)              \
  X(conv_vertical)                \
  X(opencv_horizontal)            \
  X(opencv_vertical_linear)       \
  X(opencv_area_fast)             \
  X(write_tensor_u8)              \
  X(write_tensor_u16)             \
  X(write_tensor_f32)              \
  X(write_tensor_f32_chain)        \
  X(write_tensor_f16_chain)

PIXELPACT_DEFINE_KERNEL_TABLE("avx2", PIXELPACT_AVX2_KERNELS)

}  // namespace pixelpact::kernels::avx2
