#include "plan.hpp"

#include <algorithm>
#include <string>

#include "opencv_resize.hpp"

namespace pixelpact::detail {
namespace {

constexpr long long kMaxImageDimension = 1 << 20;

Rect intersect(const Rect& a, const Rect& b) {
  Rect r{std::max(a.y0, b.y0), std::max(a.x0, b.x0), std::min(a.y1, b.y1), std::min(a.x1, b.x1)};
  if (r.empty()) return Rect{};
  return r;
}

struct StepSize {
  int out_h, out_w;
  int offset_y = 0, offset_x = 0;  // crops only
};

StepSize step_size(const GeometryStep& step, int h, int w, std::size_t index) {
  if (const auto* r = std::get_if<ResizeStep>(&step)) {
    std::pair<int, int> hw = r->has_scale      ? opencv_scaled_size(*r, h, w)
                             : r->shorter_side ? shorter_side_size(h, w, r->size, r->max_size)
                                               : std::make_pair(r->height, r->width);
    if (hw.first < 1 || hw.second < 1 || hw.first > kMaxImageDimension ||
        hw.second > kMaxImageDimension) {
      throw Error(ErrorCode::InvalidArgument, "",
                  "resize step " + std::to_string(index) + " maps a " + std::to_string(h) + "x" +
                      std::to_string(w) + " image to " + std::to_string(hw.first) + "x" +
                      std::to_string(hw.second) + ", outside 1..1048576 pixels per side");
    }
    return {hw.first, hw.second};
  }
  const auto& c = std::get<CenterCropStep>(step);
  // torchvision pads (left/top (c - in) // 2) before cropping when the crop is
  // larger, then takes a rounded-half-to-even centered offset of the padded image.
  auto axis_offset = [](int in, int crop) {
    if (crop > in) return -((crop - in) / 2);
    return center_crop_offset(in, crop);
  };
  return {c.height, c.width, axis_offset(h, c.height), axis_offset(w, c.width)};
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
  int h = in_h, w = in_w;
  for (std::size_t i = 0; i < contract.geometry.size(); ++i) {
    StepSize s = step_size(contract.geometry[i], h, w, i);
    h = s.out_h;
    w = s.out_w;
  }
  return {h, w};
}

Plan make_plan(const Contract& contract, int in_h, int in_w) {
  Plan plan;
  plan.in_h = in_h;
  plan.in_w = in_w;

  // Forward: sizes of every stage.
  struct Sized {
    const GeometryStep* step;
    int in_h, in_w;
    StepSize size;
  };
  std::vector<Sized> sized;
  int h = in_h, w = in_w;
  for (std::size_t i = 0; i < contract.geometry.size(); ++i) {
    StepSize s = step_size(contract.geometry[i], h, w, i);
    sized.push_back({&contract.geometry[i], h, w, s});
    h = s.out_h;
    w = s.out_w;
  }
  plan.out_h = h;
  plan.out_w = w;

  // Backward: what each stage must produce and read.
  std::vector<Stage> reversed;
  Rect need{0, 0, h, w};
  for (auto it = sized.rbegin(); it != sized.rend(); ++it) {
    const Rect in_bounds{0, 0, it->in_h, it->in_w};
    if (const auto* crop = std::get_if<CenterCropStep>(it->step)) {
      (void)crop;
      CropStage st;
      st.in_h = it->in_h;
      st.in_w = it->in_w;
      st.out_h = it->size.out_h;
      st.out_w = it->size.out_w;
      st.offset_y = it->size.offset_y;
      st.offset_x = it->size.offset_x;
      st.out_rect = need;
      st.in_rect = intersect(Rect{need.y0 + st.offset_y, need.x0 + st.offset_x,
                                  need.y1 + st.offset_y, need.x1 + st.offset_x},
                             in_bounds);
      need = st.in_rect;
      reversed.emplace_back(std::move(st));
      continue;
    }
    const auto& resize = std::get<ResizeStep>(*it->step);
    const int out_h = it->size.out_h, out_w = it->size.out_w;
    if (resize.engine == ResizeEngine::Opencv && !opencv_is_nearest(resize)) {
      const int channels = contract.input_color == InputColor::GRAY ? 1 : 3;  // the pipeline's working pixels
      OpencvResizeStage st = make_opencv_stage(resize, it->in_h, it->in_w, out_h, out_w, need, channels);
      need = st.in_rect;
      reversed.emplace_back(std::move(st));
      continue;
    }
    const bool opencv = resize.engine == ResizeEngine::Opencv;
    if (opencv || resize.filter == Filter::Nearest) {
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
    st.vertical_first = conv_vertical_first(it->in_h, it->in_w, out_h, out_w, resize.pillow_version);
    st.in_rect = need;
    if (!need.empty()) {
      if (st.need_vertical) {
        st.vertical = pillow_axis_weights(it->in_h, out_h, resize.filter, need.y0, need.y1);
        st.in_rect.y0 = st.vertical.input_begin();
        st.in_rect.y1 = st.vertical.input_end();
        st.vertical.rebase(st.in_rect.y0);
      }
      if (st.need_horizontal) {
        st.horizontal = pillow_axis_weights(it->in_w, out_w, resize.filter, need.x0, need.x1);
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
