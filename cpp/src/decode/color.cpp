// Pillow 13's mode conversions (libImaging/Convert.c), reproduced integer for
// integer:
//   L -> RGB(A)       replicate, alpha 255
//   RGB(A) -> L       L24: (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16
//   I;16 -> L / RGB   clamp to 255 (values above 255 become 255; no scaling)
//   CMYK -> RGB       nk = 255 - K; out = clip(nk - MULDIV255(C, nk)) per channel,
//                     MULDIV255(a, b) = ((a*b + 128) >> 8) + a*b + 128) >> 8;
//                     JPEG's CMYK is read inverted ("CMYK;I") first
//   L/I;16/RGB + transparency -> RGBA (convert_transparent): alpha 0 where the
//                     converted pixel equals the transparency value
//   CMYK -> L         through RGB (Pillow has no direct converter)
// and TensorFlow's CMYK -> RGB (tf.io.decode_jpeg, tensorflow/core/lib/jpeg):
//   Adobe marker      R = K * C / 255, G = K * M / 255, B = K * Y / 255 (truncating)
//   otherwise         R = (255 - K) * (255 - C) / 255, ...
#include "decode/color.hpp"

#include <algorithm>
#include <cstring>

namespace pixelpact::detail {

int source_bytes_per_pixel(SourceLayout layout) noexcept {
  switch (layout) {
    case SourceLayout::Gray: return 1;
    case SourceLayout::GrayAlpha: return 2;
    case SourceLayout::Gray16: return 2;
    case SourceLayout::RGB: return 3;
    case SourceLayout::RGBA: return 4;
    case SourceLayout::CMYK:
    case SourceLayout::CmykTfAdobe:
    case SourceLayout::CmykTf: return 4;
  }
  return 0;
}

namespace {

std::uint8_t l24(int r, int g, int b) {
  return static_cast<std::uint8_t>((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
}

int muldiv255(int a, int b) {
  const int tmp = a * b + 128;
  return ((tmp >> 8) + tmp) >> 8;
}

std::uint8_t clip8(int v) { return static_cast<std::uint8_t>(std::clamp(v, 0, 255)); }

}  // namespace

void convert_row(const std::uint8_t* in, SourceLayout layout, std::uint8_t* out, DecodeColor color, int width,
                 const TransparentColor& transparent) {
  const bool bgr = color == DecodeColor::BGR || color == DecodeColor::BGRA;
  const bool alpha = color == DecodeColor::RGBA || color == DecodeColor::BGRA;
  const int out_channels = decode_channels(color);
  const int step = source_bytes_per_pixel(layout);
  for (int x = 0; x < width; ++x, in += step, out += out_channels) {
    int r = 0, g = 0, b = 0, a = 255;
    bool is_gray = false;
    switch (layout) {
      case SourceLayout::Gray: r = g = b = in[0]; is_gray = true; break;
      case SourceLayout::GrayAlpha: r = g = b = in[0]; a = in[1]; is_gray = true; break;
      case SourceLayout::Gray16: r = g = b = std::min((in[0] << 8) | in[1], 255); is_gray = true; break;
      case SourceLayout::RGB: r = in[0]; g = in[1]; b = in[2]; break;
      case SourceLayout::RGBA: r = in[0]; g = in[1]; b = in[2]; a = in[3]; break;
      case SourceLayout::CMYK: {
        const int c = 255 - in[0], m = 255 - in[1], y = 255 - in[2], nk = in[3];  // 255 - (255 - K)
        r = clip8(nk - muldiv255(c, nk));
        g = clip8(nk - muldiv255(m, nk));
        b = clip8(nk - muldiv255(y, nk));
        break;
      }
      case SourceLayout::CmykTfAdobe:
        r = in[3] * in[0] / 255;
        g = in[3] * in[1] / 255;
        b = in[3] * in[2] / 255;
        break;
      case SourceLayout::CmykTf:
        r = (255 - in[3]) * (255 - in[0]) / 255;
        g = (255 - in[3]) * (255 - in[1]) / 255;
        b = (255 - in[3]) * (255 - in[2]) / 255;
        break;
    }
    if (color == DecodeColor::GRAY) {
      out[0] = is_gray ? static_cast<std::uint8_t>(r) : l24(r, g, b);
      continue;
    }
    if (alpha && transparent.present) {
      const bool match = is_gray ? r == transparent.value[0]
                                 : r == transparent.value[0] && g == transparent.value[1] && b == transparent.value[2];
      if (match) a = 0;
    }
    out[0] = static_cast<std::uint8_t>(bgr ? b : r);
    out[1] = static_cast<std::uint8_t>(g);
    out[2] = static_cast<std::uint8_t>(bgr ? r : b);
    if (alpha) out[3] = static_cast<std::uint8_t>(a);
  }
}

}  // namespace pixelpact::detail
