// torch 2.14.1's float32 resize coefficients (engine 'torch' after to_float:
// torchvision v1 Resize on a float tensor): the indices and float weights of
// UpSample.h / UpSampleKernel.cpp / AdaptiveAvgPoolKernel.cpp, in torch's
// operation order, computed once per plan so every ISA consumes the same
// numbers. The x86 wheel's fused multiply-adds are written as std::fma where
// torch's binary has them (measured); this file is compiled with
// -ffp-contract=off. The kernel: kernels/reference/torch_float_resize.cpp.
#include "engines/torch/float_coefficients.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace pixelpact::detail {

// ---- float32 paths (engine 'torch' after to_float) -------------------------
// UpSample.h (torch 2.14.1): area_pixel_compute_scale<float> = (float)in / out;
// area_pixel_compute_source_index = scale * (i + 0.5f) - 0.5f, which the x86
// wheel contracts to fma(scale, i + 0.5f, -0.5f), clamped at 0 for linear only;
// guard_index_and_lambda: idx = min(floor(real), in - 1), lambda = clamp(real - idx, 0, 1).
namespace {

void torch_float_source(int in_size, int out_size, int i, bool cubic, std::int64_t& idx, float& lambda) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  float real = std::fma(scale, static_cast<float>(i) + 0.5f, -0.5f);
  if (!cubic && real < 0.0f) real = 0.0f;
  idx = std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(real)), in_size - 1);
  lambda = std::min(std::max(real - static_cast<float>(idx), 0.0f), 1.0f);
}

// UpSample.h cubic_convolution1/2 with A = -0.75, as the wheel contracts them
// (measured: the last multiply-add of each is not fused).
float cubic1(float x, float a) { return (std::fma(a + 2.0f, x, -(a + 3.0f)) * x) * x + 1.0f; }
float cubic2(float x, float a) {
  return std::fma(std::fma(a, x, -(5.0f * a)), x, 8.0f * a) * x - 4.0f * a;
}


// Antialias filters (HelperInterpLinear/Cubic::aa_filter<float>), float
// argument; the cubic one (a = -0.5) is fully fused in the wheel, unlike
// get_cubic_upsample_coefficients above (measured).
float aa_filter(TorchInterpolation filter, float x) {
  x = std::fabs(x);
  if (filter == TorchInterpolation::Bilinear) return x < 1.0f ? static_cast<float>(1.0 - static_cast<double>(x)) : 0.0f;
  const float a = -0.5f;
  if (x < 1.0f) return std::fma(std::fma(a + 2.0f, x, -(a + 3.0f)) * x, x, 1.0f);
  if (x < 2.0f) return std::fma(std::fma(std::fma(a, x, -(5.0f * a)), x, 8.0f * a), x, -(4.0f * a));
  return 0.0f;
}

// HelperInterpBase::_compute_index_ranges_weights + _compute_weights_aa with
// scalar_t = float: double where torch's expression mixes in a double literal.
void torch_float_aa_axis(int in_size, int out_size, TorchInterpolation filter, TorchFloatAxisPlan& p) {
  const int interp_size = filter == TorchInterpolation::Bicubic ? 4 : 2;
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  const float support = scale >= 1.0f ? static_cast<float>((interp_size * 0.5) * static_cast<double>(scale))
                                      : static_cast<float>(interp_size * 0.5);
  const int maxk = static_cast<int>(std::ceil(support)) * 2 + 1;
  const float invscale = scale >= 1.0f ? static_cast<float>(1.0 / static_cast<double>(scale)) : 1.0f;
  p.taps = maxk;
  p.weight.assign(static_cast<std::size_t>(out_size) * maxk, 0.0f);
  for (int i = 0; i < out_size; ++i) {
    const float center = static_cast<float>(static_cast<double>(scale) * (i + 0.5));
    const std::int64_t xmin =
        std::max<std::int64_t>(static_cast<std::int64_t>(static_cast<double>(center - support) + 0.5), 0);
    std::int64_t xsize =
        std::min<std::int64_t>(static_cast<std::int64_t>(static_cast<double>(center + support) + 0.5), in_size) -
        xmin;
    xsize = std::clamp<std::int64_t>(xsize, 0, maxk);
    float* w = p.weight.data() + static_cast<std::size_t>(i) * maxk;
    float total = 0.0f;
    for (std::int64_t j = 0; j < xsize; ++j) {
      const float d = static_cast<float>(j + xmin) - center;
      w[j] = aa_filter(filter, static_cast<float>((static_cast<double>(d) + 0.5) * static_cast<double>(invscale)));
      total += w[j];
    }
    if (total != 0.0f)
      for (std::int64_t j = 0; j < xsize; ++j) w[j] /= total;
    p.first.push_back(static_cast<std::int32_t>(xmin));
    p.count.push_back(static_cast<std::int32_t>(xsize));
  }
}

}  // namespace

