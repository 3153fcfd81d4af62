// Size and offset rules of the geometry steps, each reproducing one library's
// arithmetic (Python's int() truncates, round() rounds half to even, // floors).
#include "plan/geometry_steps.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "geometry/size_rules.hpp"

namespace pixelpact::detail {
namespace {

constexpr long long kMaxSide = 1 << 20;

void check_size(const char* what, std::size_t index, int in_h, int in_w, long long h, long long w) {
  if (h < 1 || w < 1 || h > kMaxSide || w > kMaxSide) {
    throw Error(ErrorCode::InvalidArgument, "",
                std::string(what) + " step " + std::to_string(index) + " maps a " + std::to_string(in_h) + "x" +
                    std::to_string(in_w) + " image to " + std::to_string(h) + "x" + std::to_string(w) +
                    ", outside 1..1048576 pixels per side");
  }
}

// Python's round() of a double: half to even (the default FP rounding mode).
long long py_round(double v) { return static_cast<long long>(std::nearbyint(v)); }

// Python's a // 2 for any sign.
int floor_half(int a) { return a >= 0 ? a / 2 : -((-a + 1) / 2); }

// Offset of a center crop along one axis (negative: the crop starts in padding).
int center_offset(CenterCropRule rule, int in, int crop) {
  switch (rule) {
    case CenterCropRule::Torchvision:
      // transforms/functional.py center_crop: pad (crop - in) // 2 before, then
      // int(round((in - crop) / 2.0)) of the padded image.
      return crop > in ? -((crop - in) / 2) : center_crop_offset(in, crop);
    case CenterCropRule::HfTorchvision:
      // TorchvisionBackend.center_crop: the same padding, then int((in - crop) / 2.0).
      return crop > in ? -((crop - in) / 2) : (in - crop) / 2;
    case CenterCropRule::HfPil:
      // image_transforms.center_crop: top = (in - crop) // 2; a smaller image is
      // placed at ceil((crop - in) / 2) on a zero canvas: the same floor offset.
      return floor_half(in - crop);
    case CenterCropRule::KerasCropToAspectRatio:
    case CenterCropRule::KerasPadToAspectRatio: break;  // keras_aspect_window
  }
  return 0;
}

// Keras 3 (TensorFlow backend) image.resize with crop_to_aspect_ratio or
// pad_to_aspect_ratio, before it resizes to (target_h, target_w): along the
// height, side = int(float32(in_w * target_h) / float32(target_w)) (the width
// likewise); cropping keeps max(min(in, side), 1) from int(float32(in - kept) / 2);
// padding adds int(float32(max(in, side) - in) / 2) fill rows on both sides.
struct Window {
  int offset, size;
};
Window keras_aspect_window(bool pad, int in, int other_in, int target, int other_target) {
  const float q = static_cast<float>(static_cast<long long>(other_in) * target) / static_cast<float>(other_target);
  const int side = q >= static_cast<float>(1 << 30) ? 1 << 30 : static_cast<int>(q);
  if (pad) {
    const int margin = static_cast<int>(static_cast<float>(std::max(in, side) - in) / 2);
    return {-margin, in + 2 * margin};
  }
  const int kept = std::max(std::min(in, side), 1);
  return {static_cast<int>(static_cast<float>(in - kept) / 2), kept};
}

// tf.image.central_crop (image_ops_impl.py, static shapes): per axis
// start = int((in - in * fraction) / 2) in double, size = in - 2 * start (at least
// 1 for a fraction in (0, 1]).
struct CentralCrop {
  int start, size;
};
CentralCrop tf_central_crop(int in, double fraction) {
  const double d = static_cast<double>(in);
  const int start = static_cast<int>((d - d * fraction) / 2);
  return {start, in - 2 * start};
}

// A size rule that pads the resized image to a box (tf.image.resize_with_pad):
// zeros `top` rows above and `left` columns left of it, out to height x width.
struct PadToBox {
  bool pads = false;
  int top = 0, left = 0, height = 0, width = 0;
};
PadToBox pad_to_box(const SizeRule& rule, int in_h, int in_w) {
  if (rule.kind != SizeRule::Kind::TfResizeWithPad) return {};
  const auto offsets = tf_resize_with_pad_offsets(rule, in_h, in_w);
  return {true, offsets.first, offsets.second, rule.height, rule.width};
}

}  // namespace

ResizeStep blob_crop_resize(const LetterboxStep& l, int in_h, int in_w) {
  const float f = std::max(l.width / static_cast<float>(in_w), l.height / static_cast<float>(in_h));
  ResizeStep r = l.resize;
  r.size = SizeRule::scale(f, f);  // cv2.resize's fx, fy (a double of the float)
  return r;
}

LetterboxParams letterbox_params(const LetterboxStep& l, int in_h, int in_w) {
  if (l.rule == LetterboxRule::Blob) {
    // modules/dnn/src/dnn_utils.cpp, DNN_PMODE_LETTERBOX: the factor and the
    // resized sides in float, truncated; the padding split with integer division.
    const float f = std::min(l.width / static_cast<float>(in_w), l.height / static_cast<float>(in_h));
    LetterboxParams p;
    p.resized_h = static_cast<int>(in_h * f);
    p.resized_w = static_cast<int>(in_w * f);
    p.top = (l.height - p.resized_h) / 2;
    p.bottom = l.height - p.resized_h - p.top;
    p.left = (l.width - p.resized_w) / 2;
    p.right = l.width - p.resized_w - p.left;
    return p;
  }
  if (l.rule == LetterboxRule::BlobCrop) {
    // blobFromImage(crop=True): resize(img, Size(), f, f) with the float factor
    // f = max(w / W, h / H) (dsize rounded half to even, sampled at f), then the
    // window at (int(0.5 * (cols - w)), int(0.5 * (rows - h))): negative padding.
    const ResizeStep scaled = blob_crop_resize(l, in_h, in_w);
    const auto hw = resized_size(scaled.size, in_h, in_w);
    LetterboxParams p;
    p.resized_h = hw.first;
    p.resized_w = hw.second;
    p.top = -static_cast<int>(0.5 * (p.resized_h - l.height));
    p.left = -static_cast<int>(0.5 * (p.resized_w - l.width));
    p.bottom = l.height - p.resized_h - p.top;
    p.right = l.width - p.resized_w - p.left;
    return p;
  }
  // ultralytics/data/augment.py LetterBox: r = min(new_h / h, new_w / w),
  // capped at 1 without scaleup; new_unpad = (max(round(w * r), 1), max(round(h * r), 1));
  // dw, dh = new - unpad (then % stride with auto); centred: dw /= 2, and
  // left, right = round(dw - 0.1), round(dw + 0.1) (the same for top, bottom).
  double r = std::min(static_cast<double>(l.height) / in_h, static_cast<double>(l.width) / in_w);
  if (!l.scaleup) r = std::min(r, 1.0);
  LetterboxParams p;
  p.resized_w = static_cast<int>(std::max<long long>(py_round(in_w * r), 1));
  p.resized_h = static_cast<int>(std::max<long long>(py_round(in_h * r), 1));
  long long dw = l.width - p.resized_w, dh = l.height - p.resized_h;
  if (l.auto_stride) {
    dw = ((dw % l.stride) + l.stride) % l.stride;  // Python's % for a positive stride
    dh = ((dh % l.stride) + l.stride) % l.stride;
  }
  if (l.center) {
    const double hw = dw / 2.0, hh = dh / 2.0;
    p.left = static_cast<int>(py_round(hw - 0.1));
    p.right = static_cast<int>(py_round(hw + 0.1));
    p.top = static_cast<int>(py_round(hh - 0.1));
    p.bottom = static_cast<int>(py_round(hh + 0.1));
  } else {
    p.right = static_cast<int>(dw);
    p.bottom = static_cast<int>(dh);
  }
  return p;
}

std::array<std::uint8_t, 3> working_fill(const Contract& contract, const FillBytes& fill) {
  // Output channel c reads working channel source(c) (see compile() in plan/compiled.cpp).
  const bool gray = contract.input_color == InputColor::GRAY;
  const bool input_bgr = contract.input_color == InputColor::BGR || contract.input_color == InputColor::BGRA;
  const bool swap = input_bgr != (contract.output_color == OutputColor::BGR);
  std::array<std::uint8_t, 3> out{};
  for (int c = 0; c < 3; ++c) out[gray ? 0 : (swap ? 2 - c : c)] = fill[c];
  return out;
}

std::vector<PrimitiveStep> expand_geometry(const Contract& contract, int in_h, int in_w) {
  std::vector<PrimitiveStep> out;
  int h = in_h, w = in_w;
  auto resize = [&](const ResizeStep* step, int out_h, int out_w) {
    PrimitiveStep p;
    p.is_resize = true;
    p.resize = step;
    p.in_h = h;
    p.in_w = w;
    p.out_h = out_h;
    p.out_w = out_w;
    out.push_back(p);
    h = out_h;
    w = out_w;
  };
  auto crop = [&](int offset_y, int offset_x, int out_h, int out_w, const FillBytes& fill) {
    PrimitiveStep p;
    p.in_h = h;
    p.in_w = w;
    p.out_h = out_h;
    p.out_w = out_w;
    p.offset_y = offset_y;
    p.offset_x = offset_x;
    p.fill = fill;
    out.push_back(p);
    h = out_h;
    w = out_w;
  };
  for (std::size_t i = 0; i < contract.geometry.size(); ++i) {
    const GeometryStep& step = contract.geometry[i];
    if (const auto* r = std::get_if<ResizeStep>(&step)) {
      auto hw = resized_size(r->size, h, w);
      check_size("resize", i, h, w, hw.first, hw.second);
      const PadToBox pad = pad_to_box(r->size, h, w);
      resize(r, hw.first, hw.second);
      if (pad.pads) crop(-pad.top, -pad.left, pad.height, pad.width, FillBytes{});
    } else if (const auto* c = std::get_if<CenterCropStep>(&step); c && c->central_fraction > 0) {
      const CentralCrop y = tf_central_crop(h, c->central_fraction), x = tf_central_crop(w, c->central_fraction);
      crop(y.start, x.start, y.size, x.size, c->fill);
    } else if (const auto* c = std::get_if<CenterCropStep>(&step);
               c && (c->rule == CenterCropRule::KerasCropToAspectRatio ||
                     c->rule == CenterCropRule::KerasPadToAspectRatio)) {
      const bool pad = c->rule == CenterCropRule::KerasPadToAspectRatio;
      const Window y = keras_aspect_window(pad, h, w, c->height, c->width);
      const Window x = keras_aspect_window(pad, w, h, c->width, c->height);
      check_size("center_crop", i, h, w, static_cast<long long>(y.size), static_cast<long long>(x.size));
      crop(y.offset, x.offset, y.size, x.size, c->fill);
    } else if (const auto* c = std::get_if<CenterCropStep>(&step)) {
      int ch = c->height, cw = c->width;
      if (c->fraction_h > 0) {  // Perceiver: int((size / crop_size) * min(h, w)) per side
        const double shorter = std::min(h, w);
        const double fh = c->fraction_h * shorter, fw = c->fraction_w * shorter;
        const long long sh = fh >= 2e9 ? 2000000000LL : static_cast<long long>(fh);
        const long long sw = fw >= 2e9 ? 2000000000LL : static_cast<long long>(fw);
        check_size("center_crop", i, h, w, sh, sw);
        ch = static_cast<int>(sh);
        cw = static_cast<int>(sw);
      }
      crop(center_offset(c->rule, h, ch), center_offset(c->rule, w, cw), ch, cw, c->fill);
    } else if (const auto* c = std::get_if<CropStep>(&step)) {
      crop(c->top, c->left, c->height, c->width, c->fill);
    } else if (const auto* p = std::get_if<PadStep>(&step)) {
      int top = p->top, left = p->left, bottom = p->bottom, right = p->right;
      if (p->to_square) {  // the shorter side padded to the longer, (longer - shorter) // 2 before
        const int longer = std::max(h, w);
        top = (longer - h) / 2;
        bottom = longer - h - top;
        left = (longer - w) / 2;
        right = longer - w - left;
      }
      const long long oh = static_cast<long long>(h) + top + bottom;
      const long long ow = static_cast<long long>(w) + left + right;
      check_size("pad", i, h, w, oh, ow);
      crop(-top, -left, static_cast<int>(oh), static_cast<int>(ow), p->fill);
    } else {
      const auto& l = std::get<LetterboxStep>(step);
      const LetterboxParams lp = letterbox_params(l, h, w);
      check_size("letterbox", i, h, w, lp.resized_h, lp.resized_w);
      // Ultralytics skips cv2.resize when the size is unchanged; so does a plan.
      if (lp.resized_h != h || lp.resized_w != w) {
        if (l.rule == LetterboxRule::BlobCrop) {
          // The sampling scale is the factor itself, so this size's resize has its own step.
          auto scaled = std::make_shared<const ResizeStep>(blob_crop_resize(l, h, w));
          resize(scaled.get(), lp.resized_h, lp.resized_w);
          out.back().owned_resize = std::move(scaled);
        } else {
          resize(&l.resize, lp.resized_h, lp.resized_w);
        }
      }
      const long long oh = static_cast<long long>(h) + lp.top + lp.bottom;
      const long long ow = static_cast<long long>(w) + lp.left + lp.right;
      check_size("letterbox", i, h, w, oh, ow);
      crop(-lp.top, -lp.left, static_cast<int>(oh), static_cast<int>(ow), l.fill);
    }
  }
  return out;
}

std::vector<PrimitiveStep> expand_float_geometry(const Contract& contract, int h, int w) {
  std::vector<PrimitiveStep> out;
  if (!contract.has_float_resize) return out;
  const std::size_t index = contract.geometry.size();
  auto hw = resized_size(contract.float_resize.size, h, w);
  check_size("resize", index, h, w, hw.first, hw.second);
  const PadToBox pad = pad_to_box(contract.float_resize.size, h, w);
  PrimitiveStep r;
  r.is_resize = true;
  r.resize = &contract.float_resize;
  r.in_h = h;
  r.in_w = w;
  r.out_h = h = hw.first;
  r.out_w = w = hw.second;
  out.push_back(r);
  if (pad.pads) {  // zeros around the resized float planes (0.0 before the steps after the resize)
    PrimitiveStep p;
    p.in_h = h;
    p.in_w = w;
    p.out_h = h = pad.height;
    p.out_w = w = pad.width;
    p.offset_y = -pad.top;
    p.offset_x = -pad.left;
    out.push_back(p);
  }
  for (const CenterCropStep& c : contract.float_crops) {
    PrimitiveStep p;
    p.in_h = h;
    p.in_w = w;
    if (c.central_fraction > 0) {
      const CentralCrop y = tf_central_crop(h, c.central_fraction), x = tf_central_crop(w, c.central_fraction);
      p.out_h = y.size;
      p.out_w = x.size;
      p.offset_y = y.start;
      p.offset_x = x.start;
    } else {
      if (c.height > h || c.width > w) {
        throw Error(ErrorCode::InvalidArgument, "",
                    "center_crop " + std::to_string(c.height) + "x" + std::to_string(c.width) +
                        " after a float resize is larger than the " + std::to_string(h) + "x" +
                        std::to_string(w) + " image; padding float planes is not supported");
      }
      p.out_h = c.height;
      p.out_w = c.width;
      p.offset_y = center_offset(c.rule, h, c.height);
      p.offset_x = center_offset(c.rule, w, c.width);
    }
    h = p.out_h;
    w = p.out_w;
    out.push_back(p);
  }
  return out;
}

Geometry geometry_of(const Contract& contract, int in_h, int in_w) {
  std::vector<PrimitiveStep> steps = expand_geometry(contract, in_h, in_w);
  {
    const int h = steps.empty() ? in_h : steps.back().out_h;
    const int w = steps.empty() ? in_w : steps.back().out_w;
    for (const PrimitiveStep& p : expand_float_geometry(contract, h, w)) steps.push_back(p);
  }
  Geometry g;
  g.input_height = in_h;
  g.input_width = in_w;
  g.output_height = steps.empty() ? in_h : steps.back().out_h;
  g.output_width = steps.empty() ? in_w : steps.back().out_w;
  // Backwards from the output: a crop adds its offset, a resize scales by in / out
  // (Pillow samples output x at input (x + 0.5) * in / out, as do torch and OpenCV).
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (it->is_resize) {
      const double ry = static_cast<double>(it->in_h) / it->out_h;
      const double rx = static_cast<double>(it->in_w) / it->out_w;
      g.scale_y *= ry;
      g.offset_y *= ry;
      g.scale_x *= rx;
      g.offset_x *= rx;
    } else {
      g.offset_y += it->offset_y;
      g.offset_x += it->offset_x;
    }
  }
  // The image rectangle, forwards: clipped to the output by every crop.
  double y0 = 0, x0 = 0, y1 = in_h, x1 = in_w;
  for (const PrimitiveStep& p : steps) {
    if (p.is_resize) {
      const double sy = static_cast<double>(p.out_h) / p.in_h, sx = static_cast<double>(p.out_w) / p.in_w;
      y0 *= sy, y1 *= sy, x0 *= sx, x1 *= sx;
    } else {
      y0 = std::min<double>(std::max<double>(y0 - p.offset_y, 0), p.out_h);
      y1 = std::min<double>(std::max<double>(y1 - p.offset_y, 0), p.out_h);
      x0 = std::min<double>(std::max<double>(x0 - p.offset_x, 0), p.out_w);
      x1 = std::min<double>(std::max<double>(x1 - p.offset_x, 0), p.out_w);
    }
  }
  g.content_y0 = y0;
  g.content_x0 = x0;
  g.content_y1 = y1;
  g.content_x1 = x1;
  return g;
}

}  // namespace pixelpact::detail
