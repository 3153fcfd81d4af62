// Contract parsing and validation. This is the one interpreter of a contract:
// it mirrors schema/pixelpact.schema.json rule for rule (tests/test_contract.py
// checks that both reject the same documents at the same JSON Pointer) and adds
// the checks a schema cannot express (step order, max_size > size).
#include "contract.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "json_reader.hpp"

namespace pixelpact::detail {
namespace {

using json = nlohmann::json;

constexpr double kMaxDimension = 1 << 20;  // also the schema's "maximum"

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw Error(ErrorCode::InvalidContract, path, message);
}

// A JSON value together with its JSON Pointer, so every error names its place.
class Node {
 public:
  Node(const json& value, std::string path) : value_(value), path_(std::move(path)) {}

  const json& value() const { return value_; }
  const std::string& path() const { return path_; }

  const Node& require_object(std::initializer_list<const char*> required,
                             std::initializer_list<const char*> allowed) const {
    if (!value_.is_object()) fail(path_, "expected an object, got " + describe());
    for (auto it = value_.begin(); it != value_.end(); ++it) {
      bool known = false;
      for (const char* name : allowed) known = known || it.key() == name;
      if (!known) {
        fail(path_ + "/" + pointer_token(it.key()),
             "unknown property '" + bounded_utf8(it.key(), 60) + "'");
      }
    }
    for (const char* name : required) {
      if (!value_.contains(name)) fail(path_, std::string("missing required property '") + name + "'");
    }
    return *this;
  }

  bool has(const char* key) const { return value_.contains(key); }
  Node at(const char* key) const { return Node(value_.at(key), path_ + "/" + key); }
  Node at(std::size_t index) const {
    return Node(value_.at(index), path_ + "/" + std::to_string(index));
  }

  std::string as_string() const {
    if (!value_.is_string()) fail(path_, "expected a string, got " + describe());
    return value_.get<std::string>();
  }

  // JSON Schema's "integer": a number with no fractional part (2 and 2.0 alike).
  bool is_integer() const {
    if (value_.is_number_integer()) return true;
    if (!value_.is_number_float()) return false;
    double v = value_.get<double>();
    return std::isfinite(v) && std::floor(v) == v;
  }

  int as_dimension() const {
    if (!is_integer()) fail(path_, "expected an integer, got " + describe());
    double v = value_.get<double>();
    if (v < 1) fail(path_, describe() + " is less than the minimum of 1");
    if (v > kMaxDimension) fail(path_, describe() + " is greater than the maximum of 1048576");
    return static_cast<int>(v);
  }

  double as_number() const {
    if (!value_.is_number()) fail(path_, "expected a number, got " + describe());
    return value_.get<double>();
  }

  template <typename Enum>
  Enum as_enum(std::initializer_list<std::pair<const char*, Enum>> choices) const {
    if (value_.is_string()) {
      const auto& s = value_.get_ref<const std::string&>();
      for (const auto& choice : choices) {
        if (s == choice.first) return choice.second;
      }
    }
    std::string names;
    for (const auto& choice : choices) {
      names += names.empty() ? "" : ", ";
      names += std::string("'") + choice.first + "'";
    }
    fail(path_, describe() + " is not one of " + names);
  }

  std::string describe() const { return describe_json(value_); }

