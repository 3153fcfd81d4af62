#include "engines/common/gather_stage.hpp"

#include <algorithm>

namespace pixelpact::detail {

std::unique_ptr<GatherStage> plan_gather_stage(const ResampleRequest& r, std::vector<std::int32_t> src_y,
                                               std::vector<std::int32_t> src_x) {
  auto st = std::make_unique<GatherStage>();
  st->in_h = r.in_h;
  st->in_w = r.in_w;
  st->out_h = r.out_h;
  st->out_w = r.out_w;
  st->out_rect = r.need;
  st->src_y = std::move(src_y);
  st->src_x = std::move(src_x);
  auto span = [](const std::vector<std::int32_t>& v, int& lo, int& hi) {
    lo = 0x7fffffff;
    hi = 0;
    for (auto s : v) {
      if (s >= 0) {
        lo = std::min(lo, s);
        hi = std::max(hi, s + 1);
      }
    }
    if (lo > hi) lo = hi = 0;
  };
  span(st->src_y, st->in_rect.y0, st->in_rect.y1);
  span(st->src_x, st->in_rect.x0, st->in_rect.x1);
  if (r.need.empty()) st->in_rect = Rect{};
  for (auto& s : st->src_y) s = s < 0 ? -1 : s - st->in_rect.y0;
  for (auto& s : st->src_x) s = s < 0 ? -1 : s - st->in_rect.x0;
  return st;
}

Tile GatherStage::run(const Tile& in, const StageContext& context) const {
  Tile t;
  t.rect = out_rect;
  if (out_rect.empty()) return t;
  const int channels = context.channels;
  t.pixel_stride = channels;
  t.row_stride = static_cast<std::ptrdiff_t>(out_rect.cols()) * channels;
  std::uint8_t* dst = context.scratch.take(static_cast<std::size_t>(out_rect.rows()) * t.row_stride);
  t.data = dst;
  context.kernels.gather_nearest(in.data, in.row_stride, in.pixel_stride, channels, src_y.data(), out_rect.rows(),
                                 src_x.data(), out_rect.cols(), dst, t.row_stride);
  return t;
}

}  // namespace pixelpact::detail
