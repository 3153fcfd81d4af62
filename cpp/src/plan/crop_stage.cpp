#include "plan/crop_stage.hpp"

namespace pixelpact::detail {

Tile CropStage::run(const Tile& tile_in, const StageContext& context) const {
  // A crop only relabels coordinates; the pixels stay where they are. Only when
  // it adds padding of another colour than the padding the tile already has
  // (both visible) is the old padding written out first.
  Tile in = tile_in;
  if (pads && in.fill != fill && !in.rect.contains(in_rect)) {
    in = materialize(in, in_rect, context.channels, context.scratch);
  }
  if (pads) in.fill = fill;
  Tile t = in;
  t.rect = Rect{in.rect.y0 - offset_y, in.rect.x0 - offset_x, in.rect.y1 - offset_y, in.rect.x1 - offset_x};
  if (in.rect.empty()) t.rect = Rect{};
  return t;
}

}  // namespace pixelpact::detail