 private:
  const json& value_;
  std::string path_;
};

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

std::pair<int, int> height_width(const Node& node) {
  if (node.is_integer()) {
    int s = node.as_dimension();
    return {s, s};
  }
  if (!node.value().is_array()) {
    fail(node.path(), "expected an integer or [height, width], got " + node.describe());
  }
  if (node.value().size() != 2) {
    fail(node.path(), "expected [height, width] (2 integers), got " +
                          std::to_string(node.value().size()) + " items");
  }
  return {node.at(std::size_t{0}).as_dimension(), node.at(std::size_t{1}).as_dimension()};
}

Filter parse_filter(const Node& node) {
  return node.as_enum<Filter>({{"nearest", Filter::Nearest},
                               {"box", Filter::Box},
                               {"bilinear", Filter::Bilinear},
                               {"hamming", Filter::Hamming},
                               {"bicubic", Filter::Bicubic},
                               {"lanczos", Filter::Lanczos},
                               {"nearest-exact", Filter::NearestExact}});
}

// Engine 'torch': torchvision v2's Resize on a uint8 tensor.
void parse_torch_resize(const Node& step, ResizeStep& r) {
  if (r.filter == Filter::Box || r.filter == Filter::Hamming) {
    fail(step.at("interpolation").path(), step.at("interpolation").describe() +
                                              " is not a torch interpolation (bilinear, bicubic, "
                                              "lanczos, nearest, nearest-exact)");
  }
  if (step.has("version")) {
    fail(step.at("version").path(), "version applies only to engine 'pillow'");
  }
  if (step.has("antialias")) {
    const Node aa = step.at("antialias");
    if (!aa.value().is_boolean()) fail(aa.path(), "expected a boolean, got " + aa.describe());
    r.antialias = aa.value().get<bool>();
    if (r.filter == Filter::Lanczos && !r.antialias) {
      fail(aa.path(), "lanczos requires antialias true (torchvision raises ValueError)");
    }
  }
}

ResizeStep parse_resize(const Node& step) {
  step.require_object({"op", "interpolation", "engine"},
                      {"op", "size", "scale", "max_size", "keep_ratio", "interpolation", "engine", "version",
                       "antialias"});
  ResizeStep r;
  r.engine = step.at("engine").as_enum<ResizeEngine>(
      {{"pillow", ResizeEngine::Pillow}, {"torch", ResizeEngine::Torch}, {"opencv", ResizeEngine::Opencv}});
  if (step.has("scale")) {
    // cv2.resize(img, None, fx=fx, fy=fy): the sampling scale is fx itself.
    if (r.engine != ResizeEngine::Opencv) {
      fail(step.at("scale").path(), "scale applies only to engine 'opencv' (cv2.resize's fx, fy)");
    }
    if (step.has("size")) fail(step.at("size").path(), "give either size or scale, not both");
    if (step.has("max_size")) {
      fail(step.at("max_size").path(), "max_size applies only when size is a single integer");
    }
    if (step.has("keep_ratio")) {
      fail(step.at("keep_ratio").path(), "keep_ratio applies only with size, not scale");
    }
    Node scale = step.at("scale");
    auto positive = [](const Node& n) {
      double v = n.as_number();
      if (!(v > 0)) fail(n.path(), n.describe() + " is less than or equal to the minimum of 0");
      return v;
    };
    r.has_scale = true;
    if (scale.value().is_array()) {
      if (scale.value().size() != 2) {
        fail(scale.path(), "expected [fy, fx] (2 numbers), got " + std::to_string(scale.value().size()) +
                               " items");
      }
      r.scale_y = positive(scale.at(std::size_t{0}));
      r.scale_x = positive(scale.at(std::size_t{1}));
    } else {
      if (!scale.value().is_number()) {
        fail(scale.path(), "expected a number or [fy, fx], got " + scale.describe());
      }
      r.scale_y = r.scale_x = positive(scale);
    }
  } else if (!step.has("size")) {
    fail(step.path(), "missing required property 'size'");
  }
  if (!r.has_scale) {
    Node size = step.at("size");
    if (step.has("keep_ratio")) {
      Node keep = step.at("keep_ratio");
      r.keep_ratio = keep.as_enum<KeepRatio>({{"shorter", KeepRatio::None},
                                              {"longer", KeepRatio::Longer},
                                              {"not_smaller", KeepRatio::NotSmaller},
                                              {"not_larger", KeepRatio::NotLarger}});
      const bool wants_int = r.keep_ratio == KeepRatio::None || r.keep_ratio == KeepRatio::Longer;
      if (wants_int != size.is_integer()) {
        fail(keep.path(), wants_int ? "keep_ratio 'shorter' and 'longer' need an integer size"
                                    : "keep_ratio 'not_smaller' and 'not_larger' need size [height, width]");
      }
      if (r.keep_ratio == KeepRatio::Longer && step.has("max_size")) {
        fail(step.at("max_size").path(), "max_size does not combine with keep_ratio 'longer'");
      }
    }
    if (size.is_integer()) {
      r.shorter_side = true;
      r.size = size.as_dimension();
      if (step.has("max_size")) {
        r.max_size = step.at("max_size").as_dimension();
        if (r.max_size <= r.size) {
          fail(step.at("max_size").path(), "max_size (" + std::to_string(r.max_size) +
                                               ") must be greater than size (" +
                                               std::to_string(r.size) + ")");
        }
      }
    } else {
      if (step.has("max_size")) {
        fail(step.at("max_size").path(), "max_size applies only when size is a single integer");
      }
      auto hw = height_width(size);
      r.height = hw.first;
      r.width = hw.second;
    }
  }
  if (r.engine == ResizeEngine::Opencv) {
    r.opencv_interpolation = step.at("interpolation").as_enum<OpencvInterpolation>(
        {{"nearest", OpencvInterpolation::Nearest},
         {"nearest-exact", OpencvInterpolation::NearestExact},
         {"bilinear", OpencvInterpolation::Linear},
         {"bilinear-exact", OpencvInterpolation::LinearExact},
         {"bicubic", OpencvInterpolation::Cubic},
         {"area", OpencvInterpolation::Area},
         {"lanczos4", OpencvInterpolation::Lanczos4}});
    if (step.has("antialias")) {
      fail(step.at("antialias").path(), "antialias applies only to engine 'torch' (cv2.resize has none)");
    }
    if (step.has("version")) r.opencv_major = step.at("version").as_enum<int>({{"4", 4}, {"5", 5}});
    return r;
  }
  if (r.engine == ResizeEngine::Torch && step.at("interpolation").value() == "area") {
    // F.interpolate(mode='area'): adaptive average pooling, float only
    // (parse_float_geometry rejects antialias).
    if (step.has("version")) fail(step.at("version").path(), "version applies only to engine 'pillow'");
    r.area = true;
    r.antialias = false;
    return r;
  }
  r.filter = parse_filter(step.at("interpolation"));
  if (r.engine == ResizeEngine::Torch) {
    parse_torch_resize(step, r);
    return r;
  }
  if (r.filter == Filter::NearestExact) {
    fail(step.at("interpolation").path(), "'nearest-exact' is a torch interpolation; engine 'pillow' has 'nearest'");
  }
  if (step.has("antialias")) {
    fail(step.at("antialias").path(), "antialias applies only to engine 'torch' (Pillow always antialiases)");
  }
  if (step.has("version")) {
    r.pillow_version = step.at("version").as_enum<PillowVersion>(
        {{"12.1", PillowVersion::V12_1},
         {"12", PillowVersion::V12_2},
         {"12.2", PillowVersion::V12_2},
         {"12.3", PillowVersion::V12_2},
         {"13", PillowVersion::V13}});
  }
  return r;
}


// ---- crop, pad, letterbox, center_crop rules and fills (geometry_steps.cpp plans them)

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

bool parse_bool(const Node& node) {
  if (!node.value().is_boolean()) fail(node.path(), "expected a boolean, got " + node.describe());
  return node.value().get<bool>();
}


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
  l.resize.filter = step.has("interpolation") ? parse_filter(step.at("interpolation")) : Filter::Bilinear;
  const bool opencv =
      !step.has("engine") || step.at("engine").as_enum<int>({{"opencv", 1}, {"pillow", 0}}) == 1;
  if (opencv) {  // Ultralytics: cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR)
    l.resize.engine = ResizeEngine::Opencv;
    switch (l.resize.filter) {
      case Filter::Nearest: l.resize.opencv_interpolation = OpencvInterpolation::Nearest; break;
      case Filter::Bilinear: l.resize.opencv_interpolation = OpencvInterpolation::Linear; break;
      case Filter::Bicubic: l.resize.opencv_interpolation = OpencvInterpolation::Cubic; break;
      default:
        fail(step.at("interpolation").path(), step.at("interpolation").describe() +
                                                  " is not a cv2 interpolation letterbox offers "
                                                  "(nearest, bilinear, bicubic); use \"engine\": \"pillow\"");
    }
  } else if (l.resize.filter == Filter::NearestExact) {
    fail(step.at("interpolation").path(), "'nearest-exact' is not a Pillow filter");
  }
  return l;
}

