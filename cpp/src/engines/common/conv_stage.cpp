#include "engines/common/conv_stage.hpp"

#include <algorithm>

#include "image/alpha.hpp"

namespace pixelpact::detail {

int ConvWeights::input_begin() const {
  int lo = 0x7fffffff;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (count[i] > 0) lo = std::min(lo, first[i]);
  }
  return lo == 0x7fffffff ? 0 : lo;
}

int ConvWeights::input_end() const {
  int hi = 0;
  for (std::size_t i = 0; i < first.size(); ++i) hi = std::max(hi, first[i] + count[i]);
  return std::max(hi, input_begin());
}

void ConvWeights::rebase(int input_origin) {
  for (auto& f : first) f -= input_origin;
}

std::unique_ptr<ConvStage> plan_conv_stage(const ResampleRequest& r, bool vertical_first, bool premultiply_rgba,
                                           const AxisWeightsFn& axis_weights) {
  auto st = std::make_unique<ConvStage>();
  const Rect& need = r.need;
  st->in_h = r.in_h;
  st->in_w = r.in_w;
  st->out_h = r.out_h;
  st->out_w = r.out_w;
  st->out_rect = need;
  st->need_horizontal = r.out_w != r.in_w;
  st->need_vertical = r.out_h != r.in_h;
  st->vertical_first = vertical_first;
  st->premultiply_rgba = premultiply_rgba;
  st->in_rect = need;
  if (!need.empty()) {
    if (st->need_vertical) {
      st->vertical = axis_weights(r.in_h, r.out_h, need.y0, need.y1);
      st->in_rect.y0 = st->vertical.input_begin();
      st->in_rect.y1 = st->vertical.input_end();
      st->vertical.rebase(st->in_rect.y0);
    }
    if (st->need_horizontal) {
      st->horizontal = axis_weights(r.in_w, r.out_w, need.x0, need.x1);
      st->in_rect.x0 = st->horizontal.input_begin();
      st->in_rect.x1 = st->horizontal.input_end();
      st->horizontal.rebase(st->in_rect.x0);
    }
  } else {
    st->in_rect = Rect{};
  }
  return st;
}

namespace {

kernels::ConvAxis axis_of(const ConvWeights& w) {
  return kernels::ConvAxis{w.ksize, w.first.data(), w.count.data(), w.weight.data()};
}

}  // namespace

Tile ConvStage::run(const Tile& in, const StageContext& context) const {
  if (premultiply_rgba && context.channels == 4 && (need_horizontal || need_vertical) && !out_rect.empty()) {
    // Pillow's Image.resize of an RGBA image converts to RGBa, resizes, converts back.
    Tile copy = materialize(in, in_rect, 4, context.scratch);
    premultiply_alpha(const_cast<std::uint8_t*>(copy.data), copy.row_stride, copy.rect.rows(), copy.rect.cols());
    Tile out = resample(copy, context);
    unpremultiply_alpha(const_cast<std::uint8_t*>(out.data), out.row_stride, out.rect.rows(), out.rect.cols());
    return out;
  }
  return resample(in, context);
}

Tile ConvStage::resample(const Tile& in, const StageContext& context) const {
  if (out_rect.empty()) return Tile{nullptr, 0, 0, out_rect};
  if (!need_horizontal && !need_vertical) return in;
  const int channels = context.channels;
  const kernels::KernelTable& k = context.kernels;
  auto horizontal_pass = [&](const Tile& src, const Rect& rect) {
    Tile t = packed_tile(rect, channels, context.scratch);
    k.conv_horizontal(src.data, src.row_stride, src.pixel_stride, rect.rows(), channels, axis_of(horizontal),
                      rect.cols(), const_cast<std::uint8_t*>(t.data), t.row_stride);
    return t;
  };
  auto vertical_pass = [&](const Tile& src, const Rect& rect) {
    Tile t = packed_tile(rect, channels, context.scratch);
    k.conv_vertical(src.data, src.row_stride, src.pixel_stride, rect.cols(), channels, axis_of(vertical),
                    rect.rows(), const_cast<std::uint8_t*>(t.data), t.row_stride);
    return t;
  };
  const Rect& o = out_rect;
  const Rect& i = in_rect;
  if (!need_vertical) return horizontal_pass(in, o);
  if (!need_horizontal) return vertical_pass(in, o);
  if (vertical_first) {
    Tile mid = vertical_pass(in, Rect{o.y0, i.x0, o.y1, i.x1});
    return horizontal_pass(mid, o);
  }
  Tile mid = horizontal_pass(in, Rect{i.y0, o.x0, i.y1, o.x1});
  return vertical_pass(mid, o);
}

}  // namespace pixelpact::detail
