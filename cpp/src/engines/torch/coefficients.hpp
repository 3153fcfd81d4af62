// torch's uint8 resampling arithmetic (torch 2.14 CPU, what torchvision v2's
// Resize does to a uint8 tensor), computed once per plan in scalar code so that
// every ISA consumes the same integer weights and indices.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/common/conv_stage.hpp"  // ConvWeights

namespace pixelpact::detail {

// torchvision's InterpolationMode values the torch engine reproduces on uint8
// (and, Bilinear and Bicubic, on float32 planes).
enum class TorchInterpolation { Nearest, NearestExact, Bilinear, Bicubic, Lanczos };

// Weights of torch's separable uint8 "int16 path" for outputs [out_begin,
// out_end) of one axis resampled from in_size to out_size (filter Bilinear,
// Bicubic or Lanczos; Lanczos only with antialias). torch rounds the double
// weights to int16 at an axis-wide precision p (14..22 bits) and computes
// clamp((2^(p-1) + sum in*w) >> p); the weights returned here are those int16
// values times 2^(22 - p), which the 22-bit conv kernels turn into exactly the
// same bytes (see ConvAxis in kernels/kernels.hpp). `first` holds absolute
// input indices.
ConvWeights torch_axis_weights(int in_size, int out_size, TorchInterpolation filter, bool antialias,
                               int out_begin, int out_end);

// The precision p (bits) torch chooses for that axis: for tests and reports.
int torch_weights_precision(int in_size, int out_size, TorchInterpolation filter, bool antialias);

// Source index of outputs [out_begin, out_end) for torch's 'nearest'
// (Nearest: floor(i * s), OpenCV's rule) or 'nearest-exact'
// (NearestExact: floor((i + 0.5) * s)), s = (float)in / out in float.
std::vector<std::int32_t> torch_nearest_indices(int in_size, int out_size, TorchInterpolation filter,
                                                int out_begin, int out_end);

}  // namespace pixelpact::detail
