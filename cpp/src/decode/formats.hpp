// The per-format decoders behind decode.hpp; each is compiled only when its
// library was found (PIXELPACT_HAVE_LIBJPEG, PIXELPACT_HAVE_LIBPNG).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "decode/decoded_image.hpp"

namespace pixelpact::detail {

// Stored height and width from the header (no pixels decoded).
void jpeg_size(const std::uint8_t* data, std::size_t size, int& height, int& width);
DecodedImage jpeg_decode(const std::uint8_t* data, std::size_t size, DecodeColor color, DecodeDialect dialect,
                         std::int64_t max_bytes, const PixelRegion* region);
std::string jpeg_library();

void png_size(const std::uint8_t* data, std::size_t size, int& height, int& width);
DecodedImage png_decode(const std::uint8_t* data, std::size_t size, DecodeColor color, DecodeDialect dialect,
                        std::int64_t max_bytes);
std::string png_library();

// Throws Error(InvalidArgument) if a height x width image of `bytes_per_pixel`
// bytes, plus `extra` bytes of decoder memory, passes max_bytes (> 0).
void check_decoded_size(const char* format, int height, int width, int bytes_per_pixel, std::int64_t extra,
                        std::int64_t max_bytes);

}  // namespace pixelpact::detail
