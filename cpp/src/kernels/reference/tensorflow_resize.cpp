// TensorFlow 2.21 CPU float32 resize of one plane (tf.image.resize; the kernels
// of tensorflow/core/kernels/image/), which works per channel on NHWC data with
// the same arithmetic for every channel count. Indices and weights come from the
// plan (engines/tensorflow/coefficients.cpp); here only the sums, in
// TensorFlow's order. The x86 wheel compiles these kernels without FMA (AVX,
// not AVX2/FMA: its cpu_feature_guard says so, and the parity tests agree); we
// are built with -ffp-contract=off. No rounding: outputs are float32.
//
// Copy      out = in (ResizeBilinear to the same size is a cast)
// Bilinear  top = tl + (tr - tl) * xl;  bottom = bl + (br - bl) * xl
//           out = top + (bottom - top) * yl        (resize_bilinear_op.cc compute_lerp)
// Nearest   out = in[iy][ix]
// Bicubic   per tap column c: col_c = ((in[y0][c] * wy0 + in[y1][c] * wy1) + in[y2][c] * wy2) + in[y3][c] * wy3
//           out = ((col_0 * wx0 + col_1 * wx1) + col_2 * wx2) + col_3 * wx3
//                                                    (resize_bicubic_op.cc Interpolate1D, rows first)
// Area      per covered row r: s_r = in[r][x_first] * sx_first (+ in[r][x] for the
//           cells between, + in[r][x_last] * sx_last when there are two or more);
//           sum = 0; sum += s_r * sy_r in row order; out = sum * area_scale
//                                                    (resize_area_op.cc ComputePatchSum)
// Spans     vertical pass first: t[y][x] = 0; t[y][x] += w_k * in[start_y + k][x]
//           for k = 0 .. count - 1 (zero weights too), then horizontal:
//           out[y][x] = 0; out[y][x] += w_k * t[y][start_x + k]
//                                                    (scale_and_translate_op.cc GatherRows/GatherColumns)
#include <cstddef>

#include "kernels/kernels.hpp"

namespace pixelpact::kernels::reference {
namespace {

using Index = std::ptrdiff_t;

void bilinear(const TensorflowResize& r, const float* in, float* out) {
  for (int y = 0; y < r.out_h; ++y) {
    const float* top = in + r.y.index[2 * y] * Index{r.in_w};
    const float* bottom = in + r.y.index[2 * y + 1] * Index{r.in_w};
    const float yl = r.y.weight[2 * y];
    float* o = out + y * Index{r.out_w};
    for (int x = 0; x < r.out_w; ++x) {
      const int lo = r.x.index[2 * x], hi = r.x.index[2 * x + 1];
      const float xl = r.x.weight[2 * x];
      const float t = top[lo] + (top[hi] - top[lo]) * xl;
      const float b = bottom[lo] + (bottom[hi] - bottom[lo]) * xl;
      o[x] = t + (b - t) * yl;
    }
  }
}

void nearest(const TensorflowResize& r, const float* in, float* out) {
  for (int y = 0; y < r.out_h; ++y) {
    const float* row = in + r.y.index[y] * Index{r.in_w};
    float* o = out + y * Index{r.out_w};
    for (int x = 0; x < r.out_w; ++x) o[x] = row[r.x.index[x]];
  }
}

void bicubic(const TensorflowResize& r, const float* in, float* out) {
  for (int y = 0; y < r.out_h; ++y) {
    const float* rows[4];
    for (int k = 0; k < 4; ++k) rows[k] = in + r.y.index[4 * y + k] * Index{r.in_w};
    const float* wy = r.y.weight + 4 * y;
    float* o = out + y * Index{r.out_w};
    for (int x = 0; x < r.out_w; ++x) {
      const float* wx = r.x.weight + 4 * x;
      float col[4];
      for (int k = 0; k < 4; ++k) {
        const int c = r.x.index[4 * x + k];
        col[k] = rows[0][c] * wy[0] + rows[1][c] * wy[1] + rows[2][c] * wy[2] + rows[3][c] * wy[3];
      }
      o[x] = col[0] * wx[0] + col[1] * wx[1] + col[2] * wx[2] + col[3] * wx[3];
    }
  }
}

void area(const TensorflowResize& r, const float* in, float* out) {
  for (int y = 0; y < r.out_h; ++y) {
    float* o = out + y * Index{r.out_w};
    for (int x = 0; x < r.out_w; ++x) {
      const std::int32_t* xi = r.x.index + x * Index{r.x.taps};
      const float* xw = r.x.weight + x * Index{r.x.taps};
      const int n = r.x.count[x];
      float sum = 0;
      for (int k = 0; k < r.y.count[y]; ++k) {
        const float* row = in + r.y.index[y * Index{r.y.taps} + k] * Index{r.in_w};
        float s = row[xi[0]] * xw[0];
        if (n > 1) {
          for (int j = 1; j < n - 1; ++j) s += row[xi[j]];
          s += row[xi[n - 1]] * xw[n - 1];
        }
        sum += s * r.y.weight[y * Index{r.y.taps} + k];
      }
      o[x] = sum * r.area_scale;
    }
  }
}

void spans(const TensorflowResize& r, const float* in, float* out) {
  float* t = r.scratch;
  for (int y = 0; y < r.out_h; ++y) {
    float* row = t + y * Index{r.in_w};
    for (int x = 0; x < r.in_w; ++x) row[x] = 0.0f;
    const float* w = r.y.weight + y * Index{r.y.taps};
    const float* src = in + r.y.index[y * Index{r.y.taps}] * Index{r.in_w};
    for (int k = 0; k < r.y.count[y]; ++k, src += r.in_w)
      for (int x = 0; x < r.in_w; ++x) row[x] += w[k] * src[x];
  }
  for (int y = 0; y < r.out_h; ++y) {
    const float* row = t + y * Index{r.in_w};
    float* o = out + y * Index{r.out_w};
    for (int x = 0; x < r.out_w; ++x) {
      const float* w = r.x.weight + x * Index{r.x.taps};
      const float* src = row + r.x.index[x * Index{r.x.taps}];
      float s = 0.0f;
      for (int k = 0; k < r.x.count[x]; ++k) s += w[k] * src[k];
      o[x] = s;
    }
  }
}

}  // namespace

void tensorflow_resize(const TensorflowResize& r, const float* in, float* out) {
  switch (r.kind) {
    case TensorflowKind::Copy:
      for (Index i = 0; i < Index{r.out_h} * r.out_w; ++i) out[i] = in[i];
      break;
    case TensorflowKind::Bilinear: bilinear(r, in, out); break;
    case TensorflowKind::Nearest: nearest(r, in, out); break;
    case TensorflowKind::Bicubic: bicubic(r, in, out); break;
    case TensorflowKind::Area: area(r, in, out); break;
    case TensorflowKind::Spans: spans(r, in, out); break;
  }
}

}  // namespace pixelpact::kernels::reference
