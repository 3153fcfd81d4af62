// Engine 'tensorflow': tf.image.resize of TensorFlow 2.21 (CPU, the x86
// tensorflow-cpu wheel). TensorFlow resamples in float32 and returns unrounded
// float32 (a uint8 image is read as float32, which is exact): in a contract that
// is a resize after to_float, run per plane by the tensorflow_resize kernel with
// the indices and weights of coefficients.cpp. 'nearest' keeps the dtype, so it
// may also run on uint8 pixels (before to_float): the shared gather stage with
// TensorFlow's indices. Kernels: gather_nearest, tensorflow_resize.
#include <memory>

#include "engines/common/gather_stage.hpp"
#include "engines/engine.hpp"
#include "engines/tensorflow/coefficients.hpp"

namespace pixelpact::detail {
namespace {

using kernels::TensorflowKind;

class TensorflowFloatStage : public FloatStage {
 public:
  TensorflowKind kind = TensorflowKind::Bilinear;
  TensorflowAxisPlan y, x;
  float area_scale = 0;

  std::size_t work_floats() const override {
    return kind == TensorflowKind::Spans ? static_cast<std::size_t>(out_h) * in_w : 0;
  }

  void run(const float* in, float* out, float* work, const kernels::KernelTable& k) const override {
    kernels::TensorflowResize r;
    r.kind = kind;
    r.in_h = plane_h != 0 ? plane_h : in_h;  // the dense plane of the samples read
    r.in_w = plane_w != 0 ? plane_w : in_w;
    r.out_h = out_h;
    r.out_w = out_w;
    r.y = y.view();
    r.x = x.view();
    r.area_scale = area_scale;
    r.scratch = work;
    k.tensorflow_resize(r, in, out);
  }
};

struct MethodName {
  const char* name;
  TensorflowMethod method;
};
constexpr MethodName kMethods[] = {
    {"bilinear", TensorflowMethod::Bilinear},   {"nearest", TensorflowMethod::Nearest},
    {"bicubic", TensorflowMethod::Bicubic},     {"area", TensorflowMethod::Area},
    {"lanczos3", TensorflowMethod::Lanczos3},   {"lanczos5", TensorflowMethod::Lanczos5},
    {"gaussian", TensorflowMethod::Gaussian},   {"mitchellcubic", TensorflowMethod::MitchellCubic},
};

const char* method_name(TensorflowMethod m) {
  for (const MethodName& n : kMethods)
    if (n.method == m) return n.name;
  return "";
}

// Renumbers the axis' input indices to their positions in `read` (ascending,
// holding every index the kernel reads); entries the kernel never reads (unused
// taps) become 0.
void compact(TensorflowAxisPlan& axis, const std::vector<int>& read, int in_size) {
  std::vector<std::int32_t> position(static_cast<std::size_t>(in_size), -1);
  for (std::size_t i = 0; i < read.size(); ++i) position[static_cast<std::size_t>(read[i])] = static_cast<std::int32_t>(i);
  for (auto& index : axis.index) {
    const std::int32_t p = index >= 0 && index < in_size ? position[static_cast<std::size_t>(index)] : -1;
    index = p >= 0 ? p : 0;
  }
}

class TensorflowMode : public ResizeMode {
 public:
  TensorflowMode(TensorflowMethod method, bool antialias) : method_(method), antialias_(antialias) {}

  std::unique_ptr<const Stage> plan(const ResampleRequest& r) const override {
    // Only 'nearest' runs on uint8 pixels (parse refuses the rest there).
    return plan_gather_stage(r, tensorflow_nearest_indices(r.in_h, r.out_h, r.need.y0, r.need.y1),
                             tensorflow_nearest_indices(r.in_w, r.out_w, r.need.x0, r.need.x1));
  }

