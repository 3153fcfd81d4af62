#include "plan/plan_cache.hpp"

namespace pixelpact::detail {

std::shared_ptr<const Plan> PlanCache::plan_for(const Contract& contract, int height, int width) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = plans_.begin(); it != plans_.end(); ++it) {
    if (it->first == std::make_pair(height, width)) {
      plans_.splice(plans_.begin(), plans_, it);
      return it->second;
    }
  }
  auto plan = std::make_shared<const Plan>(make_plan(contract, height, width));
  plans_.emplace_front(std::make_pair(height, width), plan);
  if (plans_.size() > kSize) plans_.pop_back();
  return plan;
}

}  // namespace pixelpact::detail
