// Arguments of engine 'tensorflow''s float32 resize kernel (tf.image.resize
// after to_float; kernels/reference/tensorflow_resize.cpp, indices and weights
// built by engines/tensorflow/coefficients.cpp).
#pragma once

#include <cstdint>

namespace pixelpact::kernels {

// Which TensorFlow 2.21 CPU kernel (tensorflow/core/kernels/image/).
enum class TensorflowKind {
  Copy,      // ResizeBilinear to the input's own size: a cast, no arithmetic
  Bilinear,  // resize_bilinear_op.cc, half_pixel_centers
  Nearest,   // resize_nearest_neighbor_op.cc, half_pixel_centers
  Bicubic,   // resize_bicubic_op.cc, half_pixel_centers (Keys cubic, a = -0.5)
  Area,      // resize_area_op.cc
  Spans,     // scale_and_translate_op.cc (antialias, lanczos, gaussian, mitchellcubic)
};

// One axis, per output i: `taps` entries from i * taps of `index` (input
// indices, already clamped to the plane) and `weight`; count[i] of them are
// used (Area, Spans). Bilinear: index = (lower, upper), weight[2i] = lerp.
// Spans: index[i * taps] = the span's first input, count[i] its real size
// (TensorFlow's min(start + span_size, size) - start, zero weights included).
// Area: the indices of the covered cells; x: weight[first] and weight[last]
// are the partial cells' scales (the cells between are added unscaled);
// y: every cell's scale.
struct TensorflowAxis {
  int taps = 0;
  const std::int32_t* index = nullptr;
  const float* weight = nullptr;
  const std::int32_t* count = nullptr;
};

struct TensorflowResize {
  TensorflowKind kind = TensorflowKind::Bilinear;
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  TensorflowAxis y, x;
  float area_scale = 0;      // Area: float(1.0 / (height_scale * width_scale))
  float* scratch = nullptr;  // Spans: out_h * in_w floats (the vertical pass)
};

}  // namespace pixelpact::kernels
