// JPEG through the libjpeg API of libjpeg-turbo, set up as Pillow's decoder
// (src/libImaging/JpegDecode.c, JpegImagePlugin.py) sets it up: libjpeg's
// defaults (accurate integer IDCT, smooth "fancy" chroma upsampling, no block
// smoothing changes), output in the image's own mode (L for one component, RGB
// for three, CMYK for four, read inverted as Pillow's "CMYK;I"), then Pillow's
// convert() to the contract's colour (color.cpp). Measured identical to Pillow
// 13's bundled libjpeg-turbo 3.x (tests/parity/test_decode_parity.py).
//
// libjpeg reports errors with longjmp: every libjpeg call runs inside guarded(),
// whose frame holds nothing with a destructor. Data that ends early is an error
// (Pillow: "image file is truncated"); libjpeg's warnings (corrupt data it can
// decode past) are ignored, as Pillow ignores them (a region decode that meets
// one decodes the whole image instead).
#include <cstddef>
#include <cstdio>  // jpeglib.h needs size_t and FILE declared first

#include <jpeglib.h>

#include <algorithm>
#include <climits>
#include <csetjmp>
#include <cstring>
#include <memory>
#include <vector>

#include "decode/color.hpp"
#include "decode/formats.hpp"
#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {
namespace {

// Progressive files with more scans than this are refused (a few hundred bytes
// can otherwise demand minutes of decoding); real encoders write at most ~20.
constexpr int kMaxScans = 1000;

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX + 64];
  // Once every row is read, running out of data suspends (as Pillow's source
  // does) instead of failing: a missing EOI is accepted, a corrupt marker not.
  bool suspend_when_empty = false;
};

void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  char text[JMSG_LENGTH_MAX] = "";
  (*cinfo->err->format_message)(cinfo, text);
  std::snprintf(err->message, sizeof err->message, "%s", text);
  std::longjmp(err->jump, 1);
}

// Warnings are not errors, as Pillow ignores them; they are counted, so that a
// region decode can tell it met corrupt data (see jpeg_decode).
void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) ++cinfo->err->num_warnings;
}

// A source that never invents data: running out is an error.
void init_source(j_decompress_ptr) {}
boolean fill_input_buffer(j_decompress_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (err->suspend_when_empty) return FALSE;
  std::snprintf(err->message, sizeof err->message, "the JPEG data is truncated");
  std::longjmp(err->jump, 1);
}
void skip_input_data(j_decompress_ptr cinfo, long count) {
  if (count <= 0) return;
  if (static_cast<std::size_t>(count) > cinfo->src->bytes_in_buffer) {
    fill_input_buffer(cinfo);  // fails, or (after the last row) suspends at the end of the data
    cinfo->src->next_input_byte += cinfo->src->bytes_in_buffer;
    cinfo->src->bytes_in_buffer = 0;
    return;
  }
  cinfo->src->next_input_byte += count;
  cinfo->src->bytes_in_buffer -= static_cast<std::size_t>(count);
}
void term_source(j_decompress_ptr) {}

void limit_scans(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "the JPEG has more than %d scans", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

struct Session {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  jpeg_source_mgr src;
  jpeg_progress_mgr progress;
  bool created = false;

  Session(const std::uint8_t* data, std::size_t size) {
    std::memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    err.pub.emit_message = on_message;
    err.message[0] = '\0';
    src.next_input_byte = data;
    src.bytes_in_buffer = size;
    src.init_source = init_source;
    src.fill_input_buffer = fill_input_buffer;
    src.skip_input_data = skip_input_data;
    src.resync_to_restart = jpeg_resync_to_restart;
    src.term_source = term_source;
    progress.progress_monitor = limit_scans;
  }
  ~Session() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs `step` (libjpeg calls only, nothing with a destructor); false and
  // err.message on a libjpeg error.
  template <class F>
  bool guarded(F&& step) {
    if (setjmp(err.jump)) return false;
    step();
    return true;
  }

  void fail(const char* what) const {
    throw Error(ErrorCode::InvalidArgument, "", std::string(what) + ": " + err.message);
  }

  void read_header() {
    if (!guarded([&] {
          jpeg_create_decompress(&cinfo);
          created = true;
          cinfo.src = &src;
          cinfo.progress = &progress;
          jpeg_read_header(&cinfo, TRUE);
        })) {
      fail("not a readable JPEG");
    }
    if (cinfo.image_width < 1 || cinfo.image_height < 1) {
      throw Error(ErrorCode::InvalidArgument, "", "not a readable JPEG: no image size");
    }
  }
};

}  // namespace

