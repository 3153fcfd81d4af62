// One axis of tf.image.resize (engine 'tensorflow', TensorFlow 2.21 CPU): the
// indices and float weights kernels::TensorflowResize consumes, and the nearest
// indices of a uint8 gather.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/tensorflow.hpp"

namespace pixelpact::detail {

// tf.image.resize's methods. The scale_and_translate kernels (every method with
// antialias, and lanczos3/5, gaussian, mitchellcubic always) are Spans.
enum class TensorflowMethod { Bilinear, Nearest, Bicubic, Area, Lanczos3, Lanczos5, Gaussian, MitchellCubic };

struct TensorflowAxisPlan {
  int taps = 0;
  std::vector<std::int32_t> index, count;
  std::vector<float> weight;
  kernels::TensorflowAxis view() const {
    return kernels::TensorflowAxis{taps, index.data(), weight.data(), count.data()};
  }
};

// Which kernel tf.image.resize(method, antialias) runs.
kernels::TensorflowKind tensorflow_kind(TensorflowMethod method, bool antialias);

// One axis in_size -> out_size for `kind` (nothing for Copy); `horizontal`
// matters to Area only (its x cells between the first and last are unscaled).
TensorflowAxisPlan tensorflow_axis(int in_size, int out_size, kernels::TensorflowKind kind, TensorflowMethod method,
                                   bool antialias, bool horizontal);

// The input indices an axis plan of `kind` (not Copy) reads, ascending, each once:
// every tap; Area the count[i] listed cells; Spans the run of count[i] from index[i * taps].
std::vector<int> tensorflow_samples_read(const TensorflowAxisPlan& axis, int in_size, kernels::TensorflowKind kind);

// ResizeArea's output scale: float(1.0 / (height_scale * width_scale)).
float tensorflow_area_scale(int in_h, int in_w, int out_h, int out_w);

// ResizeNearestNeighbor's (half_pixel_centers) source index of outputs begin .. end - 1.
std::vector<std::int32_t> tensorflow_nearest_indices(int in_size, int out_size, int begin, int end);

}  // namespace pixelpact::detail
