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

int clamp_side(long long v) { return static_cast<int>(std::min<long long>(v, 1LL << 30)); }

// Python's int() of a positive double, kept within the side limit.
int trunc_side(double v) { return v >= 1073741824.0 ? 1 << 30 : static_cast<int>(v); }

// transformers get_size_with_aspect_ratio and its YOLOS variant (without mod_size):
// with a longest edge, the shortest edge becomes int(round(raw)) of
// raw = longest * min / max when (max / min) * shortest would exceed it, and the
// other side is int(raw * side / other); then the side that is `size` already
// keeps the image as it is. YOLOS tests width < height before that check.
std::pair<int, int> hf_aspect_ratio_size(int in_h, int in_w, int shortest, int longest, bool yolos) {
  const double h = in_h, w = in_w;
  double size = shortest;
  double raw = 0;
  bool has_raw = false;
  if (longest > 0) {
    const double min_o = std::min(h, w), max_o = std::max(h, w);
    if (max_o / min_o * size > longest) {
      raw = static_cast<double>(longest) * min_o / max_o;
      has_raw = true;
      size = static_cast<double>(py_round(raw));
    }
  }
  const double numerator = has_raw ? raw : size;
  const bool unchanged = (in_h <= in_w && h == size) || (in_w <= in_h && w == size);
  if (!yolos && unchanged) return {in_h, in_w};
  if (in_w < in_h) return {trunc_side(numerator * h / w), trunc_side(size)};
  if (yolos && unchanged) return {in_h, in_w};
  return {trunc_side(size), trunc_side(numerator * w / h)};
}

// ViLT / BridgeTower get_resize_output_image_size (without size_divisor): the
// shorter side becomes `shorter`, the other scale * side; if the longer exceeds
// `longer` both are scaled by longer / max; each int(side + 0.5).
std::pair<int, int> hf_vilt_size(int in_h, int in_w, int shorter, int longer) {
  const double scale = static_cast<double>(shorter) / std::min(in_h, in_w);
  double new_h, new_w;
  if (in_h < in_w) {
    new_h = shorter;
    new_w = scale * in_w;
  } else {
    new_h = scale * in_h;
    new_w = shorter;
  }
  if (longer > 0 && std::max(new_h, new_w) > longer) {
    const double s = static_cast<double>(longer) / std::max(new_h, new_w);
    new_h = s * new_h;
    new_w = s * new_w;
  }
  return {trunc_side(new_h + 0.5), trunc_side(new_w + 0.5)};
}

// image_utils.get_image_size_for_max_height_width: scale = min(H / h, W / w),
// each side int(side * scale).
std::pair<int, int> fit_truncated_size(int in_h, int in_w, int box_h, int box_w) {
  const double scale = std::min(static_cast<double>(box_h) / in_h, static_cast<double>(box_w) / in_w);
  return {trunc_side(in_h * scale), trunc_side(in_w * scale)};
}

// Janus / DeepSeek-VL resize: delta = size / max(h, w); each side
// max(round(side * delta), min_side) with Python's round (half to even).
std::pair<int, int> hf_longest_size(int in_h, int in_w, int size, int min_side) {
  const double delta = static_cast<double>(size) / std::max(in_h, in_w);
  auto side = [&](int s) {
    const double v = s * delta;
    const long long r = v >= 1073741824.0 ? 1LL << 30 : py_round(v);
    return clamp_side(std::max<long long>(r, min_side));
  };
  return {side(in_h), side(in_w)};
}

int to_multiple(int side, int m, SizeRule::Rounding rounding) {
  const long long s = side;
  if (rounding == SizeRule::Rounding::Floor) return clamp_side(s / m * m);
  if (rounding == SizeRule::Rounding::Round) return clamp_side(py_round(static_cast<double>(s) / m) * m);
  return clamp_side((s + m - 1) / m * m);
}

// DPT's get_resize_output_image_size: scale = out / in per side (with
// keep_aspect_ratio the one nearer to 1, the width's only if strictly nearer),
// then constrain_to_multiple_of(scale * in) = round(value / m) * m. The value is
// a double, so (out / in) * in may miss out by an ulp: that decides halves.
std::pair<int, int> hf_dpt_size(int in_h, int in_w, int out_h, int out_w, bool keep, int m) {
  double scale_h = static_cast<double>(out_h) / in_h;
  double scale_w = static_cast<double>(out_w) / in_w;
  if (keep) {
    if (std::fabs(1 - scale_w) < std::fabs(1 - scale_h)) {
      scale_h = scale_w;
    } else {
      scale_w = scale_h;
    }
  }
  auto side = [m](double value) {
    const double q = value / m;
    if (q >= 1073741824.0) return 1 << 30;
    return clamp_side(py_round(q) * m);
  };
  return {side(scale_h * in_h), side(scale_w * in_w)};
}

std::pair<int, int> rule_size(const SizeRule& r, int in_h, int in_w);

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
  if (r.kind == SizeRule::Kind::HfDpt || r.kind == SizeRule::Kind::HfDptKeep) {
    return hf_dpt_size(in_h, in_w, r.height, r.width, r.kind == SizeRule::Kind::HfDptKeep,
                       r.multiple > 0 ? r.multiple : 1);
  }
  auto hw = rule_size(r, in_h, in_w);
  if (r.multiple > 0) {
    hw = {to_multiple(hw.first, r.multiple, r.rounding), to_multiple(hw.second, r.multiple, r.rounding)};
  }
  return hw;
}

namespace {

std::pair<int, int> rule_size(const SizeRule& r, int in_h, int in_w) {
  switch (r.kind) {
    case SizeRule::Kind::Input:
      return {in_h, in_w};
    case SizeRule::Kind::HfShortestLongest:
    case SizeRule::Kind::HfYolos:
      return hf_aspect_ratio_size(in_h, in_w, r.size, r.max_size, r.kind == SizeRule::Kind::HfYolos);
    case SizeRule::Kind::HfVilt:
      return hf_vilt_size(in_h, in_w, r.size, r.max_size);
    case SizeRule::Kind::HfLongest:
      return hf_longest_size(in_h, in_w, r.size, r.min_side);
    case SizeRule::Kind::NotLargerTruncated:
      return fit_truncated_size(in_h, in_w, r.height, r.width);
    case SizeRule::Kind::HfDpt:
    case SizeRule::Kind::HfDptKeep:
      break;  // resized_size: they round their own real-valued sides
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

}  // namespace

}  // namespace pixelpact::detail
