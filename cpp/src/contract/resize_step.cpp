#include "contract/resize_step.hpp"

#include <set>
#include <string>

#include "engines/registry.hpp"

namespace pixelpact::detail {
namespace {

// Fields every resize has, whatever its engine.
constexpr const char* kGenericFields[] = {"op",       "engine",   "interpolation", "size",
                                          "keep_ratio", "max_size", "multiple_of",   "min_side"};

bool is_generic(const std::string& key) {
  for (const char* g : kGenericFields)
    if (key == g) return true;
  return false;
}

bool has_field(const ResizeEngine& engine, const std::string& key) {
  for (std::string_view f : engine.fields())
    if (f == key) return true;
  return false;
}

// "multiple_of": {"value": m, "rounding": "floor" | "ceil"}.
void parse_multiple(const Node& node, SizeRule& r) {
  node.require_object({"value", "rounding"}, {"value", "rounding"});
  r.multiple = node.at("value").as_dimension();
  r.rounding = node.at("rounding").as_enum<SizeRule::Rounding>(
      {{"floor", SizeRule::Rounding::Floor}, {"ceil", SizeRule::Rounding::Ceil}, {"round", SizeRule::Rounding::Round}});
}

SizeRule parse_size_only(const Node& step);

// The size rule: an integer size (shorter side, or longer with keep_ratio),
// [height, width] (exact, or a box with keep_ratio), "scale" (factors), or
// neither with "multiple_of" (the input size rounded); then the multiple.
SizeRule parse_size_rule(const Node& step) {
  if (step.has("multiple_of") && step.has("scale")) {
    fail(step.at("multiple_of").path(), "multiple_of applies only with size (or alone), not scale");
  }
  if (step.has("multiple_of") && !step.has("size")) {
    for (const char* key : {"keep_ratio", "max_size", "min_side"}) {
      if (step.has(key)) fail(step.at(key).path(), std::string(key) + " needs an integer size");
    }
    SizeRule r;
    r.kind = SizeRule::Kind::Input;
    parse_multiple(step.at("multiple_of"), r);
    return r;
  }
  SizeRule r = parse_size_only(step);
  if (step.has("multiple_of")) {
    parse_multiple(step.at("multiple_of"), r);
    const bool dpt = r.kind == SizeRule::Kind::HfDpt || r.kind == SizeRule::Kind::HfDptKeep;
    if (dpt != (r.rounding == SizeRule::Rounding::Round)) {
      fail(step.at("multiple_of").at("rounding").path(),
           dpt ? "keep_ratio 'hf_dpt' and 'hf_dpt_keep' round to the multiple: rounding must be 'round'"
               : "rounding 'round' applies only with keep_ratio 'hf_dpt' or 'hf_dpt_keep'");
    }
  }
  return r;
}

SizeRule parse_size_only(const Node& step) {
  SizeRule r;
  if (step.has("scale")) {
    // cv2.resize(img, None, fx=fx, fy=fy): the sampling scale is fx itself.
    if (step.has("size")) fail(step.at("size").path(), "give either size or scale, not both");
    if (step.has("max_size")) {
      fail(step.at("max_size").path(), "max_size applies only when size is a single integer");
    }
    if (step.has("keep_ratio")) {
      fail(step.at("keep_ratio").path(), "keep_ratio applies only with size, not scale");
    }
    if (step.has("min_side")) fail(step.at("min_side").path(), "min_side applies only with keep_ratio 'hf_longest'");
    Node scale = step.at("scale");
    auto positive = [](const Node& n) {
      double v = n.as_number();
      if (!(v > 0)) fail(n.path(), n.describe() + " is less than or equal to the minimum of 0");
      return v;
    };
    r.kind = SizeRule::Kind::Scale;
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
    return r;
  }
  if (!step.has("size")) fail(step.path(), "missing required property 'size'");
  Node size = step.at("size");
  enum class Keep { Default, Shorter, Longer, NotSmaller, NotLarger, HfShortestLongest, HfYolos, HfVilt,
                    NotLargerTruncated, HfDpt, HfDptKeep, HfLongest, TfPreserveAspectRatio,
                    TfResizeWithPad };
  Keep keep = Keep::Default;
  if (step.has("keep_ratio")) {
    Node node = step.at("keep_ratio");
    keep = node.as_enum<Keep>({{"shorter", Keep::Shorter},
                               {"longer", Keep::Longer},
                               {"not_smaller", Keep::NotSmaller},
                               {"not_larger", Keep::NotLarger},
                               {"hf_shortest_longest", Keep::HfShortestLongest},
                               {"hf_yolos", Keep::HfYolos},
                               {"hf_vilt", Keep::HfVilt},
                               {"not_larger_truncated", Keep::NotLargerTruncated},
                               {"hf_dpt", Keep::HfDpt},
                               {"hf_dpt_keep", Keep::HfDptKeep},
                               {"hf_longest", Keep::HfLongest},
                               {"tf_preserve_aspect_ratio", Keep::TfPreserveAspectRatio},
                               {"tf_resize_with_pad", Keep::TfResizeWithPad}});
    const bool wants_int = keep != Keep::NotSmaller && keep != Keep::NotLarger &&
                           keep != Keep::NotLargerTruncated && keep != Keep::HfDpt && keep != Keep::HfDptKeep &&
                           keep != Keep::TfPreserveAspectRatio && keep != Keep::TfResizeWithPad;
    if (wants_int != size.is_integer()) {
      fail(node.path(), wants_int ? "keep_ratio '" + node.as_string() + "' needs an integer size"
                                  : "keep_ratio '" + node.as_string() + "' needs size [height, width]");
    }
    if (keep == Keep::Longer && step.has("max_size")) {
      fail(step.at("max_size").path(), "max_size does not combine with keep_ratio 'longer'");
    }
  }
  if (size.is_integer()) {
    r.kind = keep == Keep::Longer              ? SizeRule::Kind::Longer
             : keep == Keep::HfShortestLongest ? SizeRule::Kind::HfShortestLongest
             : keep == Keep::HfYolos           ? SizeRule::Kind::HfYolos
             : keep == Keep::HfVilt            ? SizeRule::Kind::HfVilt
             : keep == Keep::HfLongest         ? SizeRule::Kind::HfLongest
                                               : SizeRule::Kind::Shorter;
    r.size = size.as_dimension();
    if (step.has("min_side")) {
      if (r.kind != SizeRule::Kind::HfLongest) {
        fail(step.at("min_side").path(), "min_side applies only with keep_ratio 'hf_longest'");
      }
      r.min_side = step.at("min_side").as_dimension();
    }
    if (r.kind == SizeRule::Kind::HfLongest && step.has("max_size")) {
      fail(step.at("max_size").path(), "max_size does not combine with keep_ratio 'hf_longest'");
    }
    if (step.has("max_size")) {
      r.max_size = step.at("max_size").as_dimension();
      // transformers' rules take any longest edge (e.g. 640 and 640)
      if (r.kind == SizeRule::Kind::Shorter && r.max_size <= r.size) {
        fail(step.at("max_size").path(), "max_size (" + std::to_string(r.max_size) +
                                             ") must be greater than size (" + std::to_string(r.size) + ")");
      }
    }
    return r;
  }
  if (step.has("max_size")) {
    fail(step.at("max_size").path(), "max_size applies only when size is a single integer");
  }
  if (step.has("min_side")) fail(step.at("min_side").path(), "min_side applies only with keep_ratio 'hf_longest'");
  auto hw = height_width(size);
  r.height = hw.first;
  r.width = hw.second;
  r.kind = keep == Keep::NotSmaller           ? SizeRule::Kind::NotSmaller
           : keep == Keep::NotLarger          ? SizeRule::Kind::NotLarger
           : keep == Keep::NotLargerTruncated ? SizeRule::Kind::NotLargerTruncated
           : keep == Keep::HfDpt              ? SizeRule::Kind::HfDpt
           : keep == Keep::HfDptKeep          ? SizeRule::Kind::HfDptKeep
           : keep == Keep::TfPreserveAspectRatio ? SizeRule::Kind::TfPreserveAspectRatio
           : keep == Keep::TfResizeWithPad    ? SizeRule::Kind::TfResizeWithPad
                                              : SizeRule::Kind::Exact;
  return r;
}

}  // namespace

ResizeStep parse_resize(const Node& step, ResizeUse use) {
  // Every field some engine has is a known property; which engine may use it
  // is checked once the engine is known.
  std::set<std::string> fields(std::begin(kGenericFields), std::end(kGenericFields));
  for (const ResizeEngine* e : engines())
    for (std::string_view f : e->fields()) fields.emplace(f);
  if (!step.value().is_object()) fail(step.path(), "expected an object, got " + step.describe());
  for (auto it = step.value().begin(); it != step.value().end(); ++it) {
    if (!fields.count(it.key())) {
      fail(step.path() + "/" + pointer_token(it.key()), "unknown property '" + bounded_utf8(it.key(), 60) + "'");
    }
  }
  for (const char* name : {"op", "interpolation", "engine"}) {
    if (!step.has(name)) fail(step.path(), std::string("missing required property '") + name + "'");
  }

  ResizeStep r;
  const Node engine = step.at("engine");
  if (engine.value().is_string()) r.engine = find_engine(engine.value().get_ref<const std::string&>());
  if (!r.engine) {
    std::string names;
    for (const ResizeEngine* e : engines()) names += (names.empty() ? "'" : ", '") + std::string(e->name()) + "'";
    fail(engine.path(), engine.describe() + " is not one of " + names);
  }
  for (auto it = step.value().begin(); it != step.value().end(); ++it) {
    if (is_generic(it.key()) || has_field(*r.engine, it.key())) continue;
    fail(step.path() + "/" + it.key(),
         it.key() + " applies only to " +
             engines_that([&](const ResizeEngine& e) { return has_field(e, it.key()); }) + ", not '" +
             std::string(r.engine->name()) + "'");
  }
  r.size = parse_size_rule(step);
  r.mode = r.engine->parse(step, use);
  return r;
}

ResizeStep letterbox_resize(const Node& step, const char* engine_name) {
  ResizeStep r;
  r.engine = find_engine(engine_name);
  if (!r.engine) throw Error(ErrorCode::Internal, "", std::string("no resize engine '") + engine_name + "'");
  r.mode = r.engine->parse(step, ResizeUse::Letterbox);
  return r;
}

}  // namespace pixelpact::detail
