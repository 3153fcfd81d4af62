// NEON table: the kernels of this folder, by name; the reference for the rest.
#include "kernels/kernels.hpp"

namespace pixelpact::kernels::neon {

#define PIXELPACT_NEON_KERNELS(X) \
  X(conv_horizontal)              \
  X(conv_vertical)

PIXELPACT_DEFINE_KERNEL_TABLE("neon", PIXELPACT_NEON_KERNELS)

}  // namespace pixelpact::kernels::neon
