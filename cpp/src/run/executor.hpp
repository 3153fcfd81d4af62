// The executor: runs a compiled contract on one image, through the plan for its
// size: the input tile (composited, packed or the image itself), every stage in
// order, then the writer (or the float stage and its elementwise tail).
#pragma once

#include "pixelpact/pixelpact.hpp"
#include "plan/compiled.hpp"
#include "plan/plan.hpp"

namespace pixelpact::detail {

// Throws Error(InvalidArgument) naming what is wrong with the image for this
// contract (size, channels, data).
void check_image(const CompiledContract& compiled, const ImageView& image);

// Runs an image already checked against the contract into `out`, which holds at
// least the tensor's bytes, on up to `threads` threads of the pool (bands of
// output rows; the bytes are the same for every thread count, and so is which
// images are refused). Throws Error(InvalidArgument) when a limit or the alpha
// policy refuses this image.
void execute(const CompiledContract& compiled, const ImageView& image, void* out, int threads = 1);

// How many bands execute() splits an image planned as `whole` into for
// `threads` threads (1 = no split); see executor.cpp for the rules.
int band_count(const CompiledContract& compiled, const Plan& whole, int threads);

}  // namespace pixelpact::detail
