// Engine 'opencv': cv2.resize on uint8, OpenCV 4.x or 5.x's own code (IPP off),
// to a size or, with the size rule "scale", by factors fx, fy that are also the
// sampling scale. Nearest flavours gather OpenCV's indices; every other mode is
// an OpencvStage with the tables of tables.cpp. Also the resampler of letterbox
// steps (Ultralytics and cv2.dnn resize with cv2.resize).
// Kernels: gather_nearest, opencv_* (kernels/*/opencv_resize.cpp).
#include <memory>
#include <vector>

#include "engines/common/gather_stage.hpp"
#include "engines/engine.hpp"
#include "engines/opencv/tables.hpp"

namespace pixelpact::detail {
namespace {

const char* flag_name(OpencvInterpolation i) {
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

class OpencvMode : public ResizeMode {
 public:
  OpencvMode(const OpencvResize& resize, ResizeUse use) : resize_(resize), use_(use) {}

  std::unique_ptr<const Stage> plan(const ResampleRequest& r) const override {
    OpencvResize resize = resize_;
    resize.scale_y = r.scale_y;
    resize.scale_x = r.scale_x;
    if (!opencv_is_nearest(resize.interpolation)) return make_opencv_stage(resize, r);
    std::vector<std::int32_t> src_y, src_x;
    if (r.out_h == r.in_h && r.out_w == r.in_w) {  // cv::resize copies
      for (int y = r.need.y0; y < r.need.y1; ++y) src_y.push_back(y);
      for (int x = r.need.x0; x < r.need.x1; ++x) src_x.push_back(x);
    } else {
      src_y = opencv_nearest_indices(resize, true, r.in_h, r.out_h, r.need.y0, r.need.y1);
      src_x = opencv_nearest_indices(resize, false, r.in_w, r.out_w, r.need.x0, r.need.x1);
    }
    return plan_gather_stage(r, std::move(src_y), std::move(src_x));
  }

  void canonical_fields(CanonicalMembers& m) const override {
    m.emplace_back("interpolation", canonical_quoted(flag_name(resize_.interpolation)));
    if (use_ == ResizeUse::Letterbox) return;
    // 4.x and 5.x differ in nearest-exact only.
    const bool four = resize_.interpolation == OpencvInterpolation::NearestExact && resize_.major == 4;
    m.emplace_back("version", canonical_quoted(four ? "4" : "5"));
  }

 private:
  OpencvResize resize_;
  ResizeUse use_;
};

class OpencvEngine : public ResizeEngine {
 public:
  std::string_view name() const override { return "opencv"; }
  std::vector<std::string_view> fields() const override { return {"version", "scale"}; }

  std::shared_ptr<const ResizeMode> parse(const Node& step, ResizeUse use) const override {
    OpencvResize resize;
    if (use == ResizeUse::Letterbox) {
      // Ultralytics' letterbox: cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR);
      // the letterbox step offers the flags of its Pillow-style names.
      if (step.has("interpolation")) {
        const Node interpolation = step.at("interpolation");
        const std::string name = interpolation.value().is_string() ? interpolation.value().get<std::string>() : "";
        if (name == "nearest") resize.interpolation = OpencvInterpolation::Nearest;
        else if (name == "bilinear") resize.interpolation = OpencvInterpolation::Linear;
        else if (name == "bicubic") resize.interpolation = OpencvInterpolation::Cubic;
        else {
          fail(interpolation.path(), interpolation.describe() +
                                         " is not a cv2 interpolation letterbox offers (nearest, bilinear, "
                                         "bicubic); use \"engine\": \"pillow\"");
        }
      }
      return std::make_shared<OpencvMode>(resize, use);
    }
    resize.interpolation = step.at("interpolation").as_enum<OpencvInterpolation>(
        {{"nearest", OpencvInterpolation::Nearest},
         {"nearest-exact", OpencvInterpolation::NearestExact},
         {"bilinear", OpencvInterpolation::Linear},
         {"bilinear-exact", OpencvInterpolation::LinearExact},
         {"bicubic", OpencvInterpolation::Cubic},
         {"area", OpencvInterpolation::Area},
         {"lanczos4", OpencvInterpolation::Lanczos4}});
    if (step.has("version")) resize.major = step.at("version").as_enum<int>({{"4", 4}, {"5", 5}});
    return std::make_shared<OpencvMode>(resize, use);
  }
};

}  // namespace

const ResizeEngine& opencv_engine() {
  static const OpencvEngine engine;
  return engine;
}

}  // namespace pixelpact::detail
