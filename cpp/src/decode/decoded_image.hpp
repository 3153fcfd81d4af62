// What every part of the decoder shares: the formats, the colours a decoder
// writes, and a decoded image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace pixelpact::detail {

enum class EncodedFormat { Jpeg, Png };

// The colour the decoded pixels are written in (a contract's input colour):
// RGB/BGR = Pillow convert("RGB"), RGBA/BGRA = convert("RGBA"), GRAY = convert("L").
enum class DecodeColor { RGB, BGR, RGBA, BGRA, GRAY };

constexpr int decode_channels(DecodeColor color) noexcept {
  return color == DecodeColor::GRAY ? 1 : color == DecodeColor::RGB || color == DecodeColor::BGR ? 3 : 4;
}

// Whose decoder the pixels reproduce (a contract's input.decode.decoder).
//   Pillow      Image.open + convert(): libjpeg's accurate integer IDCT, Pillow's
//               mode conversions (color.cpp)
//   TensorFlow  tf.io.decode_image / decode_jpeg with their defaults: libjpeg's
//               fast integer IDCT (dct_method ""), fancy upsampling, libjpeg's own
//               colour conversions (gray from the luma plane), TensorFlow's CMYK rule
enum class DecodeDialect { Pillow, TensorFlow };

// Rows [y0, y1) and columns [x0, x1) of the stored image.
struct PixelRegion {
  int y0 = 0, x0 = 0, y1 = 0, x1 = 0;
};

struct DecodedImage {
  // height x width x channels, packed. Allocated uninitialised: only `filled`
  // is written (the caller asked for no more), and the pages of the rest are
  // never touched.
  std::unique_ptr<std::uint8_t[]> pixels;
  int height = 0;
  int width = 0;
  int channels = 0;
  PixelRegion filled;

  void allocate(int h, int w, int c) {
    height = h;
    width = w;
    channels = c;
    pixels.reset(new std::uint8_t[static_cast<std::size_t>(h) * w * c]);
    filled = PixelRegion{0, 0, h, w};
  }
};

}  // namespace pixelpact::detail
