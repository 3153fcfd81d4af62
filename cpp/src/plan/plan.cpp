#include "plan/plan.hpp"

#include <algorithm>
#include <string>

#include "plan/crop_stage.hpp"
#include "plan/geometry_steps.hpp"

namespace pixelpact::detail {
namespace {

Rect intersect(const Rect& a, const Rect& b) {
  Rect r{std::max(a.y0, b.y0), std::max(a.x0, b.x0), std::min(a.y1, b.y1), std::min(a.x1, b.x1)};
  if (r.empty()) return Rect{};
  return r;
}

// The channels the stages carry (compile() in plan/compiled.cpp agrees).
int working_channels(const Contract& contract) {
  if (contract.input_color == InputColor::GRAY) return 1;
  return contract.alpha == AlphaPolicy::Premultiply ? 4 : 3;
}

}  // namespace

std::pair<int, int> output_size(const Contract& contract, int in_h, int in_w) {
  const std::vector<PrimitiveStep> steps = expand_geometry(contract, in_h, in_w);
  const int h = steps.empty() ? in_h : steps.back().out_h;
  const int w = steps.empty() ? in_w : steps.back().out_w;
  const std::vector<PrimitiveStep> float_steps = expand_float_geometry(contract, h, w);
  if (float_steps.empty()) return {h, w};
  return {float_steps.back().out_h, float_steps.back().out_w};
}

Plan make_plan(const Contract& contract, int in_h, int in_w, std::pair<int, int> band_rows) {
  Plan plan;
  plan.in_h = in_h;
  plan.in_w = in_w;

  // Forward: sizes of every stage.
  const std::vector<PrimitiveStep> sized = expand_geometry(contract, in_h, in_w);
  const int h = sized.empty() ? in_h : sized.back().out_h;
  const int w = sized.empty() ? in_w : sized.back().out_w;
  plan.out_h = h;
  plan.out_w = w;
  plan.tensor_h = h;
  plan.tensor_w = w;
  const std::vector<PrimitiveStep> float_steps = expand_float_geometry(contract, h, w);
  if (!float_steps.empty()) {
    const PrimitiveStep& resize = float_steps.front();
    plan.float_stage = resize.resize->mode->plan_float(h, w, resize.out_h, resize.out_w);
    for (std::size_t i = 1; i < float_steps.size(); ++i) {
      plan.float_crop_y += float_steps[i].offset_y;
      plan.float_crop_x += float_steps[i].offset_x;
    }
    plan.tensor_h = float_steps.back().out_h;
    plan.tensor_w = float_steps.back().out_w;
  }

  plan.band_y0 = 0;
  plan.band_y1 = h;
  if (band_rows != std::pair<int, int>{0, 0}) {
    if (plan.float_stage || band_rows.first < 0 || band_rows.second > h || band_rows.first >= band_rows.second) {
      throw Error(ErrorCode::Internal, "", "a band plan was asked for rows this contract cannot split");
    }
    plan.band_y0 = band_rows.first;
    plan.band_y1 = band_rows.second;
  }

  // Backward: what each stage must produce and read.
  std::vector<std::unique_ptr<const Stage>> reversed;
  Rect need{plan.band_y0, 0, plan.band_y1, w};
  const int channels = working_channels(contract);
  for (auto it = sized.rbegin(); it != sized.rend(); ++it) {
    if (!it->is_resize) {
      const Rect in_bounds{0, 0, it->in_h, it->in_w};
      auto st = std::make_unique<CropStage>();
      st->in_h = it->in_h;
      st->in_w = it->in_w;
      st->out_h = it->out_h;
      st->out_w = it->out_w;
      st->offset_y = it->offset_y;
      st->offset_x = it->offset_x;
      st->fill = working_fill(contract, it->fill);
      st->out_rect = need;
      const Rect shifted{need.y0 + st->offset_y, need.x0 + st->offset_x, need.y1 + st->offset_y,
                         need.x1 + st->offset_x};
      st->pads = !in_bounds.contains(shifted);
      st->in_rect = intersect(shifted, in_bounds);
      need = st->in_rect;
      reversed.push_back(std::move(st));
      continue;
    }
    ResampleRequest request;
    request.in_h = it->in_h;
    request.in_w = it->in_w;
    request.out_h = it->out_h;
    request.out_w = it->out_w;
    request.need = need;
    request.channels = channels;
    const SizeRule& rule = it->resize->size;
    if (rule.kind == SizeRule::Kind::Scale) {
      request.scale_y = rule.scale_y;
      request.scale_x = rule.scale_x;
    }
    std::unique_ptr<const Stage> st = it->resize->mode->plan(request);
    need = st->in_rect;
    reversed.push_back(std::move(st));
  }
  plan.input_rect = need;
  plan.stages.assign(std::make_move_iterator(reversed.rbegin()), std::make_move_iterator(reversed.rend()));
  return plan;
}

}  // namespace pixelpact::detail
