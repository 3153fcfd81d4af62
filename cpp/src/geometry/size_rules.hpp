// The size rules of resize steps, shared by every engine: how big the output of
// a resize is for an input size. Each reproduces one library's arithmetic
// (Python's int() truncates, round() rounds half to even, OpenCV's
// saturate_cast<int> rounds half to even). Which engines accept a rule is the
// contract's business; the rules themselves name no engine.
#pragma once

#include <utility>

namespace pixelpact::detail {

struct SizeRule {
  enum class Kind {
    Exact,       // (height, width)
    Shorter,     // torchvision Resize(int, max_size): `size` is the shorter side
    Longer,      // torchvision v2 Resize(None, max_size=size): `size` is the longer side
    NotSmaller,  // timm ResizeKeepRatio(longest=0): cover the (height, width) box
    NotLarger,   // timm ResizeKeepRatio(longest=1): fit in the (height, width) box
    Scale,       // cv2.resize(img, None, fx, fy): factors, not a size ("scale")
    // Hugging Face transformers 5 (size = shortest_edge, max_size = longest_edge or 0):
    HfShortestLongest,  // image_transforms.get_size_with_aspect_ratio
    HfYolos,            // yolos get_size_with_aspect_ratio_yolos (without its mod_size)
    HfVilt,             // vilt / bridgetower get_resize_output_image_size (without size_divisor)
    NotLargerTruncated,  // image_utils.get_image_size_for_max_height_width: fit in the box, truncated
    Input,              // the input size itself (only with a multiple, e.g. GLPN)
    HfDpt,              // dpt get_resize_output_image_size, keep_aspect_ratio=False: (height / in) * in
    HfDptKeep,          // the same with keep_aspect_ratio=True: the scale nearer to 1 for both sides
    HfLongest,          // janus / deepseek_vl resize: max(round(side * (size / longer)), min_side)
    TfPreserveAspectRatio,  // tf.image.resize(preserve_aspect_ratio=True): fit in (height, width), float32
    TfResizeWithPad,        // tf.image.resize_with_pad: fit in (height, width), then zero padding to it
  };
  // HfDpt, HfDptKeep round their real-valued sides themselves (Round, multiple 1 if none).
  enum class Rounding { Floor, Ceil, Round };
  Kind kind = Kind::Exact;
  int size = 0;      // Shorter, Longer
  int max_size = 0;  // Shorter: cap on the longer side, 0 = none
  int min_side = 0;  // HfLongest: the least side (transformers' min_size), 0 = none
  int height = 0, width = 0;      // Exact, NotSmaller, NotLarger, Tf*
  double scale_y = 0, scale_x = 0;  // Scale: fy, fx (also the sampling scale of the resize)
  // After the rule, each side rounded to a multiple of `multiple` (0 = none):
  // Floor: side // m * m; Ceil: ceil(side / m) * m; Round: round(side / m) * m
  // (Python's round, half to even).
  int multiple = 0;
  Rounding rounding = Rounding::Floor;

  static SizeRule exact(int height, int width) {
    SizeRule r;
    r.height = height;
    r.width = width;
    return r;
  }
  static SizeRule scale(double fy, double fx) {
    SizeRule r;
    r.kind = Kind::Scale;
    r.scale_y = fy;
    r.scale_x = fx;
    return r;
  }
};

// (height, width) of the output for an input size, the multiple applied. Not
// checked: a rule may give 0 or an enormous side; the caller refuses those
// (plan/geometry_steps.cpp).
std::pair<int, int> resized_size(const SizeRule& rule, int in_h, int in_w);

// TfResizeWithPad: the zero rows above and columns left of the resized image
// (the padding then reaches rule.height x rule.width).
std::pair<int, int> tf_resize_with_pad_offsets(const SizeRule& rule, int in_h, int in_w);

// torchvision's size rule for resize(size: int, max_size) -> (height, width).
std::pair<int, int> shorter_side_size(int in_h, int in_w, int size, int max_size);
// cv::resize's dsize for fx/fy: (saturate_cast<int>(in_h * fy), saturate_cast<int>(in_w * fx)),
// i.e. rounded half to even (may be 0).
std::pair<int, int> scaled_size(int in_h, int in_w, double fy, double fx);
// torchvision's center_crop offset: Python round((in - crop) / 2), half to even.
int center_crop_offset(int in_size, int crop_size);

}  // namespace pixelpact::detail
