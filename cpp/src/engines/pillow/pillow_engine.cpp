// Engine 'pillow': Pillow's Image.resize (what torchvision transforms do to a PIL
// image), any Pillow release's pixels ("version"). Its fields, its modes and its
// stages: NEAREST gathers Pillow's accumulated indices, every other filter is the
// shared 22-bit convolution with Pillow's weights (coefficients.cpp) in the
// release's pass order, premultiplied for an RGBA image (alpha 'premultiply').
// Kernels: conv_horizontal, conv_vertical, gather_nearest.
#include <memory>

#include "engines/common/conv_stage.hpp"
#include "engines/common/gather_stage.hpp"
#include "engines/engine.hpp"
#include "engines/pillow/coefficients.hpp"

namespace pixelpact::detail {
namespace {

const char* filter_name(PillowFilter f) {
  switch (f) {
    case PillowFilter::Nearest: return "nearest";
    case PillowFilter::Box: return "box";
    case PillowFilter::Bilinear: return "bilinear";
    case PillowFilter::Hamming: return "hamming";
    case PillowFilter::Bicubic: return "bicubic";
    case PillowFilter::Lanczos: return "lanczos";
  }
  return "";
}

const char* version_name(PillowVersion v) {
  switch (v) {
    case PillowVersion::V12_1: return "12.1";
    case PillowVersion::V12_2: return "12.2";
    case PillowVersion::V13: return "13";
  }
  return "";
}

class PillowMode : public ResizeMode {
 public:
  PillowMode(PillowFilter filter, PillowVersion version, ResizeUse use)
      : filter_(filter), version_(version), use_(use) {}

  std::unique_ptr<const Stage> plan(const ResampleRequest& r) const override {
    if (filter_ == PillowFilter::Nearest) {
      return plan_gather_stage(r, pillow_nearest_indices(r.in_h, r.out_h, r.need.y0, r.need.y1),
                               pillow_nearest_indices(r.in_w, r.out_w, r.need.x0, r.need.x1));
    }
    const PillowFilter filter = filter_;
    return plan_conv_stage(r, pillow_vertical_first(r.in_h, r.in_w, r.out_h, r.out_w, version_),
                           /*premultiply_rgba=*/true, [filter](int in, int out, int begin, int end) {
                             return pillow_axis_weights(in, out, filter, begin, end);
                           });
  }

  void canonical_fields(CanonicalMembers& m) const override {
    m.emplace_back("interpolation", canonical_quoted(filter_name(filter_)));
    if (use_ == ResizeUse::Letterbox) return;
    // NEAREST's pixels are the same in every release.
    m.emplace_back("version", canonical_quoted(filter_ == PillowFilter::Nearest ? "13" : version_name(version_)));
  }

 private:
  PillowFilter filter_;
  PillowVersion version_;
  ResizeUse use_;
};

class PillowEngine : public ResizeEngine {
 public:
  std::string_view name() const override { return "pillow"; }
  std::vector<std::string_view> fields() const override { return {"version"}; }
  bool premultiplies_alpha() const override { return true; }

  std::shared_ptr<const ResizeMode> parse(const Node& step, ResizeUse use) const override {
    PillowFilter filter = PillowFilter::Bilinear;
    if (step.has("interpolation")) {
      const Node interpolation = step.at("interpolation");
      if (interpolation.value() == "nearest-exact") {
        fail(interpolation.path(), use == ResizeUse::Letterbox
                                       ? "'nearest-exact' is not a Pillow filter"
                                       : "'nearest-exact' is a torch interpolation; engine 'pillow' has 'nearest'");
      }
      filter = interpolation.as_enum<PillowFilter>({{"nearest", PillowFilter::Nearest},
                                                    {"box", PillowFilter::Box},
                                                    {"bilinear", PillowFilter::Bilinear},
                                                    {"hamming", PillowFilter::Hamming},
                                                    {"bicubic", PillowFilter::Bicubic},
                                                    {"lanczos", PillowFilter::Lanczos}});
    }
    PillowVersion version = PillowVersion::V13;
    if (step.has("version")) {
      version = step.at("version").as_enum<PillowVersion>({{"12.1", PillowVersion::V12_1},
                                                           {"12", PillowVersion::V12_2},
                                                           {"12.2", PillowVersion::V12_2},
                                                           {"12.3", PillowVersion::V12_2},
                                                           {"13", PillowVersion::V13}});
    }
    return std::make_shared<PillowMode>(filter, version, use);
  }
};

}  // namespace

const ResizeEngine& pillow_engine() {
  static const PillowEngine engine;
  return engine;
}

}  // namespace pixelpact::detail
