// The reference table: every kernel of kernel_list.def, in list order.
#include "kernels/kernels.hpp"

namespace pixelpact::kernels::reference {

const KernelTable& table() {
  static const KernelTable instance = {
      "reference",
#define PIXELPACT_KERNEL(kernel, result, parameters) &kernel,
#include "kernels/kernel_list.def"
#undef PIXELPACT_KERNEL
  };
  return instance;
}

}  // namespace pixelpact::kernels::reference
