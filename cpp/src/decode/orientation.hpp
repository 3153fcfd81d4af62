// The EXIF orientation PIL.ImageOps.exif_transpose acts on (Pillow 13's
// Image.getexif()), read from the file's metadata without any image library:
// the Orientation tag (0x0112) of the EXIF block's first IFD, else a
// tiff:Orientation in the XMP packet.
#pragma once

#include <cstddef>
#include <cstdint>

#include "decode/decoded_image.hpp"

namespace pixelpact::detail {

// 1..8 per the EXIF standard; 1 when absent, unreadable or outside 1..8 (where
// exif_transpose leaves the image as it is).
int read_orientation(const std::uint8_t* data, std::size_t size, EncodedFormat format) noexcept;

}  // namespace pixelpact::detail
