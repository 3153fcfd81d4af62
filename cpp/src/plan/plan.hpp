// A plan: everything a contract needs to run on one input size, precomputed in
// scalar code (output sizes, crop offsets, each engine's weights and indices,
// which pixels each stage must produce). Kernels only consume plans.
//
// Geometry stages are planned backwards from the output: a stage computes only
// the rectangle of its output that later stages read, from only the input
// rectangle that rectangle needs. A center crop therefore costs nothing, and a
// resize followed by a crop computes only the surviving pixels.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "contract/contract.hpp"
#include "engines/stage.hpp"
#include "image/rect.hpp"

namespace pixelpact::detail {

struct Plan {
  int in_h = 0, in_w = 0;
  int out_h = 0, out_w = 0;  // of the uint8 stages
  // The rows [band_y0, band_y1) of the uint8 stages' output this plan computes:
  // all of them, or one band of an image split across threads (make_plan's
  // `band`). Band plans never have a float stage.
  int band_y0 = 0, band_y1 = 0;
  Rect input_rect;           // part of the input image read at all
  std::vector<std::unique_ptr<const Stage>> stages;
  // A contract with a resize after to_float: the uint8 stages' whole output
  // becomes float32 planes (elementwise steps before the resize), the float
  // stage resizes each plane, and the center crops after it pick the window
  // [float_crop_y, + tensor_h) x [float_crop_x, + tensor_w); outside the resized
  // planes (a size rule that pads, then crops that only narrow) it reads 0.0.
  std::unique_ptr<const FloatStage> float_stage;
  int float_crop_y = 0, float_crop_x = 0;
  int tensor_h = 0, tensor_w = 0;  // the output tensor's height and width
};

// Output (height, width) of the geometry for an input size; throws
// Error(InvalidArgument) if a step would produce an empty or oversized image.
std::pair<int, int> output_size(const Contract& contract, int in_h, int in_w);

// The plan for an input size. `band_rows` = {y0, y1} plans only those rows of
// the uint8 stages' output (each stage then computes, and reads, only what
// they need); {0, 0} plans the whole output. A band is refused
// (Error(Internal)) for a contract with a float stage.
Plan make_plan(const Contract& contract, int in_h, int in_w, std::pair<int, int> band_rows = {0, 0});

}  // namespace pixelpact::detail
