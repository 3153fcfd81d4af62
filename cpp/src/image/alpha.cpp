#include "image/alpha.hpp"

namespace pixelpact::detail {
namespace {

inline std::uint8_t muldiv255(std::uint32_t a, std::uint32_t b) {
  const std::uint32_t t = a * b + 128;
  return static_cast<std::uint8_t>((t + (t >> 8)) >> 8);
}

// AlphaComposite.c: SHIFTFORDIV255(a) = ((a >> 8) + a) >> 8.
inline std::uint32_t shift_for_div255(std::uint32_t a) { return ((a >> 8) + a) >> 8; }

}  // namespace

void premultiply_alpha(std::uint8_t* data, std::ptrdiff_t row_stride, int rows, int cols) {
  for (int y = 0; y < rows; ++y) {
    std::uint8_t* p = data + y * row_stride;
    for (int x = 0; x < cols; ++x, p += 4) {
      for (int c = 0; c < 3; ++c) p[c] = muldiv255(p[c], p[3]);
    }
  }
}

void unpremultiply_alpha(std::uint8_t* data, std::ptrdiff_t row_stride, int rows, int cols) {
  for (int y = 0; y < rows; ++y) {
    std::uint8_t* p = data + y * row_stride;
    for (int x = 0; x < cols; ++x, p += 4) {
      const std::uint32_t a = p[3];
      if (a == 0 || a == 255) continue;
      for (int c = 0; c < 3; ++c) {
        const std::uint32_t v = (255u * p[c]) / a;
        p[c] = static_cast<std::uint8_t>(v > 255 ? 255 : v);
      }
    }
  }
}

void composite_alpha(const std::uint8_t* in, std::ptrdiff_t in_row_stride, std::ptrdiff_t in_pixel_stride,
                     std::ptrdiff_t in_channel_stride, int rows, int cols,
                     const std::array<std::uint8_t, 3>& background, std::uint8_t* out) {
  constexpr std::uint32_t kPrecisionBits = 7;
  constexpr std::uint32_t kDstAlpha = 255;  // the background is opaque
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* row = in + y * in_row_stride;
    for (int x = 0; x < cols; ++x, out += 3) {
      const std::uint8_t* p = row + x * in_pixel_stride;
      const std::uint32_t src_a = p[3 * in_channel_stride];
      if (src_a == 0) {
        for (int c = 0; c < 3; ++c) out[c] = background[c];
        continue;
      }
      const std::uint32_t blend = kDstAlpha * (255 - src_a);
      const std::uint32_t outa255 = src_a * 255 + blend;
      const std::uint32_t coef1 = src_a * 255 * 255 * (1u << kPrecisionBits) / outa255;
      const std::uint32_t coef2 = 255 * (1u << kPrecisionBits) - coef1;
      for (int c = 0; c < 3; ++c) {
        const std::uint32_t tmp = p[c * in_channel_stride] * coef1 + background[c] * coef2;
        out[c] = static_cast<std::uint8_t>(shift_for_div255(tmp + (0x80u << kPrecisionBits)) >> kPrecisionBits);
      }
    }
  }
}

}  // namespace pixelpact::detail
