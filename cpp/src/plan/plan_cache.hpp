// The plans of the most recently seen input sizes: a service sees few sizes, so
// a call usually finds its plan made.
#pragma once

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
  static constexpr std::size_t kSize = 8;

  // The plan for (height, width), made and kept if not among the last kSize.
  // Thread-safe; the plan stays valid while the caller holds it.
  std::shared_ptr<const Plan> plan_for(const Contract& contract, int height, int width) const;

 private:
  mutable std::mutex mutex_;
  mutable std::list<std::pair<std::pair<int, int>, std::shared_ptr<const Plan>>> plans_;
};

}  // namespace pixelpact::detail
