// torch 2.14.1 CPU float32 resize of one plane (ATen/native/cpu/UpSampleKernel.cpp,
// AdaptiveAvgPoolKernel.cpp), as torchvision v1 runs it on a contiguous float CHW
// tensor with torch's default (multi-threaded) settings. Indices and weights come
// from the plan (engines/torch/float_coefficients.cpp); here only the sums, in torch's order.
// torch's x86 wheel contracts a * b + c into a fused multiply-add (the AVX2 and
// AVX-512 kernel builds); we are built with -ffp-contract=off and write each
// fma() where torch's binary has one.
//
// LinearGeneric (Interpolate<2, ..., interp_size 2>), per output (y, x):
//   row(r) = fma(in[r][x0], wx0, in[r][x1] * wx1)
//   out    = fma(row(y0), wy0, row(y1) * wy1)
// LinearChannelsLast (cpu_upsample_linear_channels_last, scalar channel loop),
// with w_ab = wy_a * wx_b:
//   out = fma(x11, w11, fma(x10, w10, fma(x00, w00, x01 * w01)))
// Cubic (Interpolate<2, ..., interp_size 4>), per row and then across rows:
//   s = fma(t3, w3, fma(t2, w2, fma(t0, w0, t1 * w1)))
// Area (cpu_adaptive_avg_pool2d): sum = 0; sum += in[h][w] row-major (no fma);
//   out = (sum / kh) / kw
// Antialias (separable, interpolate_aa_single_dim): a horizontal pass over every
// input row (if the width changes) into float rows, then a vertical pass (if the
// height changes). Each output is o = t0 * w0, then taps 1..4, 5..8, ... in
// blocks of four with separate multiply and add, and the remaining taps fused:
// o = fma(t_j, w_j, o) (the wheel's unrolled loop, measured). When the width is
// 1, torch's TensorIterator restrides the vertical pass and every output row
// uses output row 0's taps; that is reproduced.
#include <cmath>
#include <cstddef>

#include "kernels/kernels.hpp"

namespace pixelpact::kernels::reference {
namespace {

float sum4(const float* t, const float* w) {
  return std::fma(t[3], w[3], std::fma(t[2], w[2], std::fma(t[0], w[0], t[1] * w[1])));
}

float sum_aa(const float* src, std::ptrdiff_t stride, const float* w, int n) {
  float o = src[0] * w[0];
  int j = 1;
  for (; j + 4 <= n; j += 4)
    for (int k = j; k < j + 4; ++k) o = o + src[k * stride] * w[k];
  for (; j < n; ++j) o = std::fma(src[j * stride], w[j], o);
  return o;
}

void antialias(const TorchFloatResize& r, const float* in, float* out) {
  const float* src = in;
  int w = r.in_w;
  if (r.out_w != r.in_w) {
    for (int y = 0; y < r.in_h; ++y)
      for (int x = 0; x < r.out_w; ++x)
        r.scratch[static_cast<std::ptrdiff_t>(y) * r.out_w + x] =
            sum_aa(in + static_cast<std::ptrdiff_t>(y) * r.in_w + r.x.first[x], 1,
                   r.x.weight + static_cast<std::ptrdiff_t>(x) * r.x.taps, r.x.count[x]);
    src = r.scratch;
    w = r.out_w;
  }
  if (r.out_h == r.in_h) {
    for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(r.out_h) * w; ++i) out[i] = src[i];
    return;
  }
  for (int y = 0; y < r.out_h; ++y) {
    const int ty = w == 1 ? 0 : y;  // torch's restrided loop for a width of 1
    for (int x = 0; x < w; ++x)
      out[static_cast<std::ptrdiff_t>(y) * w + x] =
          sum_aa(src + static_cast<std::ptrdiff_t>(r.y.first[ty]) * w + x, w,
                 r.y.weight + static_cast<std::ptrdiff_t>(ty) * r.y.taps, r.y.count[ty]);
  }
}

}  // namespace

void torch_float_resize(const TorchFloatResize& r, const float* in, float* out) {
  if (r.kind == TorchFloatKind::Antialias) {
    antialias(r, in, out);
    return;
  }
  const std::ptrdiff_t iw = r.in_w;
  const TorchFloatAxis& ya = r.y;
  const TorchFloatAxis& xa = r.x;
  for (int y = 0; y < r.out_h; ++y) {
    float* o = out + static_cast<std::ptrdiff_t>(y) * r.out_w;
    switch (r.kind) {
      case TorchFloatKind::LinearGeneric: {
        const float* r0 = in + ya.index[2 * y] * iw;
        const float* r1 = in + ya.index[2 * y + 1] * iw;
        const float wy0 = ya.weight[2 * y], wy1 = ya.weight[2 * y + 1];
        for (int x = 0; x < r.out_w; ++x) {
          const int x0 = xa.index[2 * x], x1 = xa.index[2 * x + 1];
          const float wx0 = xa.weight[2 * x], wx1 = xa.weight[2 * x + 1];
          const float a = std::fma(r0[x0], wx0, r0[x1] * wx1);
          const float b = std::fma(r1[x0], wx0, r1[x1] * wx1);
          o[x] = std::fma(a, wy0, b * wy1);
        }
        break;
      }
      case TorchFloatKind::LinearChannelsLast: {
        const float* r0 = in + ya.index[2 * y] * iw;
        const float* r1 = in + ya.index[2 * y + 1] * iw;
        const float wy0 = ya.weight[2 * y], wy1 = ya.weight[2 * y + 1];
        for (int x = 0; x < r.out_w; ++x) {
          const int x0 = xa.index[2 * x], x1 = xa.index[2 * x + 1];
          const float wx0 = xa.weight[2 * x], wx1 = xa.weight[2 * x + 1];
          const float w00 = wy0 * wx0, w01 = wy0 * wx1, w10 = wy1 * wx0, w11 = wy1 * wx1;
          o[x] = std::fma(r1[x1], w11, std::fma(r1[x0], w10, std::fma(r0[x0], w00, r0[x1] * w01)));
        }
        break;
      }
      case TorchFloatKind::Cubic: {
        for (int x = 0; x < r.out_w; ++x) {
          float rows[4];
          for (int k = 0; k < 4; ++k) {
            const float* src = in + ya.index[4 * y + k] * iw;
            const float t[4] = {src[xa.index[4 * x]], src[xa.index[4 * x + 1]], src[xa.index[4 * x + 2]],
                                src[xa.index[4 * x + 3]]};
            rows[k] = sum4(t, xa.weight + 4 * x);
          }
          o[x] = sum4(rows, ya.weight + 4 * y);
        }
        break;
      }
      case TorchFloatKind::Area: {
        const int h0 = ya.first[y], kh = ya.count[y];
        for (int x = 0; x < r.out_w; ++x) {
          const int w0 = xa.first[x], kw = xa.count[x];
          float sum = 0.0f;
          for (int h = h0; h < h0 + kh; ++h)
            for (int w = w0; w < w0 + kw; ++w) sum += in[h * iw + w];
          o[x] = sum / static_cast<float>(kh) / static_cast<float>(kw);
        }
        break;
      }
      case TorchFloatKind::Antialias:
        break;
    }
  }
}

}  // namespace pixelpact::kernels::reference
