// PNG through libpng, giving Pillow's pixels (PngImagePlugin.py and its
// unpackers in libImaging/Unpack.c, Pillow 13), then Pillow's convert() to the
// contract's colour (color.cpp):
//   gray 1/2/4 bits   "1"/"L": scaled to 0..255 by bit replication (libpng's expand)
//   gray 8            "L"
//   gray 16           "I;16": kept at 16 bits, then clamped to 255 by convert()
//                     (Pillow does not take the high byte here, unlike every
//                     other 16-bit mode)
//   gray+alpha 8/16   "LA" (16: the high byte of each sample)
//   RGB(A) 8/16       "RGB"/"RGBA" (16: the high byte)
//   palette 1..8      "P": expanded through the palette; tRNS gives per-entry
//                     alpha for RGBA contracts, is ignored otherwise
//   tRNS of gray/RGB  alpha 0 where the converted 8-bit pixel equals the chunk's
//                     raw value (Pillow compares them unscaled)
//   interlaced        Adam7, de-interlaced
// Gamma, colour profiles, sBIT and the like are ignored, as Pillow ignores them.
//
// libpng reports errors with longjmp: every libpng call runs inside guarded(),
// whose frame holds nothing with a destructor. Truncated or corrupt data (a bad
// CRC, a broken zlib stream) is an error, as in Pillow.
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "decode/color.hpp"
#include "decode/formats.hpp"
#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {
namespace {

struct Reader {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t offset = 0;
  char message[256] = "";
};

void read_bytes(png_structp png, png_bytep out, png_size_t count) {
  auto* r = static_cast<Reader*>(png_get_io_ptr(png));
  if (count > r->size - r->offset) png_error(png, "the PNG data is truncated");
  std::memcpy(out, r->data + r->offset, count);
  r->offset += count;
}

void on_error(png_structp png, png_const_charp message) {
  auto* r = static_cast<Reader*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof r->message, "%s", message);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

struct Session {
  Reader reader;
  png_structp png = nullptr;
  png_infop info = nullptr;

  Session(const std::uint8_t* data, std::size_t size) : reader{data, size} {
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, on_error, on_warning);
    if (png) info = png_create_info_struct(png);
    if (!png || !info) throw Error(ErrorCode::Internal, "", "cannot initialize libpng (out of memory)");
    png_set_read_fn(png, &reader, read_bytes);
    // No limits of libpng's own on the size: ours are applied from the header.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
  }
  ~Session() { png_destroy_read_struct(&png, &info, nullptr); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  template <class F>
  bool guarded(F&& step) {
    if (setjmp(png_jmpbuf(png))) return false;
    step();
    return true;
  }

  void fail(const char* what) const {
    throw Error(ErrorCode::InvalidArgument, "", std::string(what) + ": " + reader.message);
  }

  void read_info() {
    if (!guarded([&] { png_read_info(png, info); })) fail("not a readable PNG");
  }
};

}  // namespace

std::string png_library() { return std::string("libpng ") + png_get_libpng_ver(nullptr); }

void png_size(const std::uint8_t* data, std::size_t size, int& height, int& width) {
  Session s(data, size);
  s.read_info();
  height = static_cast<int>(png_get_image_height(s.png, s.info));
  width = static_cast<int>(png_get_image_width(s.png, s.info));
}

