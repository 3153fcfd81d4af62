// The executor: runs a compiled contract on one image, through the plan for its
// size: the input tile (composited, packed or the image itself), every stage in
// order, then the writer (or the float stage and its elementwise tail).
#pragma once

#include "pixelpact/pixelpact.hpp"
#include "plan/compiled.hpp"

namespace pixelpact::detail {

// Throws Error(InvalidArgument) naming what is wrong with the image for this
// contract (size, channels, data).
void check_image(const CompiledContract& compiled, const ImageView& image);

// Runs an image already checked against the contract into `out`, which holds at
// least the tensor's bytes. Throws Error(InvalidArgument) when a limit or the
// alpha policy refuses this image.
void execute(const CompiledContract& compiled, const ImageView& image, void* out);

}  // namespace pixelpact::detail
