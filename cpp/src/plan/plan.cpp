#include "plan/plan.hpp"

#include "plan/geometry_steps.hpp"

#include <algorithm>
#include <string>

#include "engines/torch/coefficients.hpp"
#include "engines/opencv/tables.hpp"

namespace pixelpact::detail {
namespace {

Rect intersect(const Rect& a, const Rect& b) {
  Rect r{std::max(a.y0, b.y0), std::max(a.x0, b.x0), std::min(a.y1, b.y1), std::min(a.x1, b.x1)};
  if (r.empty()) return Rect{};
  return r;
}

}  // namespace

std::pair<int, int> shorter_side_size(int in_h, int in_w, int size, int max_size) {
  // transforms/functional.py:_compute_resized_output_size; Python's int() of a
  // true division truncates, and both operands are exact in double.
  const bool wide = in_w > in_h;
  long long shorter = wide ? in_h : in_w;
  long long longer = wide ? in_w : in_h;
  long long new_short = size;
  long long new_long = static_cast<long long>(static_cast<double>(new_short * longer) /
                                              static_cast<double>(shorter));
  if (max_size > 0 && new_long > max_size) {
    new_short = static_cast<long long>(static_cast<double>(max_size * new_short) /
                                       static_cast<double>(new_long));
    new_long = max_size;
  }
  auto clamp_int = [](long long v) {
    return static_cast<int>(std::min<long long>(v, 1LL << 30));
  };
  return wide ? std::make_pair(clamp_int(new_short), clamp_int(new_long))
              : std::make_pair(clamp_int(new_long), clamp_int(new_short));
}

int center_crop_offset(int in_size, int crop_size) {
  const int diff = in_size - crop_size;  // >= 0
  int half = diff / 2;
  if (diff % 2 == 1 && half % 2 == 1) ++half;  // x.5 rounds to the even neighbour
  return half;
}

std::pair<int, int> output_size(const Contract& contract, int in_h, int in_w) {
  const std::vector<PrimitiveStep> steps = expand_geometry(contract, in_h, in_w);
  const int h = steps.empty() ? in_h : steps.back().out_h;
  const int w = steps.empty() ? in_w : steps.back().out_w;
  const std::vector<PrimitiveStep> float_steps = expand_float_geometry(contract, h, w);
  if (float_steps.empty()) return {h, w};
  return {float_steps.back().out_h, float_steps.back().out_w};
}

Plan make_plan(const Contract& contract, int in_h, int in_w) {
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
    // engine 'torch' after to_float: torchvision v1 Resize on a contiguous float
    // CHW tensor with torch's default thread count (> 1). Bilinear then runs the
    // generic NCHW kernel unless the output is small (h + w <= 128), where torch
    // switches to its channels-last kernel (_use_vectorized_kernel_cond_2d).
    plan.has_float_resize = true;
    FloatResizePlan& f = plan.float_resize;
    const ResizeStep& r = contract.float_resize;
    f.in_h = h;
    f.in_w = w;
    f.resized_h = float_steps.front().out_h;
    f.resized_w = float_steps.front().out_w;
    using kernels::TorchFloatKind;
    f.kind = r.area ? TorchFloatKind::Area
           : r.antialias ? TorchFloatKind::Antialias
           : r.filter == Filter::Bicubic ? TorchFloatKind::Cubic
           : f.resized_h + f.resized_w <= 128 ? TorchFloatKind::LinearChannelsLast
                                              : TorchFloatKind::LinearGeneric;
    if (f.kind == TorchFloatKind::Area && f.resized_h == 1 && f.resized_w == 1) {
      // adaptive_avg_pool2d to 1x1 is input.mean((-1, -2)): torch's cascade sum.
      throw Error(ErrorCode::Unsupported, "",
                  "'area' to a 1x1 image is torch's mean(), whose summation order is not reproduced");
    }
    f.y = torch_float_axis(h, f.resized_h, f.kind, r.filter);
    f.x = torch_float_axis(w, f.resized_w, f.kind, r.filter);
    for (std::size_t i = 1; i < float_steps.size(); ++i) {
      f.crop_y += float_steps[i].offset_y;
      f.crop_x += float_steps[i].offset_x;
    }
    plan.tensor_h = float_steps.back().out_h;
    plan.tensor_w = float_steps.back().out_w;
  }

