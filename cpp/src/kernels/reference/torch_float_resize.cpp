// torch 2.14.1 CPU float32 resize of one plane (ATen/native/cpu/UpSampleKernel.cpp,
// AdaptiveAvgPoolKernel.cpp), as torchvision v1 runs it on a contiguous float CHW
// tensor with torch's default (multi-threaded) settings. Indices and weights come
// from the plan (torch_coefficients.cpp); here only the sums, in torch's order.
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
#include <cmath>
#include <cstddef>

#include "../kernels.hpp"

namespace pixelpact::kernels::reference {
namespace {

float sum4(const float* t, const float* w) {
  return std::fma(t[3], w[3], std::fma(t[2], w[2], std::fma(t[0], w[0], t[1] * w[1])));
}

}  // namespace

void torch_float_resize(const TorchFloatResize& r, const float* in, float* out) {
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
    }
  }
}

}  // namespace pixelpact::kernels::reference
