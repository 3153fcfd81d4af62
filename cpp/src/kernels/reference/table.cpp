// The reference table: every kernel of kernel_list.def, in list order.
#include "kernels/kernels.hpp"

namespace pixelpact::kernels::reference {

const KernelTable table = reference_entries("reference");

}  // namespace pixelpact::kernels::reference