CenterCropRule parse_center_crop_rule(const Node& node) {
  return node.as_enum<CenterCropRule>({{"torchvision", CenterCropRule::Torchvision},
                                       {"hf_pil", CenterCropRule::HfPil},
                                       {"hf_torchvision", CenterCropRule::HfTorchvision}});
}

CenterCropStep parse_center_crop(const Node& step, InputColor color) {
  step.require_object({"op", "size"}, {"op", "size", "rule", "fill"});
  auto hw = height_width(step.at("size"));
  CenterCropStep c{hw.first, hw.second};
  if (step.has("rule")) c.rule = parse_center_crop_rule(step.at("rule"));
  if (step.has("fill")) c.fill = parse_fill(step.at("fill"), color);
  return c;
}

// A geometric step after to_float: torchvision v1 on a float tensor. Only one
// torch float32 resize, then torchvision center crops, are reproduced.
void parse_float_geometry(const Node& step, bool is_resize, bool is_center_crop, DType current_dtype,
                          Contract& c) {
  if (is_resize) {
    ResizeStep r = parse_resize(step);
    if (c.has_float_resize) fail(step.at("op").path(), "only one resize may follow 'to_float'");
    if (r.engine != ResizeEngine::Torch) {
      fail(step.at("engine").path(),
           "after 'to_float' only engine 'torch' resizes (torch's float32 kernels, as torchvision v1 on a "
           "float tensor); Pillow and OpenCV resize uint8 pixels: move the resize before 'to_float'");
    }
    if (current_dtype != DType::Float32) {
      fail(step.at("op").path(),
           "a resize after 'to_float' runs torch's float32 kernels: float64 pixels are not supported");
    }
    if (r.area && step.has("antialias")) {
      fail(step.at("antialias").path(), "antialias does not apply to 'area' (F.interpolate rejects it)");
    }
    if (!r.area && r.filter != Filter::Bilinear && r.filter != Filter::Bicubic) {
      fail(step.at("interpolation").path(),
           "a float resize supports bilinear, bicubic and area (nearest modes and lanczos are not supported)");
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
    c.float_crops.push_back(cc);
    return;
  }
  fail(step.at("op").path(),
       "geometric steps must come before 'to_float', except one torch resize (float32) and center crops "
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
  input.require_object({"color"}, {"color", "alpha", "background"});
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
    enum class Op { Resize, CenterCrop, ToFloat, Add, Sub, Mul, Div, Normalize, Crop, Pad, Letterbox, Cast };
    Op op = step.at("op").as_enum<Op>({{"resize", Op::Resize},
                                       {"center_crop", Op::CenterCrop},
                                       {"crop", Op::Crop},
                                       {"pad", Op::Pad},
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
      case Op::Letterbox:
        if (c.has_float) {
          if (op == Op::Resize && c.alpha == AlphaPolicy::Premultiply) {
            fail(step.at("op").path(), "alpha 'premultiply' is Pillow's RGBA resize on uint8 pixels: "
                                       "a float resize does not premultiply");
          }
          parse_float_geometry(step, op == Op::Resize, op == Op::CenterCrop, current_dtype, c);
          break;
        }
        if (op == Op::Resize) {
          ResizeStep r = parse_resize(step);
          if (r.area) {
            fail(step.at("interpolation").path(),
                 "'area' is torch's float resize (adaptive average pooling): put the resize after 'to_float'");
          }
          c.geometry.emplace_back(r);
        } else if (op == Op::CenterCrop) c.geometry.emplace_back(parse_center_crop(step, c.input_color));
        else if (op == Op::Crop) c.geometry.emplace_back(parse_crop(step, c.input_color));
        else if (op == Op::Pad) c.geometry.emplace_back(parse_pad(step, c.input_color));
        else c.geometry.emplace_back(parse_letterbox(step, c.input_color));
        if (c.alpha == AlphaPolicy::Premultiply) {
          // Only Pillow premultiplies; and padded pixels would need an alpha value.
          if (op == Op::Pad || op == Op::Letterbox) {
            fail(step.at("op").path(), "alpha 'premultiply' does not combine with padding steps "
                                       "(the alpha of padded pixels is not part of contract v1)");
          }
          if (op == Op::Resize && std::get<ResizeStep>(c.geometry.back()).engine != ResizeEngine::Pillow) {
            fail(step.at("engine").path(), "alpha 'premultiply' is Pillow's RGBA resize: engines "
                                           "'torch' and 'opencv' do not premultiply");
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
