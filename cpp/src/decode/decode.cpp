// Format detection, the size limit and the choice of decoder; the decoders are
// jpeg_decoder.cpp and png_decoder.cpp, each compiled only with its library.
#include "decode/decode.hpp"

#include <cstring>
#include <string>

#include "decode/formats.hpp"
#include "decode/orientation.hpp"
#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {
namespace {

EncodedFormat sniff(const std::uint8_t* data, std::size_t size) {
  if (!data || size == 0) throw Error(ErrorCode::InvalidArgument, "", "no image data (0 bytes)");
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return EncodedFormat::Jpeg;
  if (size >= 8 && std::memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) return EncodedFormat::Png;
  throw Error(ErrorCode::InvalidArgument, "", "not a JPEG or PNG file (unrecognised first bytes)");
}

[[noreturn, maybe_unused]] void not_compiled(const char* format, const char* library) {
  throw Error(ErrorCode::Unsupported, "",
              std::string("decoding ") + format + " is not compiled into this build of pixelpact (" + library +
                  " was not found when it was built); decode the image yourself and call run()");
}

}  // namespace

void check_decoded_size(const char* format, int height, int width, int bytes_per_pixel, std::int64_t extra,
                        std::int64_t max_bytes) {
  const std::int64_t bytes = static_cast<std::int64_t>(height) * width * bytes_per_pixel + extra;
  if (max_bytes > 0 && bytes > max_bytes) {
    throw Error(ErrorCode::InvalidArgument, "",
                std::string(format) + " image too large: " + std::to_string(width) + "x" + std::to_string(height) +
                    " needs " + std::to_string(bytes) + " bytes to decode, over the limit of " +
                    std::to_string(max_bytes) + " (PipelineOptions::max_intermediate_bytes)");
  }
}

bool jpeg_decoding_available() noexcept {
#ifdef PIXELPACT_HAVE_LIBJPEG
  return true;
#else
  return false;
#endif
}

bool png_decoding_available() noexcept {
#ifdef PIXELPACT_HAVE_LIBPNG
  return true;
#else
  return false;
#endif
}

std::string decoder_report() {
#ifdef PIXELPACT_HAVE_LIBJPEG
  std::string jpeg = "JPEG: " + jpeg_library();
#else
  std::string jpeg = "JPEG: not compiled in (libjpeg not found at build time)";
#endif
#ifdef PIXELPACT_HAVE_LIBPNG
  std::string png = "PNG: " + png_library();
#else
  std::string png = "PNG: not compiled in (libpng not found at build time)";
#endif
  return jpeg + "; " + png;
}

EncodedInfo read_encoded_info(const std::uint8_t* data, std::size_t size, bool want_orientation) {
  EncodedInfo info;
  info.format = sniff(data, size);
  if (info.format == EncodedFormat::Jpeg) {
#ifdef PIXELPACT_HAVE_LIBJPEG
    jpeg_size(data, size, info.height, info.width);
#else
    not_compiled("JPEG", "libjpeg");
#endif
  } else {
#ifdef PIXELPACT_HAVE_LIBPNG
    png_size(data, size, info.height, info.width);
#else
    not_compiled("PNG", "libpng");
#endif
  }
  if (want_orientation) info.orientation = read_orientation(data, size, info.format);
  return info;
}

DecodedImage decode_image(const std::uint8_t* data, std::size_t size, DecodeColor color, std::int64_t max_bytes,
                          const PixelRegion* region, DecodeDialect dialect) {
  const EncodedFormat format = sniff(data, size);
  if (dialect == DecodeDialect::TensorFlow && decode_channels(color) == 4) {
    // image_dataset_from_directory's color_mode "rgba" (decode_image channels=4)
    // is not reproduced: TensorFlow's alpha rules are not Pillow's.
    throw Error(ErrorCode::Unsupported, "",
                "the tensorflow decoder gives RGB or GRAY pixels; an RGBA/BGRA input color is not supported with it");
  }
  if (format == EncodedFormat::Jpeg) {
#ifdef PIXELPACT_HAVE_LIBJPEG
    return jpeg_decode(data, size, color, dialect, max_bytes, region);
#else
    not_compiled("JPEG", "libjpeg");
#endif
  }
#ifdef PIXELPACT_HAVE_LIBPNG
  (void)region;  // PNG rows come in order, whole: always decoded in full
  return png_decode(data, size, color, dialect, max_bytes);
#else
  not_compiled("PNG", "libpng");
#endif
}

}  // namespace pixelpact::detail
