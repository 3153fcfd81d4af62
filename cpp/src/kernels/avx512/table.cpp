// AVX-512 table: the kernels of this folder, by name; the reference for the rest.
#include "kernels/kernels.hpp"

namespace pixelpact::kernels::avx512 {

#define PIXELPACT_AVX512_KERNELS(X) \
  X(conv_horizontal)                \
  X(conv_vertical)                  \
  X(write_tensor_u8)                \
  X(write_tensor_u16)               \
  X(write_tensor_f32)               \
  X(write_tensor_f32_chain)         \
  X(write_tensor_f16_chain)         \
  X(opencv_horizontal)              \
  X(opencv_vertical_linear)         \
  X(opencv_area_fast)

PIXELPACT_DEFINE_KERNEL_TABLE("avx512", PIXELPACT_AVX512_KERNELS)

}  // namespace pixelpact::kernels::avx512
