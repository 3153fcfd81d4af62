// Per-pixel alpha passes of an RGBA/BGRA input ("input": {"alpha"}), exact
// integer arithmetic of Pillow 13 (src/libImaging/Convert.c, AlphaComposite.c).
// Scalar and simple: they run once per pixel, next to resizes that cost far more.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace pixelpact::detail {

// Pillow rgbA2rgba (RGBA -> RGBa), in place on packed 4-byte pixels, alpha last:
//   c' = MULDIV255(c, a) = (t + (t >> 8)) >> 8 with t = c * a + 128
void premultiply_alpha(std::uint8_t* data, std::ptrdiff_t row_stride, int rows, int cols);

// Pillow rgba2rgbA (RGBa -> RGBA), in place on packed 4-byte pixels, alpha last:
//   a == 0 or a == 255: c unchanged; else c = min(255, (255 * c) / a) (integer division)
void unpremultiply_alpha(std::uint8_t* data, std::ptrdiff_t row_stride, int rows, int cols);

// Image.alpha_composite(Image.new("RGBA", size, (*background, 255)), image)
// .convert("RGB") (Hugging Face convert_to_rgb): AlphaComposite.c with an opaque
// destination, 7 fractional bits, SHIFTFORDIV255 rounding. `in` points at a
// pixel's first colour byte, the alpha byte is at 3 * channel_stride;
// `background` is in the input's channel order. Writes packed 3-byte pixels.
void composite_alpha(const std::uint8_t* in, std::ptrdiff_t in_row_stride, std::ptrdiff_t in_pixel_stride,
                     std::ptrdiff_t in_channel_stride, int rows, int cols,
                     const std::array<std::uint8_t, 3>& background, std::uint8_t* out);

}  // namespace pixelpact::detail
