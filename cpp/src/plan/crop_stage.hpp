// The crop stage: every crop, pad, center crop and letterbox padding, as an offset
// window that may reach outside its input (where it reads a fill colour).
#pragma once

#include <array>
#include <cstdint>

#include "engines/stage.hpp"

namespace pixelpact::detail {

// out(y, x) = in(y + offset_y, x + offset_x); `fill` outside the input.
class CropStage : public Stage {
 public:
  int offset_y = 0, offset_x = 0;
  std::array<std::uint8_t, 3> fill{};  // working channel order
  bool pads = false;                   // out_rect reaches outside the input

  bool relabels() const override { return true; }
  Tile run(const Tile& in, const StageContext& context) const override;
};

}  // namespace pixelpact::detail
