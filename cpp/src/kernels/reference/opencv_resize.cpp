// Scalar reference kernels of the OpenCV engine: cv2.resize on uint8 images,
// OpenCV 4.12 / 5.0 modules/imgproc/src/resize.cpp with IPP off. The per-axis
// tables (indices, weights) come from engines/opencv/tables.cpp; these kernels only
// apply them. Channels are independent.
//
// Separable modes (resizeGeneric_, resize_bitExact): a horizontal pass to int32
//   h[y][x] = sum_k S[y][index_xk] * weight_xk        (HResizeLinear / HResizeLanczos4 /
//                                                      hlineResizeCn: exact integers)
// then a vertical pass over rows index_yk (clamped to the image):
//   INTER_LINEAR (VResizeLinear<uchar> and its SIMD twin VResizeLinearVec_32s8u;
//   weights cvRound(w * 2048) each, so a pair sums to at most 2049, and h is
//   the pixel x 2048 at 11 fractional bits):
//     out = uchar((((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16) + 2) >> 2)
//     (lossy on purpose: h is cut to 7 fractional bits, each term is truncated
//     separately; the uchar cast would truncate but the value is at most 255)
//   INTER_LINEAR_EXACT (vlineResize; h and weights with 8 fractional bits), shift 16, and
//   INTER_LANCZOS4 (VResizeLanczos4 with FixedPtCast<int, uchar, 22>), shift 22:
//     out = saturate_u8((sum_k h_k * b_k + 2^(shift-1)) >> shift)   (int arithmetic)
// INTER_CUBIC (IPP off; interpolateCubic A = -0.75, 11-bit weights) runs
// VResizeCubic<uchar>: its SIMD loop (VResizeCubicVec_32s8u, 8 int16 lanes in
// the wheels' 128-bit baseline) covers the first floor(dw * cn / 8) * 8 values
// of each output row in float, with b'_k = (float)b_k * 2^-22 and separate
// multiply and add (v_muladd without FMA):
//     out = saturate_u8(cvRound(h0*b0' + (h1*b1' + (h2*b2' + h3*b3'))))
//   and the rest with the integer rule above (shift 22).
// INTER_AREA with non-integer factors (ResizeArea_Invoker<uchar, float>):
//   buf[x] = ((0 + S[s0]*a0) + S[s0+1]*a1) + ...   float, in table order
//   sum = b0*buf_0, then sum = sum + b_k*buf_k       float, multiply then add
//   out = saturate_u8(cvRound(sum))                  round half to even
// INTER_AREA with integer factors (resizeAreaFast_<uchar, int>):
//   2x2 whole blocks: (a + b + c + d + 2) >> 2
//   other whole blocks: cvRound((float)sum * (1.f / (sx * sy)))
//   blocks cut by the image border: cvRound((float)sum / (float)count)
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/kernels.hpp"

namespace pixelpact::kernels::reference {
namespace {

// saturate_cast<uchar>(float): cvRound (half to even) then clamp.
inline std::uint8_t round_u8(float v) {
  const float r = std::nearbyint(v);
  return static_cast<std::uint8_t>(std::clamp(r, 0.0f, 255.0f));
}

}  // namespace

void opencv_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                       std::ptrdiff_t in_pixel_stride, int rows, int channels,
                       const OpencvTaps& taps, int out_width, std::int32_t* out,
                       std::ptrdiff_t out_row_stride) {
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* line = in + y * in_row_stride;
    std::int32_t* dst = out + y * out_row_stride;
    for (int x = 0; x < out_width; ++x) {
      const std::int32_t* idx = taps.index + static_cast<std::ptrdiff_t>(x) * taps.ksize;
      const std::int32_t* w = taps.weight + static_cast<std::ptrdiff_t>(x) * taps.ksize;
      for (int c = 0; c < channels; ++c) {
        std::int32_t acc = 0;
        for (int k = 0; k < taps.ksize; ++k) acc += line[idx[k] * in_pixel_stride + c] * w[k];
        dst[x * channels + c] = acc;
      }
    }
  }
}

void opencv_vertical_linear(const std::int32_t* in, std::ptrdiff_t in_row_stride, int elements,
                            const OpencvTaps& taps, int out_rows, std::uint8_t* out,
                            std::ptrdiff_t out_row_stride) {
  for (int y = 0; y < out_rows; ++y) {
    const std::int32_t* s0 = in + taps.index[2 * y] * in_row_stride;
    const std::int32_t* s1 = in + taps.index[2 * y + 1] * in_row_stride;
    const std::int32_t b0 = taps.weight[2 * y], b1 = taps.weight[2 * y + 1];
    std::uint8_t* dst = out + y * out_row_stride;
    for (int x = 0; x < elements; ++x) {
      dst[x] = static_cast<std::uint8_t>((((b0 * (s0[x] >> 4)) >> 16) + ((b1 * (s1[x] >> 4)) >> 16) + 2) >> 2);
    }
  }
}

void opencv_vertical_fixed(const std::int32_t* in, std::ptrdiff_t in_row_stride, int elements,
                           const OpencvTaps& taps, int shift, int out_rows, std::uint8_t* out,
                           std::ptrdiff_t out_row_stride) {
  const std::uint32_t bias = 1u << (shift - 1);
  for (int y = 0; y < out_rows; ++y) {
    const std::int32_t* idx = taps.index + static_cast<std::ptrdiff_t>(y) * taps.ksize;
    const std::int32_t* w = taps.weight + static_cast<std::ptrdiff_t>(y) * taps.ksize;
    std::uint8_t* dst = out + y * out_row_stride;
    for (int x = 0; x < elements; ++x) {
      // OpenCV sums in int; wrapping uint32 arithmetic gives its bits without UB.
      std::uint32_t acc = 0;
      for (int k = 0; k < taps.ksize; ++k) {
        acc += static_cast<std::uint32_t>(in[idx[k] * in_row_stride + x]) * static_cast<std::uint32_t>(w[k]);
      }
      const std::int32_t v = static_cast<std::int32_t>(acc + bias) >> shift;
      dst[x] = static_cast<std::uint8_t>(std::clamp<std::int32_t>(v, 0, 255));
    }
  }
}

