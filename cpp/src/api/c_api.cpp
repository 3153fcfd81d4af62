// The C API (pixelpact.h) over the C++ API. Every entry point catches every
// exception (pixelpact::Error, std::bad_alloc, anything else) and turns it into
// a status code plus a thread-local message; error reporting itself never
// allocates, so it cannot fail.
#include "pixelpact/pixelpact.h"

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "pixelpact/pixelpact.hpp"

struct pp_pipeline {
  pixelpact::Pipeline pipe;
  std::string input_color;  // NUL-terminated copy for C callers
};

namespace {

constexpr int kMaxSide = 1 << 20;

thread_local char t_message[1024] = "";
thread_local char t_path[256] = "";

void copy_text(char* dst, std::size_t capacity, const char* src) noexcept {
  std::size_t n = std::strlen(src);
  if (n >= capacity) {
    n = capacity - 1;
    if (n >= 3) std::memcpy(dst + n - 3, "...", 3);
    std::memcpy(dst, src, n - (n >= 3 ? 3 : 0));
  } else {
    std::memcpy(dst, src, n);
  }
  dst[n] = '\0';
}

pp_status fail(pp_status status, const char* message, const char* path = "") noexcept {
  copy_text(t_message, sizeof t_message, message);
  copy_text(t_path, sizeof t_path, path);
  return status;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
pp_status failf(pp_status status, const char* format, ...) noexcept {
  std::va_list args;
  va_start(args, format);
  std::vsnprintf(t_message, sizeof t_message, format, args);
  va_end(args);
  t_path[0] = '\0';
  return status;
}

pp_status null_argument(const char* function, const char* argument) noexcept {
  return failf(PP_ERROR_INVALID_ARGUMENT, "%s: argument '%s' is NULL", function, argument);
}

pp_status status_of(pixelpact::ErrorCode code) noexcept {
  switch (code) {
    case pixelpact::ErrorCode::InvalidContract: return PP_ERROR_INVALID_CONTRACT;
    case pixelpact::ErrorCode::InvalidArgument: return PP_ERROR_INVALID_ARGUMENT;
    case pixelpact::ErrorCode::BufferTooSmall: return PP_ERROR_BUFFER_TOO_SMALL;
    case pixelpact::ErrorCode::Unsupported: return PP_ERROR_UNSUPPORTED;
    case pixelpact::ErrorCode::Internal: return PP_ERROR_INTERNAL;
  }
  return PP_ERROR_INTERNAL;
}

// Runs `body` (which returns a pp_status) with every exception turned into one.
template <typename Body>
pp_status guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const pixelpact::Error& e) {
    return fail(status_of(e.code()), e.what(), e.path().c_str());
  } catch (const std::bad_alloc&) {
    return fail(PP_ERROR_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return failf(PP_ERROR_INTERNAL, "internal error: %s", e.what());
  } catch (...) {
    return fail(PP_ERROR_INTERNAL, "internal error: unknown exception");
  }
}

pp_dtype dtype_of(pixelpact::DType dtype) {
  switch (dtype) {
    case pixelpact::DType::UInt8: return PP_DTYPE_UINT8;
    case pixelpact::DType::Float16: return PP_DTYPE_FLOAT16;
    case pixelpact::DType::Float32: return PP_DTYPE_FLOAT32;
    case pixelpact::DType::Float64: break;
  }
  throw pixelpact::Error(pixelpact::ErrorCode::Internal, "", "output dtype has no pp_dtype");
}

pp_status check_out(const char* function, const pixelpact::Pipeline& pipe, void* out) {
  if (out == nullptr) return null_argument(function, "out");
  const std::size_t align = pixelpact::dtype_size(pipe.output_dtype());
  if (reinterpret_cast<std::uintptr_t>(out) % align != 0) {
    return failf(PP_ERROR_INVALID_ARGUMENT, "%s: out (%p) is not aligned to %zu bytes, as %.*s elements need",
                 function, out, align, static_cast<int>(pixelpact::dtype_name(pipe.output_dtype()).size()),
                 pixelpact::dtype_name(pipe.output_dtype()).data());
  }
  return PP_OK;
}

pp_status run_view(const pp_pipeline* p, const pixelpact::ImageView& view, void* out, std::size_t out_bytes,
                   const char* function, int threads = 1) {
  if (p == nullptr) return null_argument(function, "p");
  if (view.data == nullptr) return null_argument(function, "pixels");
  if (threads < 0) return failf(PP_ERROR_INVALID_ARGUMENT, "%s: threads must be >= 0 (0 = every core), got %d", function, threads);
  if (pp_status s = check_out(function, p->pipe, out); s != PP_OK) return s;
  p->pipe.run(view, out, out_bytes, threads);
  return PP_OK;
}

// The integer a C caller passed as an enum, without loading it as the C++ enum.
template <typename Enum>
std::underlying_type_t<Enum> enum_bits(const Enum& value) noexcept {
  std::underlying_type_t<Enum> bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

pp_status create_pipeline(const char* function, const char* contract_json, std::size_t length,
                          const pixelpact::PipelineOptions& options, pp_pipeline** out) noexcept {
  return guarded([&] {
    if (out == nullptr) return null_argument(function, "out");
    *out = nullptr;
    if (contract_json == nullptr) return null_argument(function, "contract_json");
    if (length == PP_NUL_TERMINATED) length = std::strlen(contract_json);
    auto pipe = pixelpact::Pipeline::from_json(std::string_view(contract_json, length), options);
    std::string color(pipe.input_color());
    *out = new pp_pipeline{std::move(pipe), std::move(color)};
    return PP_OK;
  });
}

}  // namespace

extern "C" {

const char* pp_version(void) { return PIXELPACT_VERSION; }

int pp_contract_version(void) { return pixelpact::kContractVersion; }

const char* pp_last_error(void) { return t_message; }

const char* pp_last_error_path(void) { return t_path; }

const char* pp_status_name(pp_status status) {
  // C callers may pass any int (the header promises "PP_UNKNOWN" for values it
  // does not define): read the enum's bytes as its underlying integer, since
  // loading an out-of-range value as the C++ enum is undefined (UBSan: -fsanitize=enum).
  switch (enum_bits(status)) {
    case PP_OK: return "PP_OK";
    case PP_ERROR_INVALID_CONTRACT: return "PP_ERROR_INVALID_CONTRACT";
    case PP_ERROR_INVALID_ARGUMENT: return "PP_ERROR_INVALID_ARGUMENT";
    case PP_ERROR_BUFFER_TOO_SMALL: return "PP_ERROR_BUFFER_TOO_SMALL";
    case PP_ERROR_UNSUPPORTED: return "PP_ERROR_UNSUPPORTED";
    case PP_ERROR_INTERNAL: return "PP_ERROR_INTERNAL";
  }
  return "PP_UNKNOWN";
}

size_t pp_dtype_size(pp_dtype dtype) {
  switch (enum_bits(dtype)) {
    case PP_DTYPE_UINT8: return 1;
    case PP_DTYPE_FLOAT16: return 2;
    case PP_DTYPE_FLOAT32: return 4;
  }
  return 0;
}

pp_status pp_pipeline_create(const char* contract_json, size_t length, pp_pipeline** out) {
  pixelpact::PipelineOptions options;  // the C defaults are the macros (the C++ ones are equal)
  options.max_output_elements = PP_DEFAULT_MAX_OUTPUT_ELEMENTS;
  options.max_intermediate_bytes = PP_DEFAULT_MAX_INTERMEDIATE_BYTES;
  return create_pipeline("pp_pipeline_create", contract_json, length, options, out);
}

pp_status pp_pipeline_create_with_limits(const char* contract_json, size_t length, int64_t max_output_elements,
                                         int64_t max_intermediate_bytes, pp_pipeline** out) {
  pixelpact::PipelineOptions options;
  options.max_output_elements = max_output_elements;
  options.max_intermediate_bytes = max_intermediate_bytes;
  return create_pipeline("pp_pipeline_create_with_limits", contract_json, length, options, out);
}

pp_status pp_pipeline_create_from_file(const char* path, pp_pipeline** out) {
  return guarded([&] {
    if (out == nullptr) return null_argument("pp_pipeline_create_from_file", "out");
    *out = nullptr;
    if (path == nullptr) return null_argument("pp_pipeline_create_from_file", "path");
    std::FILE* f = std::fopen(path, "rb");
    if (f == nullptr) {
      const std::string reason = std::generic_category().message(errno);
      return failf(PP_ERROR_INVALID_ARGUMENT, "cannot open contract file '%s': %s", path, reason.c_str());
    }
    std::string text;
    char chunk[4096];
    std::size_t n;
    bool read_error = false;
    try {
      while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) text.append(chunk, n);
      read_error = std::ferror(f) != 0;
    } catch (...) {
      std::fclose(f);
      throw;
    }
    std::fclose(f);
    if (read_error) return failf(PP_ERROR_INVALID_ARGUMENT, "cannot read contract file '%s'", path);
    pp_status s = pp_pipeline_create(text.data(), text.size(), out);
    if (s != PP_OK) {  // name the file: "<path>: <message>"
      const std::string message = std::string(path) + ": " + t_message;
      copy_text(t_message, sizeof t_message, message.c_str());
    }
    return s;
  });
}

void pp_pipeline_destroy(pp_pipeline* p) { delete p; }

pp_status pp_pipeline_output_shape(const pp_pipeline* p, int height, int width, int64_t shape[4], int* ndim) {
  return guarded([&] {
    if (p == nullptr) return null_argument("pp_pipeline_output_shape", "p");
    if (shape == nullptr) return null_argument("pp_pipeline_output_shape", "shape");
    if (ndim == nullptr) return null_argument("pp_pipeline_output_shape", "ndim");
    const pixelpact::Shape s = p->pipe.output_shape(height, width);
    for (int i = 0; i < 4; ++i) shape[i] = i < s.ndim ? s.dims[i] : 0;
    *ndim = s.ndim;
    return PP_OK;
  });
}

pp_status pp_pipeline_geometry(const pp_pipeline* p, int height, int width, pp_geometry* geometry) {
  return guarded([&] {
    if (p == nullptr) return null_argument("pp_pipeline_geometry", "p");
    if (geometry == nullptr) return null_argument("pp_pipeline_geometry", "geometry");
    const pixelpact::Geometry g = p->pipe.geometry(height, width);
    *geometry = pp_geometry{g.input_height, g.input_width, g.output_height, g.output_width,
                            g.scale_y,      g.scale_x,     g.offset_y,      g.offset_x,
                            g.content_y0,   g.content_x0,  g.content_y1,    g.content_x1};
    return PP_OK;
  });
}

pp_status pp_pipeline_output_bytes(const pp_pipeline* p, int height, int width, size_t* bytes) {
  return guarded([&] {
    if (p == nullptr) return null_argument("pp_pipeline_output_bytes", "p");
    if (bytes == nullptr) return null_argument("pp_pipeline_output_bytes", "bytes");
    *bytes = p->pipe.output_bytes(height, width);
    return PP_OK;
  });
}

pp_status pp_pipeline_output_dtype(const pp_pipeline* p, pp_dtype* dtype) {
  return guarded([&] {
    if (p == nullptr) return null_argument("pp_pipeline_output_dtype", "p");
    if (dtype == nullptr) return null_argument("pp_pipeline_output_dtype", "dtype");
    *dtype = dtype_of(p->pipe.output_dtype());
    return PP_OK;
  });
}

pp_status pp_pipeline_output_layout(const pp_pipeline* p, pp_layout* layout) {
  return guarded([&] {
    if (p == nullptr) return null_argument("pp_pipeline_output_layout", "p");
    if (layout == nullptr) return null_argument("pp_pipeline_output_layout", "layout");
    switch (p->pipe.output_layout()) {
      case pixelpact::Layout::NCHW: *layout = PP_LAYOUT_NCHW; break;
      case pixelpact::Layout::NHWC: *layout = PP_LAYOUT_NHWC; break;
      case pixelpact::Layout::CHW: *layout = PP_LAYOUT_CHW; break;
      case pixelpact::Layout::HWC: *layout = PP_LAYOUT_HWC; break;
    }
    return PP_OK;
  });
}

pp_status pp_pipeline_input_channels(const pp_pipeline* p, int* channels) {
  return guarded([&] {
    if (p == nullptr) return null_argument("pp_pipeline_input_channels", "p");
    if (channels == nullptr) return null_argument("pp_pipeline_input_channels", "channels");
    *channels = p->pipe.input_channels();
    return PP_OK;
  });
}

const char* pp_pipeline_input_color(const pp_pipeline* p) {
  if (p == nullptr) {
    null_argument("pp_pipeline_input_color", "p");
    return nullptr;
  }
  return p->input_color.c_str();
}

const char* pp_pipeline_name(const pp_pipeline* p) {
  if (p == nullptr) {
    null_argument("pp_pipeline_name", "p");
    return nullptr;
  }
  return p->pipe.name().c_str();
}

const char* pp_pipeline_canonical_json(const pp_pipeline* p) {
  if (p == nullptr) {
    null_argument("pp_pipeline_canonical_json", "p");
    return nullptr;
  }
  return p->pipe.canonical_json().c_str();
}

const char* pp_pipeline_fingerprint(const pp_pipeline* p) {
  if (p == nullptr) {
    null_argument("pp_pipeline_fingerprint", "p");
    return nullptr;
  }
  return p->pipe.fingerprint().c_str();
}

pp_status pp_pipeline_run(const pp_pipeline* p, const uint8_t* pixels, int height, int width, int channels,
                          ptrdiff_t row_stride_bytes, void* out, size_t out_bytes) {
  return guarded([&] {
    pixelpact::ImageView view = pixelpact::ImageView::packed(pixels, height, width, channels);
    if (row_stride_bytes != 0) view.row_stride = row_stride_bytes;
    return run_view(p, view, out, out_bytes, "pp_pipeline_run");
  });
}

pp_status pp_pipeline_run_strided(const pp_pipeline* p, const uint8_t* pixels, int height, int width,
                                  int channels, ptrdiff_t row_stride, ptrdiff_t pixel_stride,
                                  ptrdiff_t channel_stride, void* out, size_t out_bytes) {
  return guarded([&] {
    const pixelpact::ImageView view{pixels, height, width, channels, row_stride, pixel_stride, channel_stride};
    return run_view(p, view, out, out_bytes, "pp_pipeline_run_strided");
  });
}

pp_status pp_pipeline_run_threads(const pp_pipeline* p, const uint8_t* pixels, int height, int width,
                                  int channels, ptrdiff_t row_stride, ptrdiff_t pixel_stride,
                                  ptrdiff_t channel_stride, int threads, void* out, size_t out_bytes) {
  return guarded([&] {
    const pixelpact::ImageView view{pixels, height, width, channels, row_stride, pixel_stride, channel_stride};
    return run_view(p, view, out, out_bytes, "pp_pipeline_run_threads", threads);
  });
}

namespace {

pp_status run_batch_on(const pp_pipeline* p, size_t count, const uint8_t* const* pixels, const int* heights,
                       const int* widths, int channels, const ptrdiff_t* row_strides_bytes, int threads, void* out,
                       size_t out_bytes, const char* kFn) {
  return guarded([&] {
    if (p == nullptr) return null_argument(kFn, "p");
    if (threads < 0) return failf(PP_ERROR_INVALID_ARGUMENT, "%s: threads must be >= 0 (0 = every core), got %d", kFn, threads);
    if (pixels == nullptr) return null_argument(kFn, "pixels");
    if (heights == nullptr) return null_argument(kFn, "heights");
    if (widths == nullptr) return null_argument(kFn, "widths");
    if (count == 0) return failf(PP_ERROR_INVALID_ARGUMENT, "%s: count must be at least 1", kFn);
    if (pp_status s = check_out(kFn, p->pipe, out); s != PP_OK) return s;
    if (channels != p->pipe.input_channels()) {
      return failf(PP_ERROR_INVALID_ARGUMENT,
                   "the contract's input color %s needs %d channel(s), the images have %d",
                   p->input_color.c_str(), p->pipe.input_channels(), channels);
    }
    // Check every image before running any, so a bad batch writes nothing.
    pixelpact::Shape first;
    for (std::size_t i = 0; i < count; ++i) {
      if (pixels[i] == nullptr) return failf(PP_ERROR_INVALID_ARGUMENT, "%s: pixels[%zu] is NULL", kFn, i);
      if (heights[i] < 1 || widths[i] < 1 || heights[i] > kMaxSide || widths[i] > kMaxSide) {
        return failf(PP_ERROR_INVALID_ARGUMENT, "image %zu: size %dx%d is out of range (1..%d per side)", i,
                     heights[i], widths[i], kMaxSide);
      }
      pixelpact::Shape s;
      try {
        s = p->pipe.output_shape(heights[i], widths[i]);
      } catch (const pixelpact::Error& e) {
        return failf(status_of(e.code()), "image %zu: %s", i, e.what());
      }
      if (i == 0) {
        first = s;
      } else if (s.ndim != first.ndim || !std::equal(s.dims, s.dims + s.ndim, first.dims)) {
        return failf(PP_ERROR_INVALID_ARGUMENT,
                     "image %zu (%dx%d) gives a tensor of another shape than image 0 (%dx%d); add a fixed-size "
                     "step such as center_crop to the contract, or batch images by size",
                     i, heights[i], widths[i], heights[0], widths[0]);
      }
    }
    const std::size_t each = static_cast<std::size_t>(first.elements()) *
                             pixelpact::dtype_size(p->pipe.output_dtype());
    if (each != 0 && count > static_cast<std::size_t>(-1) / each) {
      return failf(PP_ERROR_INVALID_ARGUMENT, "%s: %zu tensors of %zu bytes do not fit in memory", kFn, count, each);
    }
    if (out_bytes < count * each) {
      return failf(PP_ERROR_BUFFER_TOO_SMALL, "output buffer has %zu bytes, the batch of %zu tensors needs %zu",
                   out_bytes, count, count * each);
    }
    std::vector<pixelpact::ImageView> views;
    views.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      pixelpact::ImageView view = pixelpact::ImageView::packed(pixels[i], heights[i], widths[i], channels);
      if (row_strides_bytes != nullptr && row_strides_bytes[i] != 0) view.row_stride = row_strides_bytes[i];
      views.push_back(view);
    }
    // One call: images the output overlaps are copied before the first tensor
    // is written (image by image, an earlier tensor would overwrite a later
    // image's pixels).
    p->pipe.run_batch(views.data(), count, out, count * each, threads);
    return PP_OK;
  });
}

}  // namespace

