// Arguments of engine 'torch''s float32 resize kernel (a torch resize after
// to_float; kernels/reference/torch_float_resize.cpp, indices and weights built
// by engines/torch/float_coefficients.cpp).
#pragma once

#include <cstdint>

namespace pixelpact::kernels {

// torch's float32 resize of one plane. Per axis and output i: `taps` input
// indices index[i * taps + k] (clamped to the plane) and float weights
// weight[i * taps + k]; for Area, first[i] and count[i] of the pooling window.
enum class TorchFloatKind {
  LinearGeneric,       // upsample_generic_Nd_kernel_impl<2, HelperInterpLinear>
  LinearChannelsLast,  // cpu_upsample_linear_channels_last (output h + w <= 128)
  Cubic,               // upsample_generic_Nd_kernel_impl<2, HelperInterpCubic>
  Area,                // cpu_adaptive_avg_pool2d
  Antialias,           // separable_upsample_generic_Nd_kernel_impl (antialias=True)
};
struct TorchFloatAxis {
  int taps = 0;
  const std::int32_t* index = nullptr;
  const float* weight = nullptr;
  const std::int32_t* first = nullptr;  // Area, Antialias (weights at weight[i * taps])
  const std::int32_t* count = nullptr;  // Area, Antialias
};
struct TorchFloatResize {
  TorchFloatKind kind = TorchFloatKind::LinearGeneric;
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  TorchFloatAxis y, x;
  float* scratch = nullptr;  // Antialias: in_h * out_w floats (the horizontal pass)
};

}  // namespace pixelpact::kernels