DecodedImage png_decode(const std::uint8_t* data, std::size_t size, DecodeColor color, DecodeDialect dialect,
                        std::int64_t max_bytes) {
  Session s(data, size);
  s.read_info();
  png_structp png = s.png;
  png_infop info = s.info;
  const int width = static_cast<int>(png_get_image_width(png, info));
  const int height = static_cast<int>(png_get_image_height(png, info));
  const int depth = png_get_bit_depth(png, info);
  const int type = png_get_color_type(png, info);
  const bool interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
  const bool wants_alpha = color == DecodeColor::RGBA || color == DecodeColor::BGRA;

  TransparentColor transparent;
  png_bytep trans_alpha = nullptr;
  int trans_count = 0;
  png_color_16p trans_color = nullptr;
  const bool has_trns = png_get_tRNS(png, info, &trans_alpha, &trans_count, &trans_color) != 0;

  SourceLayout layout;
  switch (type) {
    case PNG_COLOR_TYPE_GRAY:
      layout = depth == 16 ? SourceLayout::Gray16 : SourceLayout::Gray;
      if (depth < 8) png_set_expand_gray_1_2_4_to_8(png);
      if (has_trns && wants_alpha) {
        transparent.present = true;
        // Pillow's "1" images hold 0/255 and compare with the value scaled alike.
        transparent.value[0] = depth == 1 ? trans_color->gray * 255 : trans_color->gray;
      }
      break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: layout = SourceLayout::GrayAlpha; break;
    case PNG_COLOR_TYPE_RGB:
      layout = SourceLayout::RGB;
      if (has_trns && wants_alpha) {
        transparent.present = true;
        transparent.value[0] = trans_color->red;
        transparent.value[1] = trans_color->green;
        transparent.value[2] = trans_color->blue;
      }
      break;
    case PNG_COLOR_TYPE_RGB_ALPHA: layout = SourceLayout::RGBA; break;
    case PNG_COLOR_TYPE_PALETTE:
      // libpng's palette expansion turns tRNS into alpha by itself; the
      // conversion drops it again for RGB and GRAY contracts.
      png_set_palette_to_rgb(png);
      layout = has_trns ? SourceLayout::RGBA : SourceLayout::RGB;
      break;
    default: throw Error(ErrorCode::InvalidArgument, "", "not a readable PNG: unknown colour type");
  }
  if (transparent.present && depth == 16 &&
      std::max({transparent.value[0], transparent.value[1], transparent.value[2]}) > 255) {
    // Pillow packs the 16-bit value into one byte per channel when it compares:
    // an artefact, not a rule a contract can promise.
    throw Error(ErrorCode::Unsupported, "",
                "16-bit PNG with a transparent colour (tRNS) above 255 decoded to RGBA: Pillow's result is an "
                "artefact of its byte packing and is not reproduced");
  }
  if (dialect == DecodeDialect::TensorFlow) {
    if (color == DecodeColor::GRAY && (type & PNG_COLOR_MASK_COLOR)) {
      // decode_png channels=1 converts colour with libpng's rgb_to_gray weights, not Pillow's.
      throw Error(ErrorCode::Unsupported, "",
                  "a colour PNG decoded to GRAY by the tensorflow decoder (libpng's own RGB-to-gray) is not "
                  "reproduced");
    }
    // TensorFlow's uint8 decode keeps the high byte of 16-bit gray too (Pillow clamps it).
    if (layout == SourceLayout::Gray16) layout = SourceLayout::Gray;
  }
  if (depth == 16 && layout != SourceLayout::Gray16) png_set_strip_16(png);  // the high byte, as Pillow
  if (interlaced) png_set_interlace_handling(png);
  if (!s.guarded([&] { png_read_update_info(png, info); })) s.fail("cannot decode the PNG");

  const int channels = decode_channels(color);
  const int source_bpp = source_bytes_per_pixel(layout);
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  if (row_bytes != static_cast<std::size_t>(width) * source_bpp) {
    throw Error(ErrorCode::Internal, "", "unexpected PNG row size");
  }
  // The decoded image, plus (when the colours differ) a source row, or the
  // whole source image for interlaced files (Adam7 needs every row at once).
  const bool direct = (layout == SourceLayout::RGB && color == DecodeColor::RGB) ||
                      (layout == SourceLayout::RGBA && color == DecodeColor::RGBA) ||
                      (layout == SourceLayout::Gray && color == DecodeColor::GRAY);
  const std::int64_t source_rows = direct ? 0 : interlaced ? height : 1;
  check_decoded_size("PNG", height, width, channels, source_rows * static_cast<std::int64_t>(row_bytes), max_bytes);

  DecodedImage img;
  img.allocate(height, width, channels);
  std::vector<std::uint8_t> source(static_cast<std::size_t>(source_rows) * row_bytes);
  const std::size_t stride = static_cast<std::size_t>(width) * channels;
  std::uint8_t* const pixels = img.pixels.get();

  if (direct || interlaced) {
    std::vector<png_bytep> rows(static_cast<std::size_t>(height));
    for (int y = 0; y < height; ++y) rows[y] = direct ? pixels + y * stride : source.data() + y * row_bytes;
    png_bytepp row_list = rows.data();
    if (!s.guarded([&] { png_read_image(png, row_list); })) s.fail("cannot decode the PNG");
    if (!direct) {
      for (int y = 0; y < height; ++y) {
        convert_row(source.data() + y * row_bytes, layout, pixels + y * stride, color, width, transparent);
      }
    }
  } else {
    png_bytep row = source.data();
    for (int y = 0; y < height; ++y) {
      if (!s.guarded([&] { png_read_row(png, row, nullptr); })) s.fail("cannot decode the PNG");
      convert_row(row, layout, pixels + y * stride, color, width, transparent);
    }
  }
  // The rest of the file (chunks after the image data) is not needed.
  return img;
}

}  // namespace pixelpact::detail
