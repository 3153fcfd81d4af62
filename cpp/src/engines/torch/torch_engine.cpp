// Engine 'torch': torch 2.14's CPU resize. On uint8 pixels, what torchvision v2's
// Resize does to a uint8 CHW tensor: nearest / nearest-exact gather torch's float
// indices, bilinear / bicubic / lanczos are the shared 22-bit convolution with
// torch's int16 weights (coefficients.cpp), horizontal pass first. After
// to_float, torchvision v1's Resize on a float tensor: float32 planes through the
// torch_float_resize kernel (float_coefficients.cpp).
// Kernels: conv_horizontal, conv_vertical, gather_nearest, torch_float_resize.
#include <memory>

#include "engines/common/conv_stage.hpp"
#include "engines/common/gather_stage.hpp"
#include "engines/engine.hpp"
#include "engines/torch/coefficients.hpp"
#include "engines/torch/float_coefficients.hpp"

namespace pixelpact::detail {
namespace {

// torch's float32 resize of one plane, torch's default configuration: a
// contiguous CHW tensor and more than one thread (see docs/engines.md).
class TorchFloatStage : public FloatStage {
 public:
  kernels::TorchFloatKind kind = kernels::TorchFloatKind::LinearGeneric;
  TorchFloatAxisPlan y, x;

  std::size_t work_floats() const override {
    return kind == kernels::TorchFloatKind::Antialias ? static_cast<std::size_t>(in_h) * out_w : 0;
  }

  void run(const float* in, float* out, float* work, const kernels::KernelTable& k) const override {
    kernels::TorchFloatResize r;
    r.kind = kind;
    r.in_h = in_h;
    r.in_w = in_w;
    r.out_h = out_h;
    r.out_w = out_w;
    r.y = y.view();
    r.x = x.view();
    r.scratch = work;
    k.torch_float_resize(r, in, out);
  }
};

const char* mode_name(TorchInterpolation f) {
  switch (f) {
    case TorchInterpolation::Nearest: return "nearest";
    case TorchInterpolation::NearestExact: return "nearest-exact";
    case TorchInterpolation::Bilinear: return "bilinear";
    case TorchInterpolation::Bicubic: return "bicubic";
    case TorchInterpolation::Lanczos: return "lanczos";
  }
  return "";
}

class TorchMode : public ResizeMode {
 public:
  TorchMode(TorchInterpolation filter, bool antialias, bool area)
      : filter_(filter), antialias_(antialias), area_(area) {}

  std::unique_ptr<const Stage> plan(const ResampleRequest& r) const override {
    if (filter_ == TorchInterpolation::Nearest || filter_ == TorchInterpolation::NearestExact) {
      return plan_gather_stage(r, torch_nearest_indices(r.in_h, r.out_h, filter_, r.need.y0, r.need.y1),
                               torch_nearest_indices(r.in_w, r.out_w, filter_, r.need.x0, r.need.x1));
    }
    const TorchInterpolation filter = filter_;
    const bool antialias = antialias_;
    // torch always resamples horizontally first.
    return plan_conv_stage(r, /*vertical_first=*/false, /*premultiply_rgba=*/false,
                           [filter, antialias](int in, int out, int begin, int end) {
                             return torch_axis_weights(in, out, filter, antialias, begin, end);
                           });
  }

  std::unique_ptr<const FloatStage> plan_float(int in_h, int in_w, int out_h, int out_w) const override {
    // torchvision v1 Resize on a contiguous float CHW tensor with torch's default
    // thread count (> 1). Bilinear then runs the generic NCHW kernel unless the
    // output is small (h + w <= 128), where torch switches to its channels-last
    // kernel (_use_vectorized_kernel_cond_2d).
    auto st = std::make_unique<TorchFloatStage>();
    st->in_h = in_h;
    st->in_w = in_w;
    st->out_h = out_h;
    st->out_w = out_w;
    using kernels::TorchFloatKind;
    st->kind = area_ ? TorchFloatKind::Area
             : antialias_ ? TorchFloatKind::Antialias
             : filter_ == TorchInterpolation::Bicubic ? TorchFloatKind::Cubic
             : out_h + out_w <= 128 ? TorchFloatKind::LinearChannelsLast
                                    : TorchFloatKind::LinearGeneric;
    if (st->kind == TorchFloatKind::Area && out_h == 1 && out_w == 1) {
      // adaptive_avg_pool2d to 1x1 is input.mean((-1, -2)): torch's cascade sum.
      throw Error(ErrorCode::Unsupported, "",
                  "'area' to a 1x1 image is torch's mean(), whose summation order is not reproduced");
    }
    st->y = torch_float_axis(in_h, out_h, st->kind, filter_);
    st->x = torch_float_axis(in_w, out_w, st->kind, filter_);
    return st;
  }

  void canonical_fields(CanonicalMembers& m) const override {
    if (area_) {
      m.emplace_back("interpolation", canonical_quoted("area"));
      return;
    }
    m.emplace_back("interpolation", canonical_quoted(mode_name(filter_)));
    // The nearest modes ignore antialias: the default.
    const bool nearest = filter_ == TorchInterpolation::Nearest || filter_ == TorchInterpolation::NearestExact;
    m.emplace_back("antialias", canonical_boolean(nearest || antialias_));
  }

 private:
  TorchInterpolation filter_;
  bool antialias_;
  bool area_;  // F.interpolate(mode='area'), float only
};

class TorchEngine : public ResizeEngine {
 public:
  std::string_view name() const override { return "torch"; }
  std::vector<std::string_view> fields() const override { return {"antialias"}; }
  bool resizes_floats() const override { return true; }

  std::shared_ptr<const ResizeMode> parse(const Node& step, ResizeUse use) const override {
    const Node interpolation = step.at("interpolation");
    if (interpolation.value() == "area") {
      // F.interpolate(mode='area'): adaptive average pooling, float only.
      if (use != ResizeUse::Float) {
        fail(interpolation.path(),
             "'area' is torch's float resize (adaptive average pooling): put the resize after 'to_float'");
      }
      if (step.has("antialias")) {
        fail(step.at("antialias").path(), "antialias does not apply to 'area' (F.interpolate rejects it)");
      }
      return std::make_shared<TorchMode>(TorchInterpolation::Bilinear, false, true);
    }
    const auto filter = interpolation.as_enum<TorchInterpolation>(
        {{"bilinear", TorchInterpolation::Bilinear},
         {"bicubic", TorchInterpolation::Bicubic},
         {"lanczos", TorchInterpolation::Lanczos},
         {"nearest", TorchInterpolation::Nearest},
         {"nearest-exact", TorchInterpolation::NearestExact}});
    bool antialias = true;  // torchvision v2's default; nearest modes ignore it, as torchvision does
    if (step.has("antialias")) {
      const Node aa = step.at("antialias");
      antialias = aa.as_bool();
      if (filter == TorchInterpolation::Lanczos && !antialias) {
        fail(aa.path(), "lanczos requires antialias true (torchvision raises ValueError)");
      }
    }
    if (use == ResizeUse::Float && filter != TorchInterpolation::Bilinear && filter != TorchInterpolation::Bicubic) {
      fail(interpolation.path(),
           "a float resize supports bilinear, bicubic and area (nearest modes and lanczos are not supported)");
    }
    return std::make_shared<TorchMode>(filter, antialias, false);
  }
};

}  // namespace

const ResizeEngine& torch_engine() {
  static const TorchEngine engine;
  return engine;
}

}  // namespace pixelpact::detail