pp_status pp_pipeline_run_batch(const pp_pipeline* p, size_t count, const uint8_t* const* pixels,
                                const int* heights, const int* widths, int channels,
                                const ptrdiff_t* row_strides_bytes, void* out, size_t out_bytes) {
  return run_batch_on(p, count, pixels, heights, widths, channels, row_strides_bytes, 0, out, out_bytes,
                      "pp_pipeline_run_batch");
}

pp_status pp_pipeline_run_batch_threads(const pp_pipeline* p, size_t count, const uint8_t* const* pixels,
                                        const int* heights, const int* widths, int channels,
                                        const ptrdiff_t* row_strides_bytes, int threads, void* out,
                                        size_t out_bytes) {
  return run_batch_on(p, count, pixels, heights, widths, channels, row_strides_bytes, threads, out, out_bytes,
                      "pp_pipeline_run_batch_threads");
}

const char* pp_decoders(void) {
  static thread_local std::string report;
  report = pixelpact::decoders();
  return report.c_str();
}

pp_status pp_pipeline_image_info(const pp_pipeline* p, const void* data, size_t length, pp_image_info* info) {
  static const char* const kFn = "pp_pipeline_image_info";
  return guarded([&] {
    if (p == nullptr) return null_argument(kFn, "p");
    if (data == nullptr) return null_argument(kFn, "data");
    if (info == nullptr) return null_argument(kFn, "info");
    const pixelpact::EncodedImageInfo i = p->pipe.encoded_info(data, length);
    *info = pp_image_info{};
    info->height = i.height;
    info->width = i.width;
    info->stored_height = i.stored_height;
    info->stored_width = i.stored_width;
    info->orientation = i.orientation;
    std::snprintf(info->format, sizeof info->format, "%s", i.format.c_str());
    return PP_OK;
  });
}

pp_status pp_pipeline_run_encoded(const pp_pipeline* p, const void* data, size_t length, void* out,
                                  size_t out_bytes) {
  static const char* const kFn = "pp_pipeline_run_encoded";
  return guarded([&] {
    if (p == nullptr) return null_argument(kFn, "p");
    if (data == nullptr) return null_argument(kFn, "data");
    if (pp_status s = check_out(kFn, p->pipe, out); s != PP_OK) return s;
    p->pipe.run_encoded(data, length, out, out_bytes);
    return PP_OK;
  });
}

}  // extern "C"
