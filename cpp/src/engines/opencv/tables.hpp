// OpenCV's cv2.resize on uint8 (engine "opencv"): the per-axis tables of one
// resize, computed once per plan in scalar code with OpenCV's exact float,
// double and softdouble arithmetic (modules/imgproc/src/resize.cpp), so every
// ISA consumes the same numbers. See opencv_resize.cpp for the rules.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan.hpp"

namespace pixelpact::detail {

// cv::resize's output size for fx/fy ("scale"): (height, width), each
// saturate_cast<int>(in * factor), i.e. rounded half to even (may be 0).
std::pair<int, int> opencv_scaled_size(const ResizeStep& step, int in_h, int in_w);

// The stage computing outputs `need` (a rectangle of the out_h x out_w output)
// of one OpenCV resize that is not a nearest flavour; its in_rect is the input
// rectangle those outputs read. `channels`: 1 or 3 (the pipeline's working pixels).
OpencvResizeStage make_opencv_stage(const ResizeStep& step, int in_h, int in_w, int out_h, int out_w,
                                    const Rect& need, int channels);

// Whether the step is an OpenCV nearest flavour (planned as a NearestStage).
bool opencv_is_nearest(const ResizeStep& step);

// Source indices of outputs [out_begin, out_end) along one axis for INTER_NEAREST
// (resizeNN) or INTER_NEAREST_EXACT (resizeNN_bitexact, 4.x or 5.x rule).
std::vector<std::int32_t> opencv_nearest_indices(const ResizeStep& step, bool vertical, int in_size,
                                                 int out_size, int out_begin, int out_end);

}  // namespace pixelpact::detail
