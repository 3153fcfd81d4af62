// A compiled contract: the parsed contract plus everything decided once for all
// input sizes (channel mapping, elementwise tables, the kernel table, limits),
// and the cache of per-size plans. What a pixelpact::Pipeline holds.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "contract/contract.hpp"
#include "kernels/kernels.hpp"
#include "plan/elementwise.hpp"
#include "plan/plan_cache.hpp"
#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {

struct CompiledContract {
  Contract contract;
  std::string canonical;    // canonical_json(contract): contract/canonical.hpp
  std::string fingerprint;  // SHA-256 of `canonical`, hex
  PipelineOptions options;
  const kernels::KernelTable* kernel_table = nullptr;
  int work_channels = 3;                     // 1 for GRAY, 4 for alpha "premultiply", else 3
  std::array<std::uint8_t, 3> background{};  // alpha "composite": working channel order
  int source_channel[3] = {0, 1, 2};         // output channel -> working channel
  ElementwiseTables tables;
  PlanCache plans;
};

std::shared_ptr<CompiledContract> compile(Contract contract, const kernels::KernelTable& table);

}  // namespace pixelpact::detail
