// Instruction-set selection: which KernelTable a pipeline uses. Chosen once
// when a pipeline is built, never per pixel.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kernels/kernels.hpp"

namespace pixelpact::detail {

// ISAs this build contains and this CPU runs, best first; "reference" is last.
std::vector<std::string> supported_isas();

// The table for `requested` ("" = PIXELPACT_FORCE_ISA if set, else the best
// supported). Throws Error(Unsupported) naming the problem for an unknown ISA
// or one this build or CPU cannot run.
const kernels::KernelTable& select_kernels(std::string_view requested);

// For each kernel of `table`, in kernel_list.def order: its name and the ISA that
// implements it (the table's own, or "reference" where the table borrows the
// scalar kernel). Pipeline::kernels() and `pixelpact info` print it. A table
// compiled against SIMDe (PIXELPACT_EMULATE_AVX512 test builds) names its own
// kernels "avx512 (emulated)".
std::vector<std::pair<std::string, std::string>> kernel_report(const kernels::KernelTable& table);

}  // namespace pixelpact::detail
