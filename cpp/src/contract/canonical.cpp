// Writes the canonical form of a parsed contract (rules in canonical.hpp). The
// writer builds the text directly: objects are lists of (key, JSON text) pairs
// sorted by key, so no JSON library decides how a number looks.
#include "contract/canonical.hpp"

#include "json/canonical_text.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pixelpact::detail {
namespace {

using Members = CanonicalMembers;

std::string object(Members members) { return canonical_object(std::move(members)); }
std::string array(const std::vector<std::string>& items) { return canonical_array(items); }
std::string quoted(std::string_view s) { return canonical_quoted(s); }
std::string integer(long long v) { return canonical_integer(v); }
std::string boolean(bool v) { return canonical_boolean(v); }
std::string number(double v) { return canonical_number(v); }
std::string number32(double v) { return canonical_number32(v); }

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

// The size rule (shared by every engine), then the engine's name and its own fields.
std::string resize(const ResizeStep& r) {
  Members m{{"op", quoted("resize")}};
  const SizeRule& size = r.size;
  switch (size.kind) {
    case SizeRule::Kind::Scale: {
      const std::string scale[2] = {number(size.scale_y), number(size.scale_x)};
      m.emplace_back("scale", scale[0] == scale[1] ? scale[0] : array({scale[0], scale[1]}));
      break;
    }
    case SizeRule::Kind::Shorter:
    case SizeRule::Kind::Longer:
    case SizeRule::Kind::HfShortestLongest:
    case SizeRule::Kind::HfYolos:
    case SizeRule::Kind::HfVilt:
    case SizeRule::Kind::HfLongest:
      m.emplace_back("size", integer(size.size));
      m.emplace_back("keep_ratio", quoted(size.kind == SizeRule::Kind::Longer              ? "longer"
                                          : size.kind == SizeRule::Kind::HfShortestLongest ? "hf_shortest_longest"
                                          : size.kind == SizeRule::Kind::HfYolos           ? "hf_yolos"
                                          : size.kind == SizeRule::Kind::HfVilt            ? "hf_vilt"
                                          : size.kind == SizeRule::Kind::HfLongest         ? "hf_longest"
                                                                                           : "shorter"));
      if (size.max_size > 0) m.emplace_back("max_size", integer(size.max_size));
      if (size.min_side > 0) m.emplace_back("min_side", integer(size.min_side));
      break;
    case SizeRule::Kind::Exact:
    case SizeRule::Kind::NotSmaller:
    case SizeRule::Kind::NotLarger:
    case SizeRule::Kind::NotLargerTruncated:
    case SizeRule::Kind::HfDpt:
    case SizeRule::Kind::HfDptKeep:
    case SizeRule::Kind::TfPreserveAspectRatio:
    case SizeRule::Kind::TfResizeWithPad:
      m.emplace_back("size", height_width(size.height, size.width));
      if (size.kind == SizeRule::Kind::HfDpt) m.emplace_back("keep_ratio", quoted("hf_dpt"));
      if (size.kind == SizeRule::Kind::HfDptKeep) m.emplace_back("keep_ratio", quoted("hf_dpt_keep"));
      if (size.kind == SizeRule::Kind::NotSmaller) m.emplace_back("keep_ratio", quoted("not_smaller"));
      if (size.kind == SizeRule::Kind::NotLarger) m.emplace_back("keep_ratio", quoted("not_larger"));
      if (size.kind == SizeRule::Kind::NotLargerTruncated) {
        m.emplace_back("keep_ratio", quoted("not_larger_truncated"));
      }
      if (size.kind == SizeRule::Kind::TfPreserveAspectRatio) {
        m.emplace_back("keep_ratio", quoted("tf_preserve_aspect_ratio"));
      }
      if (size.kind == SizeRule::Kind::TfResizeWithPad) m.emplace_back("keep_ratio", quoted("tf_resize_with_pad"));
      break;
    case SizeRule::Kind::Input:
      break;
  }
  const bool dpt = size.kind == SizeRule::Kind::HfDpt || size.kind == SizeRule::Kind::HfDptKeep;
  if (size.multiple > 0 || dpt) {  // DPT's rules round to a multiple of 1 by default
    m.emplace_back("multiple_of",
                   object({{"rounding", quoted(dpt || size.rounding == SizeRule::Rounding::Round ? "round"
                                               : size.rounding == SizeRule::Rounding::Ceil        ? "ceil"
                                                                                                  : "floor")},
                           {"value", integer(size.multiple > 0 ? size.multiple : 1)}}));
  }
  m.emplace_back("engine", quoted(r.engine->name()));
  r.mode->canonical_fields(m);
  return object(std::move(m));
}

std::string_view center_crop_rule(CenterCropRule rule) {
  switch (rule) {
    case CenterCropRule::Torchvision: return "torchvision";
    case CenterCropRule::HfPil: return "hf_pil";
    case CenterCropRule::HfTorchvision: return "hf_torchvision";
    case CenterCropRule::KerasCropToAspectRatio: return "keras_crop_to_aspect_ratio";
    case CenterCropRule::KerasPadToAspectRatio: return "keras_pad_to_aspect_ratio";
  }
  return "";
}

std::string center_crop(const CenterCropStep& c, bool with_fill) {
  if (c.central_fraction > 0) {
    return object({{"op", quoted("center_crop")}, {"central_fraction", canonical_number(c.central_fraction)}});
  }
  Members m{{"op", quoted("center_crop")}, {"rule", quoted(center_crop_rule(c.rule))}};
  if (c.fraction_h > 0) {
    m.emplace_back("fraction_of_shorter", array({number(c.fraction_h), number(c.fraction_w)}));
  } else {
    m.emplace_back("size", height_width(c.height, c.width));
  }
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
      m.emplace_back("rule", quoted("ultralytics"));
      m.emplace_back("fill", fill(l.fill));
      m.emplace_back("auto", boolean(l.auto_stride));
      m.emplace_back("stride", integer(l.auto_stride ? l.stride : 32));
      m.emplace_back("scaleup", boolean(l.scaleup));
      m.emplace_back("center", boolean(l.center));
      m.emplace_back("engine", quoted(l.resize.engine->name()));
      l.resize.mode->canonical_fields(m);  // "interpolation"
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
    if (p->to_square) return object({{"op", quoted("pad_to_square")}, {"fill", fill(p->fill)}});
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
  // Written only when not the default, so that fingerprints of contracts that
  // decode nothing special stay as they were.
  Members decode;
  if (c.orientation == Orientation::Exif) decode.emplace_back("orientation", quoted("exif"));
  if (c.decoder == Decoder::TensorFlow) decode.emplace_back("decoder", quoted("tensorflow"));
  if (!decode.empty()) input.emplace_back("decode", object(decode));
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
