// A plan: everything a contract needs to run on one input size, precomputed in
// scalar code (output sizes, crop offsets, fixed-point weights, which pixels
// each stage must produce). Kernels only consume plans.
//
// Geometry stages are planned backwards from the output: a stage computes only
// the rectangle of its output that later stages read, from only the input
// rectangle that rectangle needs. A center crop therefore costs nothing, and a
// resize followed by a crop computes only the surviving pixels.
#pragma once

#include <array>
#include <cstdint>
#include <variant>
#include <vector>

#include "contract/contract.hpp"
#include "engines/pillow/coefficients.hpp"
#include "engines/torch/coefficients.hpp"

namespace pixelpact::detail {

struct Rect {
  int y0 = 0, x0 = 0, y1 = 0, x1 = 0;
  int rows() const { return y1 > y0 ? y1 - y0 : 0; }
  int cols() const { return x1 > x0 ? x1 - x0 : 0; }
  bool empty() const { return rows() == 0 || cols() == 0; }
  bool contains(const Rect& r) const {
    return r.empty() || (r.y0 >= y0 && r.y1 <= y1 && r.x0 >= x0 && r.x1 <= x1);
  }
};

// Pillow convolution resample of one stage.
struct ResizeStage {
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  bool need_horizontal = false, need_vertical = false, vertical_first = false;
  ConvWeights horizontal, vertical;  // rebased to the tiles they read
  Rect in_rect, out_rect;
};

struct NearestStage {
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  std::vector<std::int32_t> src_y, src_x;  // rebased to in_rect, -1 = black
  Rect in_rect, out_rect;
};

// OpenCV cv2.resize (engine "opencv"), except the nearest flavours (NearestStage);
// built by opencv_resize.cpp.
enum class OpencvKind {
  Copy,       // output size == input size: cv::resize copies, no filtering
  Separable,  // LINEAR, LINEAR_EXACT, CUBIC, LANCZOS4, AREA upscale: int32 rows, then a vertical rule
  AreaFast,   // AREA (or LINEAR/LINEAR_EXACT at exactly 1/2) with integer factors: resizeAreaFast_
  Area,       // AREA, non-integer downscale on both axes: ResizeArea_Invoker, float
};
enum class OpencvVertical {
  Linear,  // VResizeLinear<uchar>: (((b0*(h0>>4))>>16) + ((b1*(h1>>4))>>16) + 2) >> 2
  Fixed,   // sat_u8((sum h*b + 2^(shift-1)) >> shift)
  Cubic,   // VResizeCubic<uchar>: float for the first (out_w * channels / 8) * 8 values of a row, else Fixed
};
struct OpencvResizeStage {
  OpencvKind kind = OpencvKind::Copy;
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  // Separable: per output column / row, `ksize` taps of (clamped input index
  // relative to in_rect, integer weight).
  int ksize = 0;
  std::vector<std::int32_t> x_index, x_weight, y_index, y_weight;
  OpencvVertical vertical = OpencvVertical::Linear;
  int vertical_shift = 0;  // Fixed only
  // 2-tap horizontal passes: the per-element tables of kernels::OpencvTaps.
  std::vector<std::int32_t> x_element_offset, x_element_weights;
  int x_simd_elements = 0;
  // Area / AreaFast: per output column / row, the first input (relative to
  // in_rect) and how many it reads; Area adds float weights (x_ksize per output).
  int x_ksize = 0, y_ksize = 0;
  std::vector<std::int32_t> x_first, x_count, y_first, y_count;
  std::vector<float> x_alpha, y_alpha;
  int block_x = 0, block_y = 0;  // AreaFast: the integer factors
  Rect in_rect, out_rect;
};

// out(y, x) = in(y + offset_y, x + offset_x); `fill` outside the input.
struct CropStage {
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int offset_y = 0, offset_x = 0;
  std::array<std::uint8_t, 3> fill{};  // working channel order
  bool pads = false;                   // out_rect reaches outside the input
  Rect in_rect, out_rect;
};

using Stage = std::variant<ResizeStage, NearestStage, CropStage, OpencvResizeStage>;

// The float part of a contract with a resize after to_float: the uint8 stages'
// whole output becomes float32 planes (elementwise steps before the resize),
// torch's float resize runs on each plane, and the center crops after it pick
// the window [crop_y, crop_y + out_h) x [crop_x, crop_x + out_w).
struct FloatResizePlan {
  kernels::TorchFloatKind kind = kernels::TorchFloatKind::LinearGeneric;
  int in_h = 0, in_w = 0;          // the uint8 geometry's output
  int resized_h = 0, resized_w = 0;
  TorchFloatAxisPlan y, x;
  int crop_y = 0, crop_x = 0;
  kernels::TorchFloatResize kernel_args() const {
    kernels::TorchFloatResize r;
    r.kind = kind;
    r.in_h = in_h;
    r.in_w = in_w;
    r.out_h = resized_h;
    r.out_w = resized_w;
    r.y = y.view();
    r.x = x.view();
    return r;
  }
};

struct Plan {
  int in_h = 0, in_w = 0;
  int out_h = 0, out_w = 0;  // of the uint8 stages
  Rect input_rect;          // part of the input image read at all
  std::vector<Stage> stages;
  bool has_float_resize = false;
  FloatResizePlan float_resize;  // has_float_resize; the tensor is then its crop size
  int tensor_h = 0, tensor_w = 0;  // the output tensor's height and width
};

// Output (height, width) of the geometry for an input size; throws
// Error(InvalidArgument) if a step would produce an empty or oversized image.
std::pair<int, int> output_size(const Contract& contract, int in_h, int in_w);

Plan make_plan(const Contract& contract, int in_h, int in_w);

// torchvision's size rule for resize(size: int, max_size) -> (height, width).
std::pair<int, int> shorter_side_size(int in_h, int in_w, int size, int max_size);
// torchvision's center_crop offset: Python round((in - crop) / 2), half to even.
int center_crop_offset(int in_size, int crop_size);

}  // namespace pixelpact::detail
