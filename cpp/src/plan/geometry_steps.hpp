// Geometry steps reduced to the two things a plan executes: a resample to an
// exact size, and a crop (an offset window that may reach outside the image,
// where it reads a fill colour). crop, pad, center_crop (every framework's
// rule), letterbox and the keep-ratio resize rules all become these, per input
// size, in scalar code.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "contract/contract.hpp"

namespace pixelpact::detail {

struct PrimitiveStep {
  bool is_resize = false;
  const ResizeStep* resize = nullptr;  // is_resize: its size rule and engine mode
  std::shared_ptr<const ResizeStep> owned_resize;  // when `resize` is made for this input size
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  // Crops: out(y, x) = in(y + offset_y, x + offset_x), `fill` outside the input.
  int offset_y = 0, offset_x = 0;
  FillBytes fill{};  // output channel order
};

// The primitive steps of the contract's geometry for an input size. Throws
// Error(InvalidArgument) if a step would produce an empty or oversized image.
std::vector<PrimitiveStep> expand_geometry(const Contract& contract, int in_h, int in_w);

// The steps after to_float (a float resize, its zero padding if its size rule
// pads, then center crops), starting from the uint8 geometry's output size; empty
// without a float resize. Throws Error(InvalidArgument) for an empty or oversized
// resize, and for a center crop larger than the float image (a center crop does
// not pad float planes).
std::vector<PrimitiveStep> expand_float_geometry(const Contract& contract, int h, int w);

// The fill pixel in working channel order (the channels the stages carry).
std::array<std::uint8_t, 3> working_fill(const Contract& contract, const FillBytes& fill);

// Ultralytics LetterBox.get_params: resized size and the four paddings.
struct LetterboxParams {
  int resized_h = 0, resized_w = 0;
  int top = 0, bottom = 0, left = 0, right = 0;
};
LetterboxParams letterbox_params(const LetterboxStep& step, int in_h, int in_w);
// blobFromImage(crop=True)'s resize for an input size: the letterbox's resampler
// with the size rule "scale" fx = fy = f (cv2.resize samples at f).
ResizeStep blob_crop_resize(const LetterboxStep& step, int in_h, int in_w);

// The composed per-axis affine map of the geometry for an input size.
Geometry geometry_of(const Contract& contract, int in_h, int in_w);

}  // namespace pixelpact::detail