TorchFloatAxisPlan torch_float_axis(int in_size, int out_size, kernels::TorchFloatKind kind, TorchInterpolation filter) {
  TorchFloatAxisPlan p;
  switch (kind) {
    case kernels::TorchFloatKind::Antialias:
      torch_float_aa_axis(in_size, out_size, filter, p);
      break;
    case kernels::TorchFloatKind::LinearGeneric:
    case kernels::TorchFloatKind::LinearChannelsLast:
      // HelperInterpLinear / compute_source_index_and_lambda: identity when in == out.
      p.taps = 2;
      for (int i = 0; i < out_size; ++i) {
        if (in_size == out_size) {
          p.index.insert(p.index.end(), {i, i});
          p.weight.insert(p.weight.end(), {1.0f, 0.0f});
          continue;
        }
        std::int64_t idx;
        float l1;
        torch_float_source(in_size, out_size, i, false, idx, l1);
        const std::int64_t idx1 = idx + (idx < in_size - 1 ? 1 : 0);
        p.index.insert(p.index.end(), {static_cast<std::int32_t>(idx), static_cast<std::int32_t>(idx1)});
        p.weight.insert(p.weight.end(), {1.0f - l1, l1});
      }
      break;
    case kernels::TorchFloatKind::Cubic: {
      // HelperInterpCubic::compute_indices_weights + get_cubic_upsample_coefficients.
      p.taps = 4;
      const float a = -0.75f;
      for (int i = 0; i < out_size; ++i) {
        std::int64_t idx;
        float t;
        torch_float_source(in_size, out_size, i, true, idx, t);
        const float x2 = 1.0f - t;
        const float c[4] = {cubic2(t + 1.0f, a), cubic1(t, a), cubic1(x2, a), cubic2(x2 + 1.0f, a)};
        for (int k = 0; k < 4; ++k) {
          const std::int64_t j = std::max<std::int64_t>(std::min<std::int64_t>(idx - 1 + k, in_size - 1), 0);
          p.index.push_back(static_cast<std::int32_t>(j));
          p.weight.push_back(c[k]);
        }
      }
      break;
    }
    case kernels::TorchFloatKind::Area:
      // AdaptiveAvgPoolKernel.cpp start_index / end_index, in float as torch has them.
      for (int i = 0; i < out_size; ++i) {
        const auto start = static_cast<std::int64_t>(
            std::floor(static_cast<float>(static_cast<std::int64_t>(i) * in_size) / static_cast<float>(out_size)));
        const auto end = static_cast<std::int64_t>(std::ceil(
            static_cast<float>(static_cast<std::int64_t>(i + 1) * in_size) / static_cast<float>(out_size)));
        p.first.push_back(static_cast<std::int32_t>(start));
        p.count.push_back(static_cast<std::int32_t>(end - start));
      }
      break;
  }
  return p;
}

}  // namespace pixelpact::detail
