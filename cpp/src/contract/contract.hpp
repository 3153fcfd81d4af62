// The contract as data: what parse_contract() returns once the JSON text has been
// validated. Nothing here depends on an input size; see plan/plan.hpp for that.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "contract/resize_step.hpp"
#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {

enum class InputColor { RGB, BGR, RGBA, BGRA, GRAY };
enum class OutputColor { RGB, BGR };

// What an RGBA/BGRA input does with its alpha channel ("input": {"alpha"}).
enum class AlphaPolicy {
  Drop,         // Pillow convert("RGB") before every step (the default)
  Premultiply,  // the image stays RGBA through engines that premultiply (Pillow: each
                // non-NEAREST resize runs RGBA -> RGBa -> resize -> RGBA); alpha is dropped at the end
  Composite,    // Image.alpha_composite onto an opaque background, then convert("RGB")
                // (Hugging Face convert_to_rgb), before every step
};

// How an encoded image's stored pixel grid is turned before any step
// ("input": {"decode": {"orientation"}}); only run_encoded reads it.
enum class Orientation {
  Ignore,  // the stored grid, as Image.open gives it (the default)
  Exif,    // upright per the EXIF Orientation tag, as PIL.ImageOps.exif_transpose
};

// Whose decoder an encoded image's pixels follow ("input": {"decode": {"decoder"}}).
enum class Decoder {
  Pillow,      // Image.open + convert() (the default)
  TensorFlow,  // tf.io.decode_image / decode_jpeg with their defaults (fast integer IDCT)
};

// A padding colour: one byte per output channel (output channel order).
using FillBytes = std::array<std::uint8_t, 3>;

// Whose offset and padding rule a center crop follows (plan/geometry_steps.cpp).
enum class CenterCropRule { Torchvision, HfPil, HfTorchvision, KerasCropToAspectRatio, KerasPadToAspectRatio };

struct CenterCropStep {
  int height = 0;
  int width = 0;
  // "fraction_of_shorter" (Hugging Face Perceiver): when > 0, the crop is
  // int(fraction * min(in_h, in_w)) per side instead of height x width.
  double fraction_h = 0, fraction_w = 0;
  CenterCropRule rule = CenterCropRule::Torchvision;
  FillBytes fill{};
  // tf.image.central_crop(image, central_fraction) when > 0: the size depends on
  // the input (plan/geometry_steps.cpp), height/width/rule/fill are unused.
  double central_fraction = 0;
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
  // "pad_to_square" (Hugging Face Janus / DeepSeek-VL pad_to_square): the amounts
  // depend on the image: the shorter side gets (longer - shorter) // 2 before.
  bool to_square = false;
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
  ResizeStep resize;  // the resampling (its size rule is unused: the letterbox rule sizes it)
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
  Orientation orientation = Orientation::Ignore;           // input.decode.orientation
  Decoder decoder = Decoder::Pillow;                       // input.decode.decoder
  std::vector<GeometryStep> geometry;  // in contract order, all on uint8 pixels
  // Float arithmetic: absent (no to_float) means the pixels stay uint8 until the
  // output writer converts them.
  bool has_float = false;
  DType float_dtype = DType::Float32;
  std::vector<ArithStep> arithmetic;   // in contract order, in float_dtype
  // A resize after to_float (torchvision v1 on a float tensor): one resize by an
  // engine that resizes float32 planes, then torchvision center crops that must
  // not pad. arithmetic[0, n) runs before the resize (per byte), the rest after
  // it (per element).
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
