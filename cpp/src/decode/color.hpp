// Pillow's conversions from a decoded image's own mode to a contract's input
// colour, row by row (libImaging/Convert.c, Pillow 13): what Image.open(...)
// followed by convert("RGB" | "RGBA" | "L") gives.
#pragma once

#include <cstdint>

#include "decode/decoded_image.hpp"

namespace pixelpact::detail {

// A decoder's row, in the image's own Pillow mode.
enum class SourceLayout {
  Gray,       // "L" (and "1" expanded to 0/255)
  GrayAlpha,  // "LA"
  Gray16,     // "I;16": big-endian 16-bit samples
  RGB,        // "RGB"
  RGBA,       // "RGBA"
  CMYK,       // libjpeg's CMYK samples; Pillow reads them inverted ("CMYK;I")
  // libjpeg's CMYK samples converted as tf.io.decode_jpeg does (jpeg_mem.cc):
  CmykTfAdobe,  // file with an Adobe marker: R = K * C / 255 (integer division)
  CmykTf,       // no Adobe marker:          R = (255 - K) * (255 - C) / 255
};

int source_bytes_per_pixel(SourceLayout layout) noexcept;

// Transparency of an "L", "I;16" or "RGB" image (a PNG tRNS colour), as Pillow's
// convert("RGBA") applies it: alpha 0 where the converted 8-bit pixel equals the
// chunk's raw value(s), else 255.
struct TransparentColor {
  bool present = false;
  int value[3] = {0, 0, 0};  // gray in value[0]; R, G, B
};

// Converts `width` pixels. out has decode_channels(color) bytes per pixel.
void convert_row(const std::uint8_t* in, SourceLayout layout, std::uint8_t* out, DecodeColor color, int width,
                 const TransparentColor& transparent);

}  // namespace pixelpact::detail
