// Writes the canonical form of a parsed contract (rules in canonical.hpp). The
// writer builds the text directly: objects are lists of (key, JSON text) pairs
// sorted by key, so no JSON library decides how a number looks.
#include "canonical.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pixelpact::detail {
namespace {

using Members = std::vector<std::pair<std::string, std::string>>;

std::string object(Members members) {
  std::sort(members.begin(), members.end());
  std::string out = "{";
  for (std::size_t i = 0; i < members.size(); ++i) {
    out += (i ? ",\"" : "\"") + members[i].first + "\":" + members[i].second;
  }
  return out + "}";
}

std::string array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }  // names only: no escapes needed
std::string integer(long long v) { return std::to_string(v); }
std::string boolean(bool v) { return v ? "true" : "false"; }

template <typename T>
std::string shortest(T v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// A double in the shortest text that reads back as the same double.
std::string number(double v) {
  if (v == 0 && std::signbit(v)) return "-0.0";
  return shortest(v);
}

// A value an arithmetic step rounds to float32 first: the shortest text whose
// double rounds to that float32 (checked, as decimal -> double -> float rounds
// twice; the float's exact double is the fallback).
std::string number32(double value) {
  const float f = static_cast<float>(value);
  if (std::isinf(f)) return f > 0 ? "1e39" : "-1e39";
  if (f == 0 && std::signbit(f)) return "-0.0";
  std::string text = shortest(f);
  double parsed = 0;  // from_chars, not strtod: no locale may change the text
  std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (static_cast<float>(parsed) != f) text = shortest(static_cast<double>(f));
  return text;
}

// One value for all channels when the three are equal, else the list.
std::string per_channel(const std::string (&v)[3]) {
  if (v[0] == v[1] && v[1] == v[2]) return v[0];
  return array({v[0], v[1], v[2]});
}

std::string values(const std::array<double, 3>& v, DType dtype) {
  std::string text[3];
  for (int c = 0; c < 3; ++c) text[c] = dtype == DType::Float32 ? number32(v[c]) : number(v[c]);
  return per_channel(text);
}

std::string fill(const FillBytes& f) {
  const std::string text[3] = {integer(f[0]), integer(f[1]), integer(f[2])};
  return per_channel(text);
}

std::string height_width(int h, int w) { return array({integer(h), integer(w)}); }

std::string_view dtype_text(DType d) { return d == DType::Float64 ? "float64" : "float32"; }

std::string_view filter_name(Filter f) {
  switch (f) {
    case Filter::Nearest: return "nearest";
    case Filter::Box: return "box";
    case Filter::Bilinear: return "bilinear";
    case Filter::Hamming: return "hamming";
    case Filter::Bicubic: return "bicubic";
    case Filter::Lanczos: return "lanczos";
    case Filter::NearestExact: return "nearest-exact";
  }
  return "";
}

std::string_view opencv_name(OpencvInterpolation i) {
  switch (i) {
    case OpencvInterpolation::Nearest: return "nearest";
    case OpencvInterpolation::NearestExact: return "nearest-exact";
    case OpencvInterpolation::Linear: return "bilinear";
    case OpencvInterpolation::LinearExact: return "bilinear-exact";
    case OpencvInterpolation::Cubic: return "bicubic";
    case OpencvInterpolation::Area: return "area";
    case OpencvInterpolation::Lanczos4: return "lanczos4";
  }
  return "";
}

std::string_view pillow_version_name(PillowVersion v) {
  switch (v) {
    case PillowVersion::V12_1: return "12.1";
    case PillowVersion::V12_2: return "12.2";
    case PillowVersion::V13: return "13";
  }
  return "";
}

std::string resize(const ResizeStep& r) {
  Members m{{"op", quoted("resize")}};
  if (r.has_scale) {
    const std::string scale[3] = {number(r.scale_y), number(r.scale_x), number(r.scale_x)};
    m.emplace_back("scale", scale[0] == scale[1] ? scale[0] : array({scale[0], scale[1]}));
  } else if (r.shorter_side) {
    m.emplace_back("size", integer(r.size));
    m.emplace_back("keep_ratio", quoted(r.keep_ratio == KeepRatio::Longer ? "longer" : "shorter"));
    if (r.max_size > 0) m.emplace_back("max_size", integer(r.max_size));
  } else {
    m.emplace_back("size", height_width(r.height, r.width));
    if (r.keep_ratio == KeepRatio::NotSmaller) m.emplace_back("keep_ratio", quoted("not_smaller"));
    if (r.keep_ratio == KeepRatio::NotLarger) m.emplace_back("keep_ratio", quoted("not_larger"));
  }
  switch (r.engine) {
    case ResizeEngine::Pillow:
      m.emplace_back("engine", quoted("pillow"));
      m.emplace_back("interpolation", quoted(filter_name(r.filter)));
      m.emplace_back("version",
                     quoted(r.filter == Filter::Nearest ? "13" : pillow_version_name(r.pillow_version)));
      break;
    case ResizeEngine::Torch:
      m.emplace_back("engine", quoted("torch"));
      if (r.area) {
        m.emplace_back("interpolation", quoted("area"));
      } else {
        m.emplace_back("interpolation", quoted(filter_name(r.filter)));
        const bool nearest = r.filter == Filter::Nearest || r.filter == Filter::NearestExact;
        m.emplace_back("antialias", boolean(nearest || r.antialias));
      }
      break;
    case ResizeEngine::Opencv:
      m.emplace_back("engine", quoted("opencv"));
      m.emplace_back("interpolation", quoted(opencv_name(r.opencv_interpolation)));
      m.emplace_back("version", quoted(r.opencv_interpolation == OpencvInterpolation::NearestExact && r.opencv_major == 4
                                           ? "4"
                                           : "5"));
      break;
  }
  return object(std::move(m));
}

std::string_view center_crop_rule(CenterCropRule rule) {
  switch (rule) {
    case CenterCropRule::Torchvision: return "torchvision";
    case CenterCropRule::HfPil: return "hf_pil";
    case CenterCropRule::HfTorchvision: return "hf_torchvision";
  }
  return "";
}

std::string center_crop(const CenterCropStep& c, bool with_fill) {
  Members m{{"op", quoted("center_crop")},
            {"size", height_width(c.height, c.width)},
            {"rule", quoted(center_crop_rule(c.rule))}};
  if (with_fill) m.emplace_back("fill", fill(c.fill));
  return object(std::move(m));
}

std::string letterbox(const LetterboxStep& l) {
  Members m{{"op", quoted("letterbox")}, {"size", height_width(l.height, l.width)}};
  switch (l.rule) {
    case LetterboxRule::Blob:
      m.emplace_back("rule", quoted("blob"));
      m.emplace_back("fill", fill(l.fill));
      break;
    case LetterboxRule::BlobCrop:
      m.emplace_back("rule", quoted("blob_crop"));
      break;
    case LetterboxRule::Ultralytics: {
      const bool opencv = l.resize.engine == ResizeEngine::Opencv;
      m.emplace_back("rule", quoted("ultralytics"));
      m.emplace_back("fill", fill(l.fill));
      m.emplace_back("auto", boolean(l.auto_stride));
      m.emplace_back("stride", integer(l.auto_stride ? l.stride : 32));
      m.emplace_back("scaleup", boolean(l.scaleup));
      m.emplace_back("center", boolean(l.center));
      m.emplace_back("engine", quoted(opencv ? "opencv" : "pillow"));
      m.emplace_back("interpolation", quoted(filter_name(l.resize.filter)));
      break;
    }
  }
  return object(std::move(m));
}

std::string geometry(const GeometryStep& step) {
  if (const auto* r = std::get_if<ResizeStep>(&step)) return resize(*r);
  if (const auto* c = std::get_if<CenterCropStep>(&step)) return center_crop(*c, true);
  if (const auto* c = std::get_if<CropStep>(&step)) {
    return object({{"op", quoted("crop")},
                   {"top", integer(c->top)},
                   {"left", integer(c->left)},
                   {"height", integer(c->height)},
                   {"width", integer(c->width)},
                   {"fill", fill(c->fill)}});
  }
  if (const auto* p = std::get_if<PadStep>(&step)) {
    return object({{"op", quoted("pad")},
                   {"padding", array({integer(p->left), integer(p->top), integer(p->right), integer(p->bottom)})},
                   {"fill", fill(p->fill)}});
  }
  return letterbox(std::get<LetterboxStep>(step));
}

std::string_view arith_name(ArithOp op) {
  switch (op) {
    case ArithOp::Add: return "add";
    case ArithOp::Sub: return "sub";
    case ArithOp::Mul: return "mul";
    case ArithOp::Div: return "div";
    case ArithOp::Cast: return "cast";
  }
  return "";
}

std::string cast(DType dtype) { return object({{"op", quoted("cast")}, {"dtype", quoted(dtype_text(dtype))}}); }

// The steps from to_float on: to_float, arithmetic with its casts reduced (see
// canonical.hpp), the float resize and its crops, "normalize" for sub + div.
void float_steps(const Contract& c, std::vector<std::string>& out) {
  // Events in contract order: arithmetic index, or the float resize (-1).
  std::vector<long long> events;
  for (std::size_t i = 0; i <= c.arithmetic.size(); ++i) {
    if (c.has_float_resize && i == c.arithmetic_before_resize) events.push_back(-1);
    if (i < c.arithmetic.size()) events.push_back(static_cast<long long>(i));
  }
  auto dtype_of = [&](long long e) { return e < 0 ? DType::Float32 : c.arithmetic[e].dtype; };
  DType current = DType::Float32;
  for (long long e : events) {
    if (e < 0 || c.arithmetic[e].op != ArithOp::Cast) {
      current = dtype_of(e);  // bytes are exact in either dtype: earlier casts only choose this one
      break;
    }
  }
  out.push_back(object({{"op", quoted("to_float")}, {"dtype", quoted(dtype_text(current))}}));
  bool exact32 = true;      // the value is exactly a float32
  bool started = false;     // an arithmetic step or the resize has run
  bool round_pending = false;
  for (std::size_t k = 0; k < events.size(); ++k) {
    const long long e = events[k];
    if (e >= 0 && c.arithmetic[e].op == ArithOp::Cast) {
      if (started && c.arithmetic[e].dtype == DType::Float32) round_pending = true;
      continue;
    }
    const DType target = dtype_of(e);
    if (round_pending && current == DType::Float64 && !exact32) {
      out.push_back(cast(DType::Float32));
      current = DType::Float32;
      exact32 = true;
    }
    round_pending = false;
    if (target != current) {
      out.push_back(cast(target));
      current = target;
    }
    started = true;
    if (e < 0) {
      out.push_back(resize(c.float_resize));
      for (const CenterCropStep& crop : c.float_crops) out.push_back(center_crop(crop, false));
      exact32 = true;
      continue;
    }
    const ArithStep& a = c.arithmetic[e];
    const ArithStep* next = nullptr;
    if (a.op == ArithOp::Sub && k + 1 < events.size() && events[k + 1] >= 0) next = &c.arithmetic[events[k + 1]];
    if (next && next->op == ArithOp::Div && next->dtype == a.dtype) {
      out.push_back(object({{"op", quoted("normalize")},
                            {"mean", values(a.value, a.dtype)},
                            {"std", values(next->value, a.dtype)}}));
      ++k;
    } else {
      out.push_back(object({{"op", quoted(arith_name(a.op))}, {"value", values(a.value, a.dtype)}}));
    }
    exact32 = a.dtype == DType::Float32;
  }
}

std::string_view input_color(InputColor c) { return input_color_name(c); }

}  // namespace

