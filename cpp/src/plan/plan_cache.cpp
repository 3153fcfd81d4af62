#include "plan/plan_cache.hpp"

namespace pixelpact::detail {

std::shared_ptr<const Plan> PlanCache::plan_for(const Contract& contract, int height, int width,
                                                std::pair<int, int> band_rows) const {
  const Key key{height, width, band_rows.first, band_rows.second};
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = plans_.begin(); it != plans_.end(); ++it) {
    if (it->first == key) {
      plans_.splice(plans_.begin(), plans_, it);
      return it->second;
    }
  }
  auto plan = std::make_shared<const Plan>(make_plan(contract, height, width, band_rows));
  plans_.emplace_front(key, plan);
  if (plans_.size() > kSize) plans_.pop_back();
  return plan;
}

}  // namespace pixelpact::detail
