// The nearest-neighbour stage, shared by every engine's nearest modes: each
// engine computes its source indices per axis (its own rounding rule); this
// stage gathers them with the gather_nearest kernel.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engines/engine.hpp"
#include "engines/stage.hpp"

namespace pixelpact::detail {

class GatherStage : public Stage {
 public:
  std::vector<std::int32_t> src_y, src_x;  // rebased to in_rect, -1 = black

  Tile run(const Tile& in, const StageContext& context) const override;
};

// The stage gathering, for each output of request.need, input (src_y[y - need.y0],
// src_x[x - need.x0]) (absolute indices, -1 = a black pixel, Pillow's "nothing
// written").
std::unique_ptr<GatherStage> plan_gather_stage(const ResampleRequest& request, std::vector<std::int32_t> src_y,
                                               std::vector<std::int32_t> src_x);

}  // namespace pixelpact::detail
