// What every part of the decoder shares: the formats, the colours a decoder
// writes, and a decoded image.
#pragma once

#include <cstdint>
#include <vector>

namespace pixelpact::detail {

enum class EncodedFormat { Jpeg, Png };

// The colour the decoded pixels are written in (a contract's input colour):
// RGB/BGR = Pillow convert("RGB"), RGBA/BGRA = convert("RGBA"), GRAY = convert("L").
enum class DecodeColor { RGB, BGR, RGBA, BGRA, GRAY };

constexpr int decode_channels(DecodeColor color) noexcept {
  return color == DecodeColor::GRAY ? 1 : color == DecodeColor::RGB || color == DecodeColor::BGR ? 3 : 4;
}

struct DecodedImage {
  std::vector<std::uint8_t> pixels;  // height x width x channels, packed
  int height = 0;
  int width = 0;
  int channels = 0;
};

}  // namespace pixelpact::detail
