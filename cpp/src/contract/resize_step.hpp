// Parsing a resize: the generic fields (op, engine, interpolation and the size
// rule: size, keep_ratio, max_size, scale) here, the engine's own fields by the
// engine (engines/engine.hpp), found in the registry by name.
#pragma once

#include <memory>

#include "engines/engine.hpp"
#include "geometry/size_rules.hpp"
#include "json/node.hpp"

namespace pixelpact::detail {

// A resize: the shared size rule and the engine's own mode (engines/engine.hpp).
struct ResizeStep {
  SizeRule size;
  const ResizeEngine* engine = nullptr;
  std::shared_ptr<const ResizeMode> mode;
};

// A "resize" step object. `use` is ResizeUse::Pixels or ResizeUse::Float.
ResizeStep parse_resize(const Node& step, ResizeUse use);

// The resampling of a letterbox step: engine `engine_name` (a registered
// engine) with the step's "interpolation" (default bilinear); no size rule.
ResizeStep letterbox_resize(const Node& step, const char* engine_name);

}  // namespace pixelpact::detail
