// Scalar reference resample kernels: the specification the SIMD variants match.
//
// Pillow (src/libImaging/Resample.c, _ImagingResample{Horizontal,Vertical}_8bpc):
// each output sample is a dot product of uint8 inputs with signed 22-bit
// fixed-point weights, accumulated in int32 from a bias of 2^21 (round half up
// after the arithmetic shift), then clipped to [0, 255]:
//   out = clip8((2^21 + sum in[k] * w[k]) >> 22)
// Channels are independent. The int32 sum cannot overflow: |sum w| <= 2^22 * 3
// for every Pillow filter, so |acc| < 255 * 3 * 2^22 + 2^21 < 2^31.
#include <algorithm>
#include <cstdint>

#include "kernels/kernels.hpp"

namespace pixelpact::kernels::reference {
namespace {

inline std::uint8_t clip8_shifted(std::int32_t acc) {
  std::int32_t v = acc >> kConvPrecisionBits;  // arithmetic shift: floor
  return static_cast<std::uint8_t>(std::clamp<std::int32_t>(v, 0, 255));
}

}  // namespace

void conv_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                       std::ptrdiff_t in_pixel_stride, int rows, int channels,
                       const ConvAxis& axis, int out_width, std::uint8_t* out,
                       std::ptrdiff_t out_row_stride) {
  constexpr std::int32_t kBias = 1 << (kConvPrecisionBits - 1);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* line = in + y * in_row_stride;
    std::uint8_t* dst = out + y * out_row_stride;
    for (int x = 0; x < out_width; ++x) {
      const std::int32_t* w = axis.weight + static_cast<std::ptrdiff_t>(x) * axis.ksize;
      const std::uint8_t* p = line + axis.first[x] * in_pixel_stride;
      for (int c = 0; c < channels; ++c) {
        std::int32_t acc = kBias;
        for (int k = 0; k < axis.count[x]; ++k) acc += p[k * in_pixel_stride + c] * w[k];
        dst[x * channels + c] = clip8_shifted(acc);
      }
    }
  }
}

void conv_vertical(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                     std::ptrdiff_t in_pixel_stride, int width, int channels,
                     const ConvAxis& axis, int out_rows, std::uint8_t* out,
                     std::ptrdiff_t out_row_stride) {
  constexpr std::int32_t kBias = 1 << (kConvPrecisionBits - 1);
  for (int y = 0; y < out_rows; ++y) {
    const std::int32_t* w = axis.weight + static_cast<std::ptrdiff_t>(y) * axis.ksize;
    const std::uint8_t* top = in + axis.first[y] * in_row_stride;
    std::uint8_t* dst = out + y * out_row_stride;
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        const std::uint8_t* p = top + x * in_pixel_stride + c;
        std::int32_t acc = kBias;
        for (int k = 0; k < axis.count[y]; ++k) acc += p[k * in_row_stride] * w[k];
        dst[x * channels + c] = clip8_shifted(acc);
      }
    }
  }
}

void gather_nearest(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                    std::ptrdiff_t in_pixel_stride, int channels, const std::int32_t* src_y,
                    int out_rows, const std::int32_t* src_x, int out_width, std::uint8_t* out,
                    std::ptrdiff_t out_row_stride) {
  for (int y = 0; y < out_rows; ++y) {
    std::uint8_t* dst = out + y * out_row_stride;
    for (int x = 0; x < out_width; ++x) {
      for (int c = 0; c < channels; ++c) {
        dst[x * channels + c] =
            (src_y[y] < 0 || src_x[x] < 0)
                ? 0
                : in[src_y[y] * in_row_stride + src_x[x] * in_pixel_stride + c];
      }
    }
  }
}

}  // namespace pixelpact::kernels::reference
