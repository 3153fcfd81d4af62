// The plans of the most recently seen input sizes (and, for images split across
// threads, of their bands): a service sees few sizes, so a call usually finds
// its plan made.
#pragma once

#include <array>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <utility>

#include "contract/contract.hpp"
#include "plan/plan.hpp"

namespace pixelpact::detail {

class PlanCache {
 public:
  static constexpr std::size_t kSize = 32;

  // The plan for (height, width) and output rows `band_rows` (make_plan), made
  // and kept if not among the last kSize. Thread-safe; the plan stays valid
  // while the caller holds it.
  std::shared_ptr<const Plan> plan_for(const Contract& contract, int height, int width,
                                       std::pair<int, int> band_rows = {0, 0}) const;

 private:
  using Key = std::array<int, 4>;  // height, width, band rows
  mutable std::mutex mutex_;
  mutable std::list<std::pair<Key, std::shared_ptr<const Plan>>> plans_;
};

}  // namespace pixelpact::detail
