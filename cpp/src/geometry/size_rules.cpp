#include "geometry/size_rules.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pixelpact::detail {
namespace {

// Python's round() of a double: half to even (the default FP rounding mode).
long long py_round(double v) { return static_cast<long long>(std::nearbyint(v)); }

// cvRound(double) / saturate_cast<int>(double): round half to even, saturated.
int round_int(double v) {
  const double r = std::nearbyint(v);
  if (r >= 2147483647.0) return std::numeric_limits<int>::max();
  if (r <= -2147483648.0) return std::numeric_limits<int>::min();
  return static_cast<int>(r);
}

// image_ops_impl.py _resize_image_with_pad_common, in float32: ratio = max(w / W,
// h / H); resized side floor(side / ratio); padding max(0, floor((T - side / ratio) / 2)).
float tf_pad_ratio(const SizeRule& r, int in_h, int in_w) {
  return std::max(static_cast<float>(in_w) / static_cast<float>(r.width),
                  static_cast<float>(in_h) / static_cast<float>(r.height));
}
int tf_pad_side(int in, float ratio) {
  return static_cast<int>(std::min(std::floor(static_cast<float>(in) / ratio), static_cast<float>(1 << 30)));
}
int tf_pad_before(int target, int in, float ratio) {
  const float pad = std::floor((static_cast<float>(target) - static_cast<float>(in) / ratio) / 2);
  return std::max(0, static_cast<int>(pad));
}

}  // namespace

std::pair<int, int> tf_resize_with_pad_offsets(const SizeRule& r, int in_h, int in_w) {
  const float ratio = tf_pad_ratio(r, in_h, in_w);
  return {tf_pad_before(r.height, in_h, ratio), tf_pad_before(r.width, in_w, ratio)};
}

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

std::pair<int, int> scaled_size(int in_h, int in_w, double fy, double fx) {
  // cv::resize: dsize = Size(saturate_cast<int>(ssize.width * inv_scale_x), ...)
  return {round_int(in_h * fy), round_int(in_w * fx)};
}

int center_crop_offset(int in_size, int crop_size) {
  const int diff = in_size - crop_size;  // >= 0
  int half = diff / 2;
  if (diff % 2 == 1 && half % 2 == 1) ++half;  // x.5 rounds to the even neighbour
  return half;
}

std::pair<int, int> resized_size(const SizeRule& r, int in_h, int in_w) {
  switch (r.kind) {
    case SizeRule::Kind::Exact:
      return {r.height, r.width};
    case SizeRule::Kind::Shorter:
      return shorter_side_size(in_h, in_w, r.size, r.max_size);
    case SizeRule::Kind::Scale:
      return scaled_size(in_h, in_w, r.scale_y, r.scale_x);
    case SizeRule::Kind::Longer: {
      // torchvision v2 _compute_resized_output_size(size=None, max_size):
      // new_short = int(max_size * short / long), new_long = max_size.
      const bool tall = in_w <= in_h;
      const long long shorter = tall ? in_w : in_h, longer = tall ? in_h : in_w;
      const long long new_short = static_cast<long long>(static_cast<double>(r.size * shorter) /
                                                         static_cast<double>(longer));
      const int s = static_cast<int>(std::min<long long>(new_short, 1LL << 30));
      return tall ? std::make_pair(r.size, s) : std::make_pair(s, r.size);
    }
    case SizeRule::Kind::TfPreserveAspectRatio: {
      // image_ops_impl.py _resize_images_common(preserve_aspect_ratio=True), in
      // float32: scale = min(height / in_h, width / in_w), each side
      // round_half_even(scale * in) (tf.round), cast to int32.
      const float scale = std::min(static_cast<float>(r.height) / static_cast<float>(in_h),
                                   static_cast<float>(r.width) / static_cast<float>(in_w));
      auto side = [&](int dim) {
        const float v = std::nearbyint(scale * static_cast<float>(dim));
        return static_cast<int>(std::min(v, static_cast<float>(1 << 30)));
      };
      return {side(in_h), side(in_w)};
    }
    case SizeRule::Kind::TfResizeWithPad: {
      const float ratio = tf_pad_ratio(r, in_h, in_w);
      return {tf_pad_side(in_h, ratio), tf_pad_side(in_w, ratio)};
    }
    case SizeRule::Kind::NotSmaller:
    case SizeRule::Kind::NotLarger: {
      // timm ResizeKeepRatio.get_params: ratio = max(rh, rw) * longest +
      // min(rh, rw) * (1 - longest); size = round(dim / ratio).
      const double ratio_h = static_cast<double>(in_h) / r.height;
      const double ratio_w = static_cast<double>(in_w) / r.width;
      const double ratio = r.kind == SizeRule::Kind::NotLarger ? std::max(ratio_h, ratio_w)
                                                               : std::min(ratio_h, ratio_w);
      auto side = [&](int dim) {
        return static_cast<int>(std::min<long long>(py_round(dim / ratio), 1LL << 30));
      };
      return {side(in_h), side(in_w)};
    }
  }
  return {r.height, r.width};
}

}  // namespace pixelpact::detail