  // Backward: what each stage must produce and read.
  std::vector<Stage> reversed;
  Rect need{0, 0, h, w};
  for (auto it = sized.rbegin(); it != sized.rend(); ++it) {
    const Rect in_bounds{0, 0, it->in_h, it->in_w};
    if (!it->is_resize) {
      CropStage st;
      st.in_h = it->in_h;
      st.in_w = it->in_w;
      st.out_h = it->out_h;
      st.out_w = it->out_w;
      st.offset_y = it->offset_y;
      st.offset_x = it->offset_x;
      st.fill = working_fill(contract, it->fill);
      st.out_rect = need;
      const Rect shifted{need.y0 + st.offset_y, need.x0 + st.offset_x, need.y1 + st.offset_y,
                         need.x1 + st.offset_x};
      st.pads = !in_bounds.contains(shifted);
      st.in_rect = intersect(shifted, in_bounds);
      need = st.in_rect;
      reversed.emplace_back(std::move(st));
      continue;
    }
    const ResizeStep& resize = *it->resize;
    const int out_h = it->out_h, out_w = it->out_w;
    if (resize.engine == ResizeEngine::Opencv && !opencv_is_nearest(resize)) {
      const int channels = contract.input_color == InputColor::GRAY ? 1 : 3;  // the pipeline's working pixels
      OpencvResizeStage st = make_opencv_stage(resize, it->in_h, it->in_w, out_h, out_w, need, channels);
      need = st.in_rect;
      reversed.emplace_back(std::move(st));
      continue;
    }
    const bool torch = resize.engine == ResizeEngine::Torch;
    const bool opencv = resize.engine == ResizeEngine::Opencv;
    if (opencv || resize.filter == Filter::Nearest || resize.filter == Filter::NearestExact) {
      NearestStage st;
      st.in_h = it->in_h;
      st.in_w = it->in_w;
      st.out_h = out_h;
      st.out_w = out_w;
      st.out_rect = need;
      if (opencv && out_h == it->in_h && out_w == it->in_w) {  // cv::resize copies
        for (int y = need.y0; y < need.y1; ++y) st.src_y.push_back(y);
        for (int x = need.x0; x < need.x1; ++x) st.src_x.push_back(x);
      } else if (opencv) {
        st.src_y = opencv_nearest_indices(resize, true, it->in_h, out_h, need.y0, need.y1);
        st.src_x = opencv_nearest_indices(resize, false, it->in_w, out_w, need.x0, need.x1);
      } else if (torch) {
        st.src_y = torch_nearest_indices(it->in_h, out_h, resize.filter, need.y0, need.y1);
        st.src_x = torch_nearest_indices(it->in_w, out_w, resize.filter, need.x0, need.x1);
      } else {
        st.src_y = pillow_nearest_indices(it->in_h, out_h, need.y0, need.y1);
        st.src_x = pillow_nearest_indices(it->in_w, out_w, need.x0, need.x1);
      }
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
      span(st.src_y, st.in_rect.y0, st.in_rect.y1);
      span(st.src_x, st.in_rect.x0, st.in_rect.x1);
      if (need.empty()) st.in_rect = Rect{};
      for (auto& s : st.src_y) s = s < 0 ? -1 : s - st.in_rect.y0;
      for (auto& s : st.src_x) s = s < 0 ? -1 : s - st.in_rect.x0;
      need = st.in_rect;
      reversed.emplace_back(std::move(st));
      continue;
    }
    ResizeStage st;
    st.in_h = it->in_h;
    st.in_w = it->in_w;
    st.out_h = out_h;
    st.out_w = out_w;
    st.out_rect = need;
    st.need_horizontal = out_w != it->in_w;
    st.need_vertical = out_h != it->in_h;
    // torch always resamples horizontally first.
    st.vertical_first = !torch && pillow_vertical_first(it->in_h, it->in_w, out_h, out_w, resize.pillow_version);
    auto axis_weights = [&](int in, int out, int begin, int end) {
      return torch ? torch_axis_weights(in, out, resize.filter, resize.antialias, begin, end)
                   : pillow_axis_weights(in, out, resize.filter, begin, end);
    };
    st.in_rect = need;
    if (!need.empty()) {
      if (st.need_vertical) {
        st.vertical = axis_weights(it->in_h, out_h, need.y0, need.y1);
        st.in_rect.y0 = st.vertical.input_begin();
        st.in_rect.y1 = st.vertical.input_end();
        st.vertical.rebase(st.in_rect.y0);
      }
      if (st.need_horizontal) {
        st.horizontal = axis_weights(it->in_w, out_w, need.x0, need.x1);
        st.in_rect.x0 = st.horizontal.input_begin();
        st.in_rect.x1 = st.horizontal.input_end();
        st.horizontal.rebase(st.in_rect.x0);
      }
    } else {
      st.in_rect = Rect{};
    }
    need = st.in_rect;
    reversed.emplace_back(std::move(st));
  }
  plan.input_rect = need;
  plan.stages.assign(std::make_move_iterator(reversed.rbegin()),
                     std::make_move_iterator(reversed.rend()));
  return plan;
}

}  // namespace pixelpact::detail
