// Encoded images (JPEG, PNG) to pixels, as Pillow's Image.open(...) followed by
// convert() to the contract's input colour gives them (schema: input.decode).
// JPEG through libjpeg(-turbo), PNG through libpng; both optional at build time
// (PIXELPACT_HAVE_LIBJPEG, PIXELPACT_HAVE_LIBPNG): without one, decoding that
// format throws Error(Unsupported) saying so. Errors never abort: corrupt,
// truncated or hostile files throw Error(InvalidArgument) with the reason, and
// images whose decoded size passes the caller's byte limit are refused from the
// header, before any pixel buffer is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "decode/decoded_image.hpp"

namespace pixelpact::detail {

// What the header says, without decoding pixels.
struct EncodedInfo {
  EncodedFormat format = EncodedFormat::Jpeg;
  int height = 0;       // the stored pixel grid
  int width = 0;
  int orientation = 1;  // EXIF orientation as PIL.ImageOps.exif_transpose reads it (1..8; 1 = none)
};

// The header of `data` (JPEG or PNG). Throws Error(InvalidArgument) for data
// that is neither or whose header is unreadable, Error(Unsupported) when the
// format's decoder is not compiled in. `orientation` is read only when asked
// (it may walk the whole PNG chunk list).
EncodedInfo read_encoded_info(const std::uint8_t* data, std::size_t size, bool want_orientation);

// Decodes the image in `color`: at least the pixels of `region` (stored
// coordinates; nullptr = all), with exactly the values a whole decode gives
// them (JPEG: rows skipped and columns cropped with libjpeg-turbo's
// jpeg_skip_scanlines / jpeg_crop_scanline, widened by one iMCU so that
// upsampling sees the same neighbours; tests/parity/test_decode_region.py).
// Pixels outside DecodedImage::filled are unspecified. max_bytes > 0: refuses
// (InvalidArgument, before allocating) an image whose decoded buffer, or the
// decoder's own working memory, would exceed it. `dialect`: whose decoder's
// pixels (decoded_image.hpp); what a dialect cannot give in `color` throws
// Error(Unsupported).
DecodedImage decode_image(const std::uint8_t* data, std::size_t size, DecodeColor color, std::int64_t max_bytes,
                          const PixelRegion* region = nullptr, DecodeDialect dialect = DecodeDialect::Pillow);

// "libjpeg-turbo 2.1.5 (libjpeg API 6.2), libpng 1.6.39" or what is missing.
std::string decoder_report();
bool jpeg_decoding_available() noexcept;
bool png_decoding_available() noexcept;

}  // namespace pixelpact::detail