void opencv_vertical_cubic(const std::int32_t* in, std::ptrdiff_t in_row_stride, int elements,
                           const OpencvTaps& taps, int float_elements, int out_rows, std::uint8_t* out,
                           std::ptrdiff_t out_row_stride) {
  const float scale = 1.f / (2048 * 2048);
  for (int y = 0; y < out_rows; ++y) {
    const std::int32_t* s0 = in + taps.index[4 * y] * in_row_stride;
    const std::int32_t* s1 = in + taps.index[4 * y + 1] * in_row_stride;
    const std::int32_t* s2 = in + taps.index[4 * y + 2] * in_row_stride;
    const std::int32_t* s3 = in + taps.index[4 * y + 3] * in_row_stride;
    const std::int32_t* b = taps.weight + 4 * y;
    const float f0 = b[0] * scale, f1 = b[1] * scale, f2 = b[2] * scale, f3 = b[3] * scale;
    std::uint8_t* dst = out + y * out_row_stride;
    int x = 0;
    for (; x < float_elements; ++x) {
      const float r = static_cast<float>(s0[x]) * f0 +
                      (static_cast<float>(s1[x]) * f1 + (static_cast<float>(s2[x]) * f2 + static_cast<float>(s3[x]) * f3));
      dst[x] = round_u8(r);
    }
    for (; x < elements; ++x) {
      const std::uint32_t acc = static_cast<std::uint32_t>(s0[x]) * static_cast<std::uint32_t>(b[0]) +
                                static_cast<std::uint32_t>(s1[x]) * static_cast<std::uint32_t>(b[1]) +
                                static_cast<std::uint32_t>(s2[x]) * static_cast<std::uint32_t>(b[2]) +
                                static_cast<std::uint32_t>(s3[x]) * static_cast<std::uint32_t>(b[3]);
      const std::int32_t v = static_cast<std::int32_t>(acc + (1u << 21)) >> 22;
      dst[x] = static_cast<std::uint8_t>(std::clamp<std::int32_t>(v, 0, 255));
    }
  }
}

void opencv_area_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                            std::ptrdiff_t in_pixel_stride, int rows, int channels,
                            const OpencvSpans& xs, int out_width, float* out,
                            std::ptrdiff_t out_row_stride) {
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* line = in + y * in_row_stride;
    float* dst = out + y * out_row_stride;
    for (int x = 0; x < out_width; ++x) {
      const float* a = xs.weight + static_cast<std::ptrdiff_t>(x) * xs.ksize;
      const std::uint8_t* p = line + xs.first[x] * in_pixel_stride;
      for (int c = 0; c < channels; ++c) {
        float buf = 0.f;
        for (int k = 0; k < xs.count[x]; ++k) buf = buf + p[k * in_pixel_stride + c] * a[k];
        dst[x * channels + c] = buf;
      }
    }
  }
}

void opencv_area_vertical(const float* in, std::ptrdiff_t in_row_stride, int elements,
                          const OpencvSpans& ys, int out_rows, std::uint8_t* out,
                          std::ptrdiff_t out_row_stride) {
  for (int y = 0; y < out_rows; ++y) {
    const float* b = ys.weight + static_cast<std::ptrdiff_t>(y) * ys.ksize;
    const float* top = in + ys.first[y] * in_row_stride;
    std::uint8_t* dst = out + y * out_row_stride;
    for (int x = 0; x < elements; ++x) {
      float sum = b[0] * top[x];
      for (int k = 1; k < ys.count[y]; ++k) sum = sum + b[k] * top[k * in_row_stride + x];
      dst[x] = round_u8(sum);
    }
  }
}

void opencv_area_fast(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                      std::ptrdiff_t in_pixel_stride, int channels, const OpencvSpans& ys,
                      int out_rows, const OpencvSpans& xs, int out_width, std::uint8_t* out,
                      std::ptrdiff_t out_row_stride) {
  const int area = xs.block * ys.block;
  const float scale = 1.f / area;
  const bool pairs = xs.block == 2 && ys.block == 2;  // ResizeAreaFastVec fast_mode (cn 1, 3)
  for (int y = 0; y < out_rows; ++y) {
    std::uint8_t* dst = out + y * out_row_stride;
    const int ny = ys.count[y];
    for (int x = 0; x < out_width; ++x) {
      const int nx = xs.count[x];
      const std::uint8_t* p = in + ys.first[y] * in_row_stride + xs.first[x] * in_pixel_stride;
      for (int c = 0; c < channels; ++c) {
        int sum = 0;
        for (int r = 0; r < ny; ++r)
          for (int k = 0; k < nx; ++k) sum += p[r * in_row_stride + k * in_pixel_stride + c];
        std::uint8_t v;
        if (ny == ys.block && nx == xs.block) {
          v = pairs ? static_cast<std::uint8_t>((sum + 2) >> 2) : round_u8(static_cast<float>(sum) * scale);
        } else {
          v = round_u8(static_cast<float>(sum) / static_cast<float>(nx * ny));
        }
        dst[x * channels + c] = v;
      }
    }
  }
}

}  // namespace pixelpact::kernels::reference
