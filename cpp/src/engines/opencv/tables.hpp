// OpenCV's cv2.resize on uint8 (engine "opencv"): the per-axis tables of one
// resize, computed once per plan in scalar code with OpenCV's exact float,
// double and softdouble arithmetic (modules/imgproc/src/resize.cpp), so every
// ISA consumes the same numbers. See tables.cpp for the rules.
#pragma once

#include <cstdint>
#include <vector>

#include <memory>

#include "engines/engine.hpp"
#include "engines/opencv/opencv_stage.hpp"

namespace pixelpact::detail {

// cv2.resize interpolation flags.
enum class OpencvInterpolation {
  Nearest,       // INTER_NEAREST
  NearestExact,  // INTER_NEAREST_EXACT (4.x and 5.x differ)
  Linear,        // INTER_LINEAR
  LinearExact,   // INTER_LINEAR_EXACT
  Cubic,         // INTER_CUBIC (OpenCV's own code, IPP off)
  Area,          // INTER_AREA
  Lanczos4,      // INTER_LANCZOS4
};

// One cv2.resize call's parameters.
struct OpencvResize {
  OpencvInterpolation interpolation = OpencvInterpolation::Linear;
  int major = 5;  // OpenCV 4.x or 5.x ("version")
  // fx, fy when the size rule is "scale" (cv2.resize(img, None, fx, fy)), else 0:
  // the sampling scale is out / in.
  double scale_y = 0, scale_x = 0;
};

// The stage computing request.need of one cv2.resize that is not a nearest
// flavour; its in_rect is the input rectangle those outputs read.
// request.channels: 1 or 3 (the pipeline's working pixels).
std::unique_ptr<OpencvStage> make_opencv_stage(const OpencvResize& resize, const ResampleRequest& request);

// Whether the interpolation is a nearest flavour (planned as a gather).
bool opencv_is_nearest(OpencvInterpolation interpolation);

// Source indices of outputs [out_begin, out_end) along one axis for INTER_NEAREST
// (resizeNN) or INTER_NEAREST_EXACT (resizeNN_bitexact, 4.x or 5.x rule).
std::vector<std::int32_t> opencv_nearest_indices(const OpencvResize& resize, bool vertical, int in_size,
                                                 int out_size, int out_begin, int out_end);

}  // namespace pixelpact::detail
