// The contract as data: what parse_contract() returns once the JSON text has been
// validated. Nothing here depends on an input size; see plan.hpp for that.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {

enum class InputColor { RGB, BGR, RGBA, BGRA, GRAY };
enum class OutputColor { RGB, BGR };

// What an RGBA/BGRA input does with its alpha channel ("input": {"alpha"}).
enum class AlphaPolicy {
  Drop,         // Pillow convert("RGB") before every step (the default)
  Premultiply,  // the image stays RGBA: each Pillow-engine non-NEAREST resize runs
                // premultiplied (RGBA -> RGBa -> resize -> RGBA); alpha is dropped at the end
  Composite,    // Image.alpha_composite onto an opaque background, then convert("RGB")
                // (Hugging Face convert_to_rgb), before every step
};

// Pillow's six resampling filters, plus torch's 'nearest-exact'.
enum class Filter { Nearest, Box, Bilinear, Hamming, Bicubic, Lanczos, NearestExact };

// Whose resize arithmetic a resize step reproduces.
enum class ResizeEngine {
  Pillow,  // Pillow's Image.resize (what torchvision does to a PIL image)
  Torch,   // torch's uint8 kernels (what torchvision v2 does to a uint8 tensor)
  Opencv,  // cv2.resize (OpenCV's own code path, IPP off)
};

// Pillow release lines whose resize pixels differ (only in the order of the two
// passes, which matters because the intermediate image is uint8).
enum class PillowVersion {
  V12_1,  // 12.1 and older: always horizontal first
  V12_2,  // 12.2 and 12.3: vertical first when the image is over 100x taller than wide
  V13,    // 13.x: vertical first when the height shrinks by more than twice the width
};

enum class KeepRatio { None, Longer, NotSmaller, NotLarger };

// A padding colour: one byte per output channel (output channel order).
using FillBytes = std::array<std::uint8_t, 3>;

// cv2.resize interpolation flags (engine "opencv").
enum class OpencvInterpolation {
  Nearest,       // INTER_NEAREST
  NearestExact,  // INTER_NEAREST_EXACT (4.x and 5.x differ)
  Linear,        // INTER_LINEAR
  LinearExact,   // INTER_LINEAR_EXACT
  Cubic,         // INTER_CUBIC (OpenCV's own code, IPP off)
  Area,          // INTER_AREA
  Lanczos4,      // INTER_LANCZOS4
};

struct ResizeStep {
  // Either a shorter-side rule (torchvision's int size, with optional max_size)
  // or an exact (height, width).
  bool shorter_side = false;
  int size = 0;       // shorter_side: target length of the shorter side
  int max_size = 0;   // shorter_side: cap on the longer side, 0 = none
  // Keep-ratio rules beyond torchvision's shorter side (geometry_steps.cpp):
  // Longer: `size` is the longer side (torchvision v2 Resize(None, max_size));
  // NotSmaller / NotLarger: (height, width) is a box the image covers / fits in
  // (timm ResizeKeepRatio, longest = 0 / 1).
  KeepRatio keep_ratio = KeepRatio::None;
  int height = 0;     // !shorter_side
  int width = 0;      // !shorter_side
  Filter filter = Filter::Bilinear;
  PillowVersion pillow_version = PillowVersion::V13;
  ResizeEngine engine = ResizeEngine::Pillow;
  bool antialias = true;  // torch engine only; nearest modes ignore it, as torchvision does
  bool area = false;      // torch engine after to_float: F.interpolate(mode='area')
  // engine == Opencv only:
  OpencvInterpolation opencv_interpolation = OpencvInterpolation::Linear;
  int opencv_major = 5;     // "version": "4" or "5"
  bool has_scale = false;   // "scale" instead of "size": cv2.resize(img, None, fx, fy)
  double scale_y = 0.0;     // fy
  double scale_x = 0.0;     // fx
};

// Whose offset and padding rule a center crop follows (geometry_steps.cpp).
enum class CenterCropRule { Torchvision, HfPil, HfTorchvision };

struct CenterCropStep {
  int height = 0;
  int width = 0;
  CenterCropRule rule = CenterCropRule::Torchvision;
  FillBytes fill{};
};

// out(y, x) = in(y + top, x + left), `fill` outside the input (torchvision F.crop).
struct CropStep {
  int top = 0, left = 0, height = 0, width = 0;
  FillBytes fill{};
};

// torchvision Pad with padding_mode="constant".
struct PadStep {
  int left = 0, top = 0, right = 0, bottom = 0;
  FillBytes fill{};
};

// Ultralytics LetterBox: keep-ratio resize into (height, width), then pad.
// Whose letterbox arithmetic: Ultralytics' LetterBox, OpenCV's
// blobFromImageWithParams letterbox mode, or blobFromImage's crop=True (scale to
// cover at the float factor, then a centred crop).
enum class LetterboxRule { Ultralytics, Blob, BlobCrop };

struct LetterboxStep {
  LetterboxRule rule = LetterboxRule::Ultralytics;
  int height = 0, width = 0;
  bool auto_stride = false;  // pad only up to a multiple of `stride`
  int stride = 32;
  bool scaleup = true;
  bool center = true;
  FillBytes fill{114, 114, 114};
  ResizeStep resize;  // the resampling (its size fields are unused)
};

// Cast: the value is rounded to `dtype` and later steps compute in it.
enum class ArithOp { Add, Sub, Mul, Div, Cast };

// One elementwise operation with a value per output channel (a scalar is
// broadcast at parse time). `normalize` is parsed into Sub(mean) then Div(std),
// which is exactly what torchvision executes.
struct ArithStep {
  ArithOp op = ArithOp::Add;
  std::array<double, 3> value{};
  // The dtype this step computes in: the to_float dtype, or that of the last
  // `cast` before it.
  DType dtype = DType::Float32;
};

using GeometryStep = std::variant<ResizeStep, CenterCropStep, CropStep, PadStep, LetterboxStep>;

struct Contract {
  std::string name;
  InputColor input_color = InputColor::RGB;
  AlphaPolicy alpha = AlphaPolicy::Drop;
  std::array<std::uint8_t, 3> background{255, 255, 255};  // Composite: R, G, B
  std::vector<GeometryStep> geometry;  // in contract order, all on uint8 pixels
  // Float arithmetic: absent (no to_float) means the pixels stay uint8 until the
  // output writer converts them.
  bool has_float = false;
  DType float_dtype = DType::Float32;
  std::vector<ArithStep> arithmetic;   // in contract order, in float_dtype
  // torchvision v1 on a float tensor: one torch resize after to_float, on float32
  // planes, then torchvision center crops that must not pad. arithmetic[0, n)
  // runs before the resize (per byte), the rest after it (per element).
  bool has_float_resize = false;
  ResizeStep float_resize;
  std::vector<CenterCropStep> float_crops;
  std::size_t arithmetic_before_resize = 0;
  Layout layout = Layout::NCHW;
  DType output_dtype = DType::Float32;
  OutputColor output_color = OutputColor::RGB;
};

// Throws Error(InvalidContract, json_pointer, message).
Contract parse_contract(std::string_view json_text);

int input_channel_count(InputColor color) noexcept;
std::string_view input_color_name(InputColor color) noexcept;

}  // namespace pixelpact::detail
