// Contract parsing and validation. This is the one interpreter of a contract:
// it mirrors schema/pixelpact.schema.json rule for rule (tests/contract/test_contract_validation.py
// checks that both reject the same documents at the same JSON Pointer) and adds
// the checks a schema cannot express (step order, max_size > size).
#include "contract/contract.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "contract/resize_step.hpp"
#include "engines/registry.hpp"
#include "json/json_reader.hpp"
#include "json/node.hpp"

namespace pixelpact::detail {
namespace {

using json = nlohmann::json;

std::array<double, 3> per_channel_values(const Node& node, bool nonzero) {
  std::array<double, 3> out{};
  if (node.value().is_array()) {
    std::size_t n = node.value().size();
    if (n != 1 && n != 3) {
      fail(node.path(), "expected 1 or 3 values (one per output channel), got " + std::to_string(n));
    }
    for (std::size_t c = 0; c < 3; ++c) out[c] = node.at(n == 1 ? 0 : c).as_number();
    if (nonzero) {
      for (std::size_t c = 0; c < n; ++c) {
        if (out[c] == 0) fail(node.at(c).path(), "must not be 0 (division by zero)");
      }
    }
  } else {
    double v = node.as_number();
    if (nonzero && v == 0) fail(node.path(), "must not be 0 (division by zero)");
    out = {v, v, v};
  }
  return out;
}

// ---- crop, pad, letterbox, center_crop rules and fills (plan/geometry_steps.cpp plans them)

FillBytes parse_fill(const Node& node, InputColor input_color) {
  auto byte = [](const Node& n) {
    if (!n.is_integer()) fail(n.path(), "expected an integer, got " + n.describe());
    double v = n.value().get<double>();
    if (v < 0 || v > 255) fail(n.path(), n.describe() + " is not a byte value (0..255)");
    return static_cast<std::uint8_t>(v);
  };
  FillBytes out{};
  if (node.value().is_array()) {
    std::size_t n = node.value().size();
    if (n != 1 && n != 3) {
      fail(node.path(), "expected 1 or 3 byte values (one per output channel), got " + std::to_string(n));
    }
    for (std::size_t c = 0; c < 3; ++c) out[c] = byte(node.at(n == 1 ? 0 : c));
  } else {
    std::uint8_t v = byte(node);
    out = {v, v, v};
  }
  if (input_color == InputColor::GRAY && (out[0] != out[1] || out[1] != out[2])) {
    fail(node.path(), "a GRAY input is padded with one gray level: the fill values must be equal");
  }
  return out;
}

int parse_offset(const Node& node) {
  if (!node.is_integer()) fail(node.path(), "expected an integer, got " + node.describe());
  double v = node.value().get<double>();
  if (v < -kMaxDimension) fail(node.path(), node.describe() + " is less than the minimum of -1048576");
  if (v > kMaxDimension) fail(node.path(), node.describe() + " is greater than the maximum of 1048576");
  return static_cast<int>(v);
}

int parse_padding_amount(const Node& node) {
  if (!node.is_integer()) fail(node.path(), "expected an integer, got " + node.describe());
  double v = node.value().get<double>();
  if (v < 0) fail(node.path(), node.describe() + " is less than the minimum of 0");
  if (v > kMaxDimension) fail(node.path(), node.describe() + " is greater than the maximum of 1048576");
  return static_cast<int>(v);
}

bool parse_bool(const Node& node) { return node.as_bool(); }


CropStep parse_crop(const Node& step, InputColor color) {
  step.require_object({"op", "top", "left", "height", "width"},
                      {"op", "top", "left", "height", "width", "fill"});
  CropStep c;
  c.top = parse_offset(step.at("top"));
  c.left = parse_offset(step.at("left"));
  c.height = step.at("height").as_dimension();
  c.width = step.at("width").as_dimension();
  if (step.has("fill")) c.fill = parse_fill(step.at("fill"), color);
  return c;
}

PadStep parse_pad(const Node& step, InputColor color) {
  step.require_object({"op", "padding"}, {"op", "padding", "fill"});
  PadStep p;
  Node padding = step.at("padding");
  if (padding.value().is_array()) {
    std::size_t n = padding.value().size();
    if (n != 1 && n != 2 && n != 4) {
      fail(padding.path(), "expected 1, 2 ([left/right, top/bottom]) or 4 ([left, top, right, bottom]) "
                           "integers, got " + std::to_string(n));
    }
    int v[4];
    for (std::size_t i = 0; i < n; ++i) v[i] = parse_padding_amount(padding.at(i));
    if (n == 1) p = PadStep{v[0], v[0], v[0], v[0], {}};
    else if (n == 2) p = PadStep{v[0], v[1], v[0], v[1], {}};
    else p = PadStep{v[0], v[1], v[2], v[3], {}};
  } else {
    int v = parse_padding_amount(padding);
    p = PadStep{v, v, v, v, {}};
  }
  if (step.has("fill")) p.fill = parse_fill(step.at("fill"), color);
  return p;
}

PadStep parse_pad_to_square(const Node& step, InputColor color) {
  step.require_object({"op"}, {"op", "fill"});
  PadStep p;
  p.to_square = true;
  if (step.has("fill")) p.fill = parse_fill(step.at("fill"), color);
  return p;
}

LetterboxStep parse_letterbox(const Node& step, InputColor color) {
  step.require_object({"op", "size"}, {"op", "size", "rule", "fill", "auto", "stride", "scaleup", "center",
                                       "interpolation", "engine"});
  LetterboxStep l;
  if (step.has("rule")) {
    l.rule = step.at("rule").as_enum<LetterboxRule>({{"ultralytics", LetterboxRule::Ultralytics},
                                                    {"blob", LetterboxRule::Blob},
                                                    {"blob_crop", LetterboxRule::BlobCrop}});
  }
  if (l.rule != LetterboxRule::Ultralytics) {
    // cv2.dnn's resize is always cv2.resize INTER_LINEAR, centred, scaling both ways.
    for (const char* key : {"auto", "stride", "scaleup", "center", "interpolation", "engine"}) {
      if (step.has(key)) {
        fail(step.at(key).path(), std::string(key) + " applies only to rule 'ultralytics' (cv2.dnn resizes with "
                                                     "cv2.resize INTER_LINEAR, centred)");
      }
    }
    if (l.rule == LetterboxRule::BlobCrop && step.has("fill")) {
      fail(step.at("fill").path(), "rule 'blob_crop' crops and never pads: fill does not apply");
    }
    l.fill = {0, 0, 0};
  }
  auto hw = height_width(step.at("size"));
  l.height = hw.first;
  l.width = hw.second;
  if (step.has("fill")) l.fill = parse_fill(step.at("fill"), color);
  if (step.has("auto")) l.auto_stride = parse_bool(step.at("auto"));
  if (step.has("stride")) l.stride = step.at("stride").as_dimension();
  if (step.has("scaleup")) l.scaleup = parse_bool(step.at("scaleup"));
  if (step.has("center")) l.center = parse_bool(step.at("center"));
  // Ultralytics resizes with cv2.resize (engine 'opencv', the default); cv2.dnn's
  // rules always do; "engine": "pillow" is Pillow's Image.resize.
  const char* engine = "opencv";
  if (step.has("engine")) engine = step.at("engine").as_enum<const char*>({{"opencv", "opencv"}, {"pillow", "pillow"}});
  l.resize = letterbox_resize(step, engine);
  return l;
}

CenterCropRule parse_center_crop_rule(const Node& node) {
  return node.as_enum<CenterCropRule>({{"torchvision", CenterCropRule::Torchvision},
                                       {"hf_pil", CenterCropRule::HfPil},
                                       {"hf_torchvision", CenterCropRule::HfTorchvision},
                                       {"keras_crop_to_aspect_ratio", CenterCropRule::KerasCropToAspectRatio},
                                       {"keras_pad_to_aspect_ratio", CenterCropRule::KerasPadToAspectRatio}});
}

CenterCropStep parse_center_crop(const Node& step, InputColor color) {
  step.require_object({"op"}, {"op", "size", "fraction_of_shorter", "rule", "fill", "central_fraction"});
  if (step.has("central_fraction")) {
    // tf.image.central_crop: the crop is inside the image by construction.
    for (const char* key : {"size", "fraction_of_shorter", "rule", "fill"}) {
      if (step.has(key)) {
        fail(step.at(key).path(), std::string(key) + " does not combine with central_fraction "
                                                     "(tf.image.central_crop computes the crop from the input size)");
      }
    }
    const Node f = step.at("central_fraction");
    const double v = f.as_number();
    if (!(v > 0)) fail(f.path(), f.describe() + " is less than or equal to the minimum of 0");
    if (!(v <= 1)) fail(f.path(), f.describe() + " is greater than the maximum of 1");
    CenterCropStep c;
    c.central_fraction = v;
    return c;
  }
  CenterCropStep c;
  if (step.has("fraction_of_shorter")) {
    const Node f = step.at("fraction_of_shorter");
    if (step.has("size")) fail(f.path(), "give either size or fraction_of_shorter, not both");
    auto positive = [](const Node& n) {
      if (!n.value().is_number()) fail(n.path(), "expected a number, got " + n.describe());
      const double v = n.as_number();
      if (!(v > 0) || !(v <= 1048576)) fail(n.path(), n.describe() + " is not in (0, 1048576]");
      return v;
    };
    if (!f.value().is_array() || f.value().size() != 2) {
      fail(f.path(), "expected [height fraction, width fraction], got " + f.describe());
    }
    c.fraction_h = positive(f.at(std::size_t{0}));
    c.fraction_w = positive(f.at(std::size_t{1}));
  } else {
    if (!step.has("size")) fail(step.path(), "missing required property 'size'");
    auto hw = height_width(step.at("size"));
    c.height = hw.first;
    c.width = hw.second;
  }
  if (step.has("rule")) c.rule = parse_center_crop_rule(step.at("rule"));
  if (step.has("fill")) c.fill = parse_fill(step.at("fill"), color);
  return c;
}

// A geometric step after to_float: torchvision v1 on a float tensor. One resize
// by an engine that resizes float32 planes, then torchvision center crops.
void parse_float_geometry(const Node& step, bool is_resize, bool is_center_crop, DType current_dtype,
                          Contract& c) {
  if (is_resize) {
    if (step.has("engine") && step.at("engine").value().is_string()) {
      const ResizeEngine* engine = find_engine(step.at("engine").value().get_ref<const std::string&>());
      if (engine && !engine->resizes_floats()) {
        fail(step.at("engine").path(),
             "after 'to_float' only " + engines_that([](const ResizeEngine& e) { return e.resizes_floats(); }) +
                 " resizes (float32 planes, as torchvision v1 on a float tensor); engine '" +
                 std::string(engine->name()) + "' resizes uint8 pixels: move the resize before 'to_float'");
      }
    }
    ResizeStep r = parse_resize(step, ResizeUse::Float);
    if (c.has_float_resize) fail(step.at("op").path(), "only one resize may follow 'to_float'");
    if (current_dtype != DType::Float32) {
      fail(step.at("op").path(), "a resize after 'to_float' resizes float32 planes: float64 pixels are not supported");
    }
    c.has_float_resize = true;
    c.float_resize = r;
    c.arithmetic_before_resize = c.arithmetic.size();
    return;
  }
  if (is_center_crop && c.has_float_resize) {
    CenterCropStep cc = parse_center_crop(step, c.input_color);
    if (cc.rule != CenterCropRule::Torchvision) {
      fail(step.at("rule").path(), "after a float resize only the torchvision center_crop rule is supported");
    }
    if (step.has("fill")) {
      fail(step.at("fill").path(), "a center_crop after a float resize may not pad, so it has no fill");
    }
    if (step.has("fraction_of_shorter")) {
      fail(step.at("fraction_of_shorter").path(), "a center_crop after a float resize needs a size");
    }
    c.float_crops.push_back(cc);
    return;
  }
  fail(step.at("op").path(),
       "geometric steps must come before 'to_float', except one resize of float32 planes and center crops "
       "after it");
}

}  // namespace

int input_channel_count(InputColor color) noexcept {
  switch (color) {
    case InputColor::RGB:
    case InputColor::BGR: return 3;
    case InputColor::RGBA:
    case InputColor::BGRA: return 4;
    case InputColor::GRAY: return 1;
  }
  return 0;
}

std::string_view input_color_name(InputColor color) noexcept {
  switch (color) {
    case InputColor::RGB: return "RGB";
    case InputColor::BGR: return "BGR";
    case InputColor::RGBA: return "RGBA";
    case InputColor::BGRA: return "BGRA";
    case InputColor::GRAY: return "GRAY";
  }
  return "";
}

namespace {

Contract parse_document(const json& doc) {
  Node root(doc, "");
  root.require_object({"pixelpact", "input", "steps", "output"},
                      {"pixelpact", "name", "description", "input", "steps", "output"});

  Contract c;
  Node version = root.at("pixelpact");
  if (!version.is_integer() || version.as_number() != kContractVersion) {
    fail(version.path(), "unsupported contract version " + version.describe() +
                             "; this library reads version 1");
  }
  if (root.has("name")) c.name = root.at("name").as_string();
  if (root.has("description")) root.at("description").as_string();

  Node input = root.at("input");
  input.require_object({"color"}, {"color", "alpha", "background", "decode"});
  c.input_color = input.at("color").as_enum<InputColor>({{"RGB", InputColor::RGB},
                                                         {"BGR", InputColor::BGR},
                                                         {"RGBA", InputColor::RGBA},
                                                         {"BGRA", InputColor::BGRA},
                                                         {"GRAY", InputColor::GRAY}});
  if (input.has("alpha")) {
    if (c.input_color != InputColor::RGBA && c.input_color != InputColor::BGRA) {
      fail(input.at("alpha").path(), "alpha applies only to input color RGBA or BGRA");
    }
    c.alpha = input.at("alpha").as_enum<AlphaPolicy>({{"drop", AlphaPolicy::Drop},
                                                      {"premultiply", AlphaPolicy::Premultiply},
                                                      {"composite", AlphaPolicy::Composite}});
  }
  if (input.has("background")) {
    Node bg = input.at("background");
    if (c.alpha != AlphaPolicy::Composite) fail(bg.path(), "background applies only with alpha 'composite'");
    if (!bg.value().is_array()) fail(bg.path(), "expected an array, got " + bg.describe());
    if (bg.value().size() != 3) {
      fail(bg.path(), "expected 3 byte values (R, G, B), got " + std::to_string(bg.value().size()));
    }
    for (std::size_t i = 0; i < 3; ++i) {
      Node v = bg.at(i);
      if (!v.is_integer()) fail(v.path(), "expected an integer, got " + v.describe());
      if (v.as_number() < 0 || v.as_number() > 255) fail(v.path(), v.describe() + " is not a byte value (0..255)");
      c.background[i] = static_cast<std::uint8_t>(v.as_number());
    }
  }

  if (input.has("decode")) {
    Node decode = input.at("decode");
    decode.require_object({}, {"orientation", "decoder"});
    if (decode.has("orientation")) {
      c.orientation = decode.at("orientation").as_enum<Orientation>({{"ignore", Orientation::Ignore},
                                                                    {"exif", Orientation::Exif}});
    }
    if (decode.has("decoder")) {
      c.decoder = decode.at("decoder").as_enum<Decoder>({{"pillow", Decoder::Pillow},
                                                         {"tensorflow", Decoder::TensorFlow}});
    }
  }

  Node output = root.at("output");
  output.require_object({"layout", "dtype", "color"}, {"layout", "dtype", "color"});
  c.layout = output.at("layout").as_enum<Layout>({{"NCHW", Layout::NCHW},
                                                  {"NHWC", Layout::NHWC},
                                                  {"CHW", Layout::CHW},
                                                  {"HWC", Layout::HWC}});
  c.output_dtype = output.at("dtype").as_enum<DType>(
      {{"float32", DType::Float32}, {"float16", DType::Float16}, {"uint8", DType::UInt8}});
  c.output_color = output.at("color").as_enum<OutputColor>(
      {{"RGB", OutputColor::RGB}, {"BGR", OutputColor::BGR}});

  Node steps = root.at("steps");
  DType current_dtype = DType::Float32;  // of the arithmetic: to_float's, then each cast's
  if (!steps.value().is_array()) fail(steps.path(), "expected an array, got " + steps.describe());
  for (std::size_t i = 0; i < steps.value().size(); ++i) {
    Node step = steps.at(i);
    if (!step.value().is_object()) fail(step.path(), "expected an object, got " + step.describe());
    if (!step.has("op")) fail(step.path(), "missing required property 'op'");
    enum class Op { Resize, CenterCrop, ToFloat, Add, Sub, Mul, Div, Normalize, Crop, Pad, PadToSquare, Letterbox,
                    Cast };
    Op op = step.at("op").as_enum<Op>({{"resize", Op::Resize},
                                       {"center_crop", Op::CenterCrop},
                                       {"crop", Op::Crop},
                                       {"pad", Op::Pad},
                                       {"pad_to_square", Op::PadToSquare},
                                       {"letterbox", Op::Letterbox},
                                       {"cast", Op::Cast},
                                       {"to_float", Op::ToFloat},
                                       {"add", Op::Add},
                                       {"sub", Op::Sub},
                                       {"mul", Op::Mul},
                                       {"div", Op::Div},
                                       {"normalize", Op::Normalize}});
    switch (op) {
      case Op::Resize:
      case Op::CenterCrop:
      case Op::Crop:
      case Op::Pad:
      case Op::PadToSquare:
      case Op::Letterbox:
        if (c.has_float) {
          if (op == Op::Resize && c.alpha == AlphaPolicy::Premultiply) {
            fail(step.at("op").path(), "alpha 'premultiply' resizes premultiplied uint8 RGBA pixels: "
                                       "a float resize does not premultiply");
          }
          parse_float_geometry(step, op == Op::Resize, op == Op::CenterCrop, current_dtype, c);
          break;
        }
        if (op == Op::Resize) c.geometry.emplace_back(parse_resize(step, ResizeUse::Pixels));
        else if (op == Op::CenterCrop) c.geometry.emplace_back(parse_center_crop(step, c.input_color));
        else if (op == Op::Crop) c.geometry.emplace_back(parse_crop(step, c.input_color));
        else if (op == Op::Pad) c.geometry.emplace_back(parse_pad(step, c.input_color));
        else if (op == Op::PadToSquare) c.geometry.emplace_back(parse_pad_to_square(step, c.input_color));
        else c.geometry.emplace_back(parse_letterbox(step, c.input_color));
        if (c.alpha == AlphaPolicy::Premultiply) {
          // Only engines that premultiply may resize; padded pixels would need an alpha value.
          if (op == Op::Pad || op == Op::PadToSquare || op == Op::Letterbox) {
            fail(step.at("op").path(), "alpha 'premultiply' does not combine with padding steps "
                                       "(the alpha of padded pixels is not part of contract v1)");
          }
          const auto* resize = std::get_if<ResizeStep>(&c.geometry.back());
          if (resize && !resize->engine->premultiplies_alpha()) {
            fail(step.at("engine").path(),
                 "alpha 'premultiply' resizes premultiplied RGBA, as only " +
                     engines_that([](const ResizeEngine& e) { return e.premultiplies_alpha(); }) +
                     " does; engine '" + std::string(resize->engine->name()) + "' does not premultiply");
          }
        }
        break;
      case Op::ToFloat:
        step.require_object({"op", "dtype"}, {"op", "dtype"});
        c.float_dtype = step.at("dtype").as_enum<DType>(
            {{"float32", DType::Float32}, {"float64", DType::Float64}});
        if (c.has_float) fail(step.at("op").path(), "'to_float' may appear only once");
        c.has_float = true;
        current_dtype = c.float_dtype;
        break;
      case Op::Cast: {
        step.require_object({"op", "dtype"}, {"op", "dtype"});
        ArithStep a;
        a.op = ArithOp::Cast;
        a.dtype = step.at("dtype").as_enum<DType>({{"float32", DType::Float32}, {"float64", DType::Float64}});
        if (!c.has_float) fail(step.at("op").path(), "'cast' changes a float dtype: add a 'to_float' step before it");
        current_dtype = a.dtype;
        c.arithmetic.push_back(a);
        break;
      }
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div: {
        step.require_object({"op", "value"}, {"op", "value"});
        ArithStep a;
        a.op = op == Op::Add ? ArithOp::Add
             : op == Op::Sub ? ArithOp::Sub
             : op == Op::Mul ? ArithOp::Mul
                             : ArithOp::Div;
        a.value = per_channel_values(step.at("value"), op == Op::Div);
        a.dtype = current_dtype;
        if (!c.has_float) {
          fail(step.at("op").path(), "arithmetic needs a float dtype: add a 'to_float' step before it");
        }
        c.arithmetic.push_back(a);
        break;
      }
      case Op::Normalize: {
        step.require_object({"op", "mean", "std"}, {"op", "mean", "std"});
        auto mean = per_channel_values(step.at("mean"), false);
        auto stddev = per_channel_values(step.at("std"), true);
        if (!c.has_float) {
          fail(step.at("op").path(), "arithmetic needs a float dtype: add a 'to_float' step before it");
        }
        c.arithmetic.push_back(ArithStep{ArithOp::Sub, mean, current_dtype});
        c.arithmetic.push_back(ArithStep{ArithOp::Div, stddev, current_dtype});
        break;
      }
    }
  }
  if (c.has_float && c.output_dtype == DType::UInt8) {
    fail("/output/dtype",
         "a contract with 'to_float' cannot output uint8: the float-to-byte rounding "
         "rule is not part of contract v1");
  }
  return c;
}

}  // namespace

Contract parse_contract(std::string_view json_text) {
  const json doc = read_json(json_text);
  try {
    return parse_document(doc);
  } catch (const json::exception& e) {
    // Every rule above checks types before reading a value, so this is a safety net:
    // whatever the JSON library objects to is a problem of the document, not ours.
    throw Error(ErrorCode::InvalidContract, "", "unexpected JSON value: " + bounded_utf8(e.what(), 200));
  }
}

}  // namespace pixelpact::detail