std::string jpeg_library() {
#ifdef LIBJPEG_TURBO_VERSION
#define PIXELPACT_STR2(x) #x
#define PIXELPACT_STR(x) PIXELPACT_STR2(x)
  return "libjpeg-turbo " PIXELPACT_STR(LIBJPEG_TURBO_VERSION) " (libjpeg API " + std::to_string(JPEG_LIB_VERSION) + ")";
#else
  return "libjpeg " + std::to_string(JPEG_LIB_VERSION);
#endif
}

void jpeg_size(const std::uint8_t* data, std::size_t size, int& height, int& width) {
  Session s(data, size);
  s.read_header();
  height = static_cast<int>(s.cinfo.image_height);
  width = static_cast<int>(s.cinfo.image_width);
}

DecodedImage jpeg_decode(const std::uint8_t* data, std::size_t size, DecodeColor color, DecodeDialect dialect,
                         std::int64_t max_bytes, const PixelRegion* region) {
  Session s(data, size);
  s.read_header();
  jpeg_decompress_struct& ci = s.cinfo;
  const int width = static_cast<int>(ci.image_width), height = static_cast<int>(ci.image_height);

  // The image's own Pillow mode, from its component count (JpegImagePlugin).
  SourceLayout layout;
  switch (ci.num_components) {
    case 1: layout = SourceLayout::Gray; ci.out_color_space = JCS_GRAYSCALE; break;
    case 3: layout = SourceLayout::RGB; ci.out_color_space = JCS_RGB; break;
    case 4: layout = SourceLayout::CMYK; ci.out_color_space = JCS_CMYK; break;
    default:
      throw Error(ErrorCode::InvalidArgument, "",
                  "unsupported JPEG: " + std::to_string(ci.num_components) + " colour components (Pillow reads 1, 3 or 4)");
  }
  const bool tensorflow = dialect == DecodeDialect::TensorFlow;
  // Where libjpeg-turbo can write the contract's colour itself, it does (same
  // bytes: replication and byte order only).
  bool direct = false;
  if (tensorflow && layout == SourceLayout::CMYK) {
    // TensorFlow reads CMYK and YCCK files as CMYK and converts them itself.
    if (color == DecodeColor::GRAY) {
      throw Error(ErrorCode::Unsupported, "",
                  "a CMYK JPEG has no grayscale decode in TensorFlow (decode_jpeg channels=1 fails on it)");
    }
    layout = ci.saw_Adobe_marker ? SourceLayout::CmykTfAdobe : SourceLayout::CmykTf;
  } else if (tensorflow && color == DecodeColor::GRAY) {
    // channels=1: libjpeg's own conversion (the luma plane of a YCbCr file).
    direct = true;
    ci.out_color_space = JCS_GRAYSCALE;
  } else if (layout != SourceLayout::CMYK && color != DecodeColor::GRAY) {
    direct = true;
    ci.out_color_space = color == DecodeColor::RGB    ? JCS_EXT_RGB
                         : color == DecodeColor::BGR  ? JCS_EXT_BGR
                         : color == DecodeColor::RGBA ? JCS_EXT_RGBA
                                                      : JCS_EXT_BGRA;
  } else if (layout == SourceLayout::Gray) {
    direct = true;  // L to L
  }
  // Pillow: libjpeg's defaults. TensorFlow: UncompressFlags' defaults, the fast
  // integer IDCT unless dct_method="INTEGER_ACCURATE" (then it is Pillow's).
  ci.dct_method = tensorflow ? JDCT_IFAST : JDCT_ISLOW;
  ci.do_fancy_upsampling = TRUE;

  const int channels = decode_channels(color);
  // libjpeg's working memory: whole-image coefficient buffers for progressive
  // files (2 bytes per coefficient), a few rows otherwise.
  std::int64_t working = 0;
  if (ci.progressive_mode || ci.buffered_image) {
    for (int c = 0; c < ci.num_components; ++c) {
      const auto& comp = ci.comp_info[c];
      const std::int64_t blocks_w = (static_cast<std::int64_t>(width) * comp.h_samp_factor + 8 * ci.max_h_samp_factor - 1) /
                                    (8 * ci.max_h_samp_factor);
      const std::int64_t blocks_h = (static_cast<std::int64_t>(height) * comp.v_samp_factor + 8 * ci.max_v_samp_factor - 1) /
                                    (8 * ci.max_v_samp_factor);
      working += (blocks_w + comp.h_samp_factor) * (blocks_h + comp.v_samp_factor) * 64 * 2;
    }
  }
  check_decoded_size("JPEG", height, width, channels, working, max_bytes);
  if (max_bytes > 0) ci.mem->max_memory_to_use = static_cast<long>(std::min<std::int64_t>(max_bytes, LONG_MAX));

  DecodedImage img;
  img.allocate(height, width, channels);
  std::uint8_t* const pixels = img.pixels.get();
  const std::size_t stride = static_cast<std::size_t>(width) * channels;
  const TransparentColor none;

  if (!s.guarded([&] { jpeg_start_decompress(&ci); })) s.fail("cannot decode the JPEG");
  if (static_cast<int>(ci.output_width) != width || static_cast<int>(ci.output_height) != height) {
    throw Error(ErrorCode::Internal, "", "libjpeg changed the output size");
  }
  // The rows and columns to decode: the region widened on every side, clamped
  // to the image, so that what reads neighbours reads those a whole decode
  // reads: chroma upsampling one iMCU; in a progressive file, block smoothing
  // (libjpeg-turbo estimates a block's missing AC coefficients from the DC
  // values of the blocks up to two away, and a cropped row starts as if at the
  // image's left edge; found by cpp/fuzz/fuzz_encoded.cpp) two more, then the
  // upsampling's one. libjpeg widens the columns further to iMCU boundaries.
  PixelRegion want{0, 0, height, width};
  if (region) {
    const int imcus = ci.progressive_mode ? 3 : 1;
    const int my = imcus * 8 * ci.max_v_samp_factor, mx = imcus * 8 * ci.max_h_samp_factor;
    want = PixelRegion{std::max(0, region->y0 - my), std::max(0, region->x0 - mx), std::min(height, region->y1 + my),
                       std::min(width, region->x1 + mx)};
  }
  JDIMENSION x_offset = static_cast<JDIMENSION>(want.x0), columns = static_cast<JDIMENSION>(want.x1 - want.x0);
  if (columns != static_cast<JDIMENSION>(width)) {
    if (!s.guarded([&] { jpeg_crop_scanline(&ci, &x_offset, &columns); })) s.fail("cannot decode the JPEG");
  }
  if (want.y0 > 0 && !s.guarded([&] { jpeg_skip_scanlines(&ci, static_cast<JDIMENSION>(want.y0)); })) {
    s.fail("cannot decode the JPEG");
  }
  const int out_columns = static_cast<int>(ci.output_width);  // after the crop
  std::vector<std::uint8_t> row(direct ? 0 : static_cast<std::size_t>(out_columns) * source_bytes_per_pixel(layout));
  std::uint8_t* const row_data = row.data();
  std::uint8_t* const column0 = pixels + static_cast<std::size_t>(x_offset) * channels;
  while (static_cast<int>(ci.output_scanline) < want.y1) {
    const int y = static_cast<int>(ci.output_scanline);
    JSAMPROW target = direct ? column0 + y * stride : row_data;
    if (!s.guarded([&] { jpeg_read_scanlines(&ci, &target, 1); })) s.fail("cannot decode the JPEG");
    if (!direct) convert_row(row_data, layout, column0 + y * stride, color, out_columns, none);
  }
  img.filled = PixelRegion{want.y0, static_cast<int>(x_offset), want.y1,
                           static_cast<int>(x_offset + static_cast<JDIMENSION>(out_columns))};
  // The rows below are entropy-decoded without being reconstructed (all but
  // the last, which is read: skipping to the end would read no data), so that
  // a file truncated there is refused as Pillow refuses it.
  if (want.y1 < height) {
    std::vector<std::uint8_t> last(static_cast<std::size_t>(out_columns) * 4);
    JSAMPROW target = last.data();
    if (!s.guarded([&] {
          if (height - want.y1 > 1) jpeg_skip_scanlines(&ci, static_cast<JDIMENSION>(height - want.y1 - 1));
          jpeg_read_scanlines(&ci, &target, 1);
        })) {
      s.fail("cannot decode the JPEG");
    }
  }
  // Every row is decoded. Pillow then calls jpeg_finish_decompress, which reads
  // the markers up to EOI: an error there (a corrupt marker after the last scan)
  // fails its decode ("broken data stream"); running out of data (no EOI) does
  // not, because its source suspends.
  s.err.suspend_when_empty = true;
  if (!s.guarded([&] { jpeg_finish_decompress(&ci); })) s.fail("cannot decode the JPEG");
  // Corrupt data that libjpeg decodes past (a warning) can give other pixels
  // when rows are skipped or columns cropped than when every row is decoded
  // (found by cpp/fuzz/fuzz_encoded.cpp): such a file is decoded whole, which
  // is what Pillow does.
  if (region && s.err.pub.num_warnings > 0) {
    img = DecodedImage();  // release the partial decode first
    return jpeg_decode(data, size, color, dialect, max_bytes, nullptr);
  }
  return img;
}

}  // namespace pixelpact::detail
