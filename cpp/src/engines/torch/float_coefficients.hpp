// One axis of torch's float32 resize (engine 'torch' after to_float): the
// indices and weights kernels::TorchFloatResize consumes.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/torch/coefficients.hpp"  // TorchInterpolation
#include "kernels/torch_float.hpp"

namespace pixelpact::detail {

// in_size -> out_size: 2 (linear) or 4 (cubic) clamped indices and float weights
// per output, the Antialias taps (first, count, weights), or the Area pooling
// window.
struct TorchFloatAxisPlan {
  int taps = 0;
  std::vector<std::int32_t> index;
  std::vector<float> weight;
  std::vector<std::int32_t> first, count;  // Area, Antialias
  kernels::TorchFloatAxis view() const {
    return kernels::TorchFloatAxis{taps, index.data(), weight.data(), first.data(), count.data()};
  }
};
TorchFloatAxisPlan torch_float_axis(int in_size, int out_size, kernels::TorchFloatKind kind,
                                    TorchInterpolation filter = TorchInterpolation::Bilinear);

}  // namespace pixelpact::detail