std::string canonical_json(const Contract& c) {
  Members input{{"color", quoted(input_color(c.input_color))}};
  if (c.input_color == InputColor::RGBA || c.input_color == InputColor::BGRA) {
    switch (c.alpha) {
      case AlphaPolicy::Drop: input.emplace_back("alpha", quoted("drop")); break;
      case AlphaPolicy::Premultiply: input.emplace_back("alpha", quoted("premultiply")); break;
      case AlphaPolicy::Composite:
        input.emplace_back("alpha", quoted("composite"));
        input.emplace_back("background", array({integer(c.background[0]), integer(c.background[1]),
                                                integer(c.background[2])}));
        break;
    }
  }
  std::vector<std::string> steps;
  for (const GeometryStep& g : c.geometry) steps.push_back(geometry(g));
  if (c.has_float) float_steps(c, steps);
  const std::string_view dtype = c.output_dtype == DType::UInt8     ? "uint8"
                                 : c.output_dtype == DType::Float16 ? "float16"
                                                                    : "float32";
  const std::string_view color = c.output_color == OutputColor::BGR ? "BGR" : "RGB";
  return object({{"pixelpact", integer(kContractVersion)},
                 {"input", object(std::move(input))},
                 {"steps", array(steps)},
                 {"output", object({{"layout", quoted(layout_name(c.layout))},
                                    {"dtype", quoted(dtype)},
                                    {"color", quoted(color)}})}});
}

}  // namespace pixelpact::detail