  std::unique_ptr<const FloatStage> plan_float(int in_h, int in_w, int out_h, int out_w) const override {
    auto st = std::make_unique<TensorflowFloatStage>();
    st->in_h = in_h;
    st->in_w = in_w;
    st->out_h = out_h;
    st->out_w = out_w;
    st->kind = tensorflow_kind(method_, antialias_);
    // ResizeBilinear to the input's own size casts (no arithmetic).
    if (st->kind == TensorflowKind::Bilinear && in_h == out_h && in_w == out_w) st->kind = TensorflowKind::Copy;
    st->y = tensorflow_axis(in_h, out_h, st->kind, method_, antialias_, /*horizontal=*/false);
    st->x = tensorflow_axis(in_w, out_w, st->kind, method_, antialias_, /*horizontal=*/true);
    if (st->kind == TensorflowKind::Area) st->area_scale = tensorflow_area_scale(in_h, in_w, out_h, out_w);
    // The samples the kernel reads: every tap's row and column; Spans' vertical pass
    // reads whole rows; Copy reads everything.
    if (st->kind != TensorflowKind::Copy) {
      st->rows_read = tensorflow_samples_read(st->y, in_h, st->kind);
      if (st->kind != TensorflowKind::Spans) st->cols_read = tensorflow_samples_read(st->x, in_w, st->kind);
      // The kernel reads a dense plane of only those samples: its indices are
      // renumbered to positions in rows_read / cols_read. A Spans run of
      // consecutive inputs stays consecutive (every input of the run is read).
      compact(st->y, st->rows_read, in_h);
      st->plane_h = static_cast<int>(st->rows_read.size());
      if (!st->cols_read.empty()) {
        compact(st->x, st->cols_read, in_w);
        st->plane_w = static_cast<int>(st->cols_read.size());
      }
    }
    return st;
  }

  void canonical_fields(CanonicalMembers& m) const override {
    m.emplace_back("interpolation", canonical_quoted(method_name(method_)));
    // nearest and area ignore antialias (tf.image.resize does): the default.
    const bool ignored = method_ == TensorflowMethod::Nearest || method_ == TensorflowMethod::Area;
    m.emplace_back("antialias", canonical_boolean(!ignored && antialias_));
  }

 private:
  TensorflowMethod method_;
  bool antialias_;
};

class TensorflowEngine : public ResizeEngine {
 public:
  std::string_view name() const override { return "tensorflow"; }
  std::vector<std::string_view> fields() const override { return {"antialias"}; }
  bool resizes_floats() const override { return true; }

  std::shared_ptr<const ResizeMode> parse(const Node& step, ResizeUse use) const override {
    const Node interpolation = step.at("interpolation");
    const auto method = interpolation.as_enum<TensorflowMethod>(
        {{"bilinear", TensorflowMethod::Bilinear},
         {"nearest", TensorflowMethod::Nearest},
         {"bicubic", TensorflowMethod::Bicubic},
         {"area", TensorflowMethod::Area},
         {"lanczos3", TensorflowMethod::Lanczos3},
         {"lanczos5", TensorflowMethod::Lanczos5},
         {"gaussian", TensorflowMethod::Gaussian},
         {"mitchellcubic", TensorflowMethod::MitchellCubic}});
    const bool antialias = step.has("antialias") && step.at("antialias").as_bool();  // TensorFlow's default: false
    if (use == ResizeUse::Letterbox) {
      fail(interpolation.path(), "engine 'tensorflow' has no letterbox (tf.image.resize_with_pad is a resize "
                                 "after to_float followed by pad)");
    }
    if (use == ResizeUse::Pixels && method != TensorflowMethod::Nearest) {
      fail(interpolation.path(), "tf.image.resize '" + std::string(method_name(method)) +
                                     "' returns unrounded float32: put the resize after 'to_float' (only "
                                     "'nearest' keeps the uint8 dtype)");
    }
    return std::make_shared<TensorflowMode>(method, antialias);
  }
};

}  // namespace

const ResizeEngine& tensorflow_engine() {
  static const TensorflowEngine engine;
  return engine;
}

}  // namespace pixelpact::detail
