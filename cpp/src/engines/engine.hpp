// A resize engine: whose resize arithmetic a resize step reproduces ("engine":
// "pillow", "torch", "opencv"). Each engine lives in its own folder
// (engines/<name>/) and owns everything about it: its contract fields, its
// modes, its coefficients and index tables, its stages and which kernels they
// call. The contract, the plan and the executor talk to this interface only;
// engines/registry.cpp lists the engines.
//
// Shared by every engine and therefore not here: the size rules
// (geometry/size_rules.hpp) and the generic resize fields (op, engine,
// interpolation, size, keep_ratio, max_size: contract/resize_step.cpp).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "engines/stage.hpp"
#include "image/rect.hpp"
#include "json/canonical_text.hpp"
#include "json/node.hpp"

namespace pixelpact::detail {

// Where a resize runs, which decides what its engine may offer.
enum class ResizeUse {
  Pixels,     // a resize step on uint8 pixels (before to_float)
  Float,      // a resize step on float32 planes (after to_float)
  Letterbox,  // the resampling of a letterbox step: only "interpolation" (default
              // "bilinear") is given, in the letterbox step's object
};

// One resize to plan: in_h x in_w -> out_h x out_w, of which only `need` (a
// rectangle of the output) is computed.
struct ResampleRequest {
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  Rect need;
  int channels = 3;  // working channels: 1 (GRAY), 3, or 4 (alpha 'premultiply')
  // The size rule's own sampling scale ("scale": cv2.resize fx, fy), or 0: the
  // engine samples at in / out. Only engines listing the field "scale" see one.
  double scale_y = 0, scale_x = 0;
};

// An engine's parsed fields of one resize step (its mode): everything planning
// needs from the contract. Immutable; shared by the plans of every input size.
class ResizeMode {
 public:
  virtual ~ResizeMode() = default;
  // The uint8 stage for `request` (ResizeUse::Pixels and ::Letterbox modes). Its
  // out_rect is request.need, its in_rect the input rectangle that needs.
  virtual std::unique_ptr<const Stage> plan(const ResampleRequest& request) const = 0;
  // The float32 stage (ResizeUse::Float modes only). Throws Error(Unsupported)
  // for a size the engine's arithmetic is not reproduced at.
  virtual std::unique_ptr<const FloatStage> plan_float(int in_h, int in_w, int out_h, int out_w) const;
  // The mode's own fields in the contract's canonical form (contract/canonical.hpp):
  // "interpolation" and, outside a letterbox, the engine's fields with every default
  // written out, one spelling per meaning, and a field the arithmetic ignores at its
  // default (so contracts that compute the same bytes write the same text).
  virtual void canonical_fields(CanonicalMembers& members) const = 0;
};

class ResizeEngine {
 public:
  virtual ~ResizeEngine() = default;

  // The name in contracts ("engine": "pillow").
  virtual std::string_view name() const = 0;
  // The fields of a resize step this engine adds to the generic ones (op, engine,
  // interpolation, size, keep_ratio, max_size); "scale" admits that size rule.
  // Any other engine's field is refused, naming the engines that have it.
  virtual std::vector<std::string_view> fields() const = 0;
  // Whether it resizes float32 planes after to_float (ResizeUse::Float).
  virtual bool resizes_floats() const { return false; }
  // Whether an RGBA image with alpha 'premultiply' may go through it (its
  // stages then resample RGBa, as Pillow does).
  virtual bool premultiplies_alpha() const { return false; }

  // Parses this engine's fields of `step` (a resize step, or for
  // ResizeUse::Letterbox the letterbox step) into a mode. The generic fields are
  // parsed and other engines' fields refused before this is called. Throws
  // Error(InvalidContract) naming the field.
  virtual std::shared_ptr<const ResizeMode> parse(const Node& step, ResizeUse use) const = 0;
};

}  // namespace pixelpact::detail
