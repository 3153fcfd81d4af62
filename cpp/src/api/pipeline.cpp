// The public C++ API (pixelpact.hpp): argument checks, error translation and
// accessors over a compiled contract; the work happens in plan/ and run/.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "contract/contract.hpp"
#include "decode/decode.hpp"
#include "kernels/dispatch.hpp"
#include "pixelpact/pixelpact.hpp"
#include "plan/compiled.hpp"
#include "plan/geometry_steps.hpp"
#include "plan/plan.hpp"
#include "run/executor.hpp"
#include "run/thread_pool.hpp"

namespace pixelpact {

using detail::CompiledContract;

Error::Error(ErrorCode code, std::string path, const std::string& message)
    : std::runtime_error(path.empty() ? message : path + ": " + message),
      code_(code),
      path_(std::move(path)) {}

std::string_view version() noexcept { return PIXELPACT_VERSION; }

std::size_t dtype_size(DType dtype) noexcept {
  switch (dtype) {
    case DType::UInt8: return 1;
    case DType::Float16: return 2;
    case DType::Float32: return 4;
    case DType::Float64: return 8;
  }
  return 0;
}

std::string_view dtype_name(DType dtype) noexcept {
  switch (dtype) {
    case DType::UInt8: return "uint8";
    case DType::Float16: return "float16";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "";
}

std::string_view layout_name(Layout layout) noexcept {
  switch (layout) {
    case Layout::NCHW: return "NCHW";
    case Layout::NHWC: return "NHWC";
    case Layout::CHW: return "CHW";
    case Layout::HWC: return "HWC";
  }
  return "";
}

std::int64_t Shape::elements() const noexcept {
  std::int64_t n = 1;
  for (int i = 0; i < ndim; ++i) n *= dims[i];
  return n;
}

namespace {

void check_output_buffer(std::size_t needed, const void* out, std::size_t out_bytes) {
  if (out == nullptr) throw Error(ErrorCode::InvalidArgument, "", "output buffer is null");
  if (out_bytes < needed) {
    throw Error(ErrorCode::BufferTooSmall, "",
                "output buffer has " + std::to_string(out_bytes) + " bytes, the tensor needs " +
                    std::to_string(needed));
  }
}

// The bytes [first, last] an image view addresses (its sizes already checked).
std::pair<std::uintptr_t, std::uintptr_t> byte_extent(const ImageView& v) {
  std::ptrdiff_t lo = 0, hi = 0;
  const std::ptrdiff_t spans[3] = {(v.height - 1) * v.row_stride, (v.width - 1) * v.pixel_stride,
                                   (v.channels - 1) * v.channel_stride};
  for (std::ptrdiff_t d : spans) (d < 0 ? lo : hi) += d;
  const auto base = reinterpret_cast<std::uintptr_t>(v.data);
  return {base + static_cast<std::uintptr_t>(lo), base + static_cast<std::uintptr_t>(hi)};
}

// An image whose bytes overlap the output buffer would be overwritten while it is
// read (out= aliasing the input, in place or shifted): such an image is copied
// first, packed, into `copy` (an intermediate buffer, within the limit), as numpy
// does for overlapping ufunc operands. Otherwise the view itself is returned.
ImageView unaliased(const ImageView& image, const void* out, std::size_t out_bytes, std::int64_t limit,
                    std::vector<std::uint8_t>& copy) {
  const auto [first, last] = byte_extent(image);
  const auto out_first = reinterpret_cast<std::uintptr_t>(out);
  if (last < out_first || first >= out_first + out_bytes) return image;
  const std::size_t bytes = static_cast<std::size_t>(image.height) * image.width * image.channels;
  if (limit > 0 && bytes > static_cast<std::uint64_t>(limit)) {
    throw Error(ErrorCode::InvalidArgument, "",
                "the output buffer overlaps the image, whose copy needs " + std::to_string(bytes) +
                    " bytes, more than the limit of " + std::to_string(limit) +
                    " (PipelineOptions::max_intermediate_bytes)");
  }
  copy.resize(bytes);
  std::uint8_t* dst = copy.data();
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      for (int c = 0; c < image.channels; ++c)
        *dst++ = image.data[y * image.row_stride + x * image.pixel_stride + c * image.channel_stride];
  return ImageView::packed(copy.data(), image.height, image.width, image.channels);
}

}  // namespace

Pipeline::Pipeline(std::shared_ptr<const CompiledContract> impl) : impl_(std::move(impl)) {}

std::vector<std::string> supported_isas() { return detail::supported_isas(); }

std::string decoders() { return detail::decoder_report(); }

Pipeline Pipeline::from_json(std::string_view contract_json, const PipelineOptions& options) {
  try {
    const kernels::KernelTable& table = detail::select_kernels(options.isa);
    if (options.max_output_elements < 0 || options.max_intermediate_bytes < 0) {
      throw Error(ErrorCode::InvalidArgument, "", "PipelineOptions limits must be >= 0 (0 = no limit)");
    }
    auto compiled = detail::compile(detail::parse_contract(contract_json), table);
    compiled->options = options;
    return Pipeline(std::move(compiled));
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::Internal, "", "out of memory while compiling the contract");
  } catch (const std::exception& e) {
    throw Error(ErrorCode::Internal, "", std::string("unexpected failure: ") + e.what());
  }
}

Shape Pipeline::output_shape(int height, int width) const {
  if (height < 1 || width < 1) {
    throw Error(ErrorCode::InvalidArgument, "",
                "input size must be positive, got " + std::to_string(height) + "x" + std::to_string(width));
  }
  auto hw = detail::output_size(impl_->contract, height, width);
  Shape s;
  switch (impl_->contract.layout) {
    case Layout::NCHW: s.ndim = 4; s.dims[0] = 1; s.dims[1] = 3; s.dims[2] = hw.first; s.dims[3] = hw.second; break;
    case Layout::NHWC: s.ndim = 4; s.dims[0] = 1; s.dims[1] = hw.first; s.dims[2] = hw.second; s.dims[3] = 3; break;
    case Layout::CHW: s.ndim = 3; s.dims[0] = 3; s.dims[1] = hw.first; s.dims[2] = hw.second; break;
    case Layout::HWC: s.ndim = 3; s.dims[0] = hw.first; s.dims[1] = hw.second; s.dims[2] = 3; break;
  }
  const std::int64_t limit = impl_->options.max_output_elements;
  if (limit > 0 && s.elements() > limit) {
    throw Error(ErrorCode::InvalidArgument, "",
                "a " + std::to_string(height) + "x" + std::to_string(width) + " image gives a tensor of " +
                    std::to_string(s.elements()) + " elements, more than the limit of " + std::to_string(limit) +
                    " (PipelineOptions::max_output_elements)");
  }
  return s;
}

Geometry Pipeline::geometry(int height, int width) const {
  output_shape(height, width);  // the same argument checks
  return detail::geometry_of(impl_->contract, height, width);
}

std::size_t Pipeline::output_bytes(int height, int width) const {
  return static_cast<std::size_t>(output_shape(height, width).elements()) * dtype_size(output_dtype());
}

DType Pipeline::output_dtype() const noexcept { return impl_->contract.output_dtype; }
Layout Pipeline::output_layout() const noexcept { return impl_->contract.layout; }
int Pipeline::input_channels() const noexcept { return detail::input_channel_count(impl_->contract.input_color); }
std::string_view Pipeline::input_color() const noexcept { return detail::input_color_name(impl_->contract.input_color); }
const std::string& Pipeline::name() const noexcept { return impl_->contract.name; }
std::string_view Pipeline::isa() const noexcept { return impl_->kernel_table->name; }
std::vector<std::pair<std::string, std::string>> Pipeline::kernels() const {
  return detail::kernel_report(*impl_->kernel_table);
}
const std::string& Pipeline::canonical_json() const noexcept { return impl_->canonical; }
const std::string& Pipeline::fingerprint() const noexcept { return impl_->fingerprint; }

void Pipeline::run(const ImageView& image, void* out, std::size_t out_bytes) const { run(image, out, out_bytes, 1); }

void Pipeline::run(const ImageView& image, void* out, std::size_t out_bytes, int threads) const {
  using namespace detail;
  const CompiledContract& cc = *impl_;
  if (threads < 0) throw Error(ErrorCode::InvalidArgument, "", "threads must be >= 0 (0 = all cores)");
  check_image(cc, image);
  check_output_buffer(output_bytes(image.height, image.width), out, out_bytes);
  try {
    std::vector<std::uint8_t> copy;
    execute(cc, unaliased(image, out, out_bytes, cc.options.max_intermediate_bytes, copy), out,
            threads == 0 ? hardware_threads() : threads);
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::Internal, "", "out of memory while running the pipeline");
  }
}

void Pipeline::run_batch(const ImageView* images, std::size_t count, void* out, std::size_t out_bytes,
                         int threads) const {
  using namespace detail;
  const CompiledContract& cc = *impl_;
  if (count == 0) return;
  if (images == nullptr) throw Error(ErrorCode::InvalidArgument, "", "images is null");
  if (out == nullptr) throw Error(ErrorCode::InvalidArgument, "", "output buffer is null");
  if (threads < 0) throw Error(ErrorCode::InvalidArgument, "", "threads must be >= 0 (0 = all cores)");
  std::size_t each = 0;
  Shape first;
  for (std::size_t i = 0; i < count; ++i) {
    check_image(cc, images[i]);
    Shape s = output_shape(images[i].height, images[i].width);
    if (i == 0) {
      first = s;
      each = static_cast<std::size_t>(s.elements()) * dtype_size(output_dtype());
    } else if (!std::equal(s.dims, s.dims + s.ndim, first.dims)) {
      throw Error(ErrorCode::InvalidArgument, "",
                  "batch outputs differ in shape: image 0 and image " + std::to_string(i) +
                      " give different tensor shapes");
    }
  }
  if (out_bytes / count < each) {
    throw Error(ErrorCode::BufferTooSmall, "",
                "output buffer has " + std::to_string(out_bytes) + " bytes, the batch needs " +
                    std::to_string(each * count));
  }
  // Images the output overlaps are copied before any tensor is written.
  std::vector<std::vector<std::uint8_t>> copies(count);
  std::vector<ImageView> views(images, images + count);
  try {
    for (std::size_t i = 0; i < count; ++i) {
      views[i] = unaliased(images[i], out, out_bytes, cc.options.max_intermediate_bytes, copies[i]);
    }
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::Internal, "", "out of memory while running the pipeline");
  }
  // Threads take runs of consecutive images, about four runs each: a thread's
  // tensors are then one stretch of the output, so the first touch of a fresh
  // output (the kernel zeroing its pages, 2 MiB at a time with transparent huge
  // pages, as numpy asks for large arrays) happens on different pages in each
  // thread instead of making them wait for each other's page faults, and the
  // runs are still small enough to balance images of different sizes.
  const std::size_t workers = static_cast<std::size_t>(threads == 0 ? hardware_threads() : threads);
  const std::size_t run_length = std::max<std::size_t>(1, count / (workers * 4));
  const std::size_t runs = (count + run_length - 1) / run_length;
  std::mutex failure_mutex;
  std::exception_ptr failure;
  const std::function<void(std::size_t)> task = [&](std::size_t run) {
    const std::size_t end = std::min(count, (run + 1) * run_length);
    for (std::size_t i = run * run_length; i < end; ++i) {
      try {
        execute(cc, views[i], static_cast<std::uint8_t*>(out) + i * each);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        return;
      }
    }
  };
  parallel_for(runs, static_cast<int>(std::min<std::size_t>(workers, 1 << 16)), task);
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const Error&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw Error(ErrorCode::Internal, "", "out of memory while running the pipeline");
    } catch (const std::exception& e) {
      throw Error(ErrorCode::Internal, "", e.what());
    }
  }
}

namespace {

detail::DecodeColor decode_color(detail::InputColor color) {
  switch (color) {
    case detail::InputColor::RGB: return detail::DecodeColor::RGB;
    case detail::InputColor::BGR: return detail::DecodeColor::BGR;
    case detail::InputColor::RGBA: return detail::DecodeColor::RGBA;
    case detail::InputColor::BGRA: return detail::DecodeColor::BGRA;
    case detail::InputColor::GRAY: return detail::DecodeColor::GRAY;
  }
  return detail::DecodeColor::RGB;
}

// The decoded (stored) image seen through EXIF orientation `o`, as
// PIL.ImageOps.exif_transpose turns it: a view with other strides, no copy.
ImageView oriented(const detail::DecodedImage& img, int o) {
  ImageView v = ImageView::packed(img.pixels.get(), img.height, img.width, img.channels);
  const std::ptrdiff_t rs = v.row_stride, ps = v.pixel_stride;
  const std::ptrdiff_t last_row = (img.height - 1) * rs, last_col = (img.width - 1) * ps;
  const bool swap = o >= 5;  // 5..8 exchange height and width
  if (swap) std::swap(v.height, v.width);
  switch (o) {
    case 2: v.data += last_col; v.pixel_stride = -ps; break;                          // FLIP_LEFT_RIGHT
    case 3: v.data += last_row + last_col; v.row_stride = -rs; v.pixel_stride = -ps; break;  // ROTATE_180
    case 4: v.data += last_row; v.row_stride = -rs; break;                            // FLIP_TOP_BOTTOM
    case 5: v.row_stride = ps; v.pixel_stride = rs; break;                            // TRANSPOSE
    case 6: v.data += last_row; v.row_stride = ps; v.pixel_stride = -rs; break;       // ROTATE_270
    case 7: v.data += last_row + last_col; v.row_stride = -ps; v.pixel_stride = -rs; break;  // TRANSVERSE
    case 8: v.data += last_col; v.row_stride = -ps; v.pixel_stride = rs; break;       // ROTATE_90
    default: break;
  }
  return v;
}

// The stored pixels behind rectangle `r` of the image seen through orientation
// `o` (the inverse of oriented()), for a stored image of h x w pixels.
detail::PixelRegion stored_region(const detail::Rect& r, int o, int h, int w) {
  const int ya = r.y0, yb = r.y1 - 1, xa = r.x0, xb = r.x1 - 1;  // inclusive corners
  int sy0 = ya, sy1 = yb, sx0 = xa, sx1 = xb;
  switch (o) {
    case 2: sx0 = w - 1 - xb; sx1 = w - 1 - xa; break;
    case 3: sy0 = h - 1 - yb; sy1 = h - 1 - ya; sx0 = w - 1 - xb; sx1 = w - 1 - xa; break;
    case 4: sy0 = h - 1 - yb; sy1 = h - 1 - ya; break;
    case 5: sy0 = xa; sy1 = xb; sx0 = ya; sx1 = yb; break;
    case 6: sy0 = h - 1 - xb; sy1 = h - 1 - xa; sx0 = ya; sx1 = yb; break;
    case 7: sy0 = h - 1 - xb; sy1 = h - 1 - xa; sx0 = w - 1 - yb; sx1 = w - 1 - ya; break;
    case 8: sy0 = xa; sy1 = xb; sx0 = w - 1 - yb; sx1 = w - 1 - ya; break;
    default: break;
  }
  return detail::PixelRegion{sy0, sx0, sy1 + 1, sx1 + 1};
}

}  // namespace

EncodedImageInfo Pipeline::encoded_info(const void* data, std::size_t size) const {
  if (data == nullptr && size != 0) throw Error(ErrorCode::InvalidArgument, "", "image data is null");
  const bool exif = impl_->contract.orientation == detail::Orientation::Exif;
  const detail::EncodedInfo header =
      detail::read_encoded_info(static_cast<const std::uint8_t*>(data), size, exif);
  EncodedImageInfo info;
  info.format = header.format == detail::EncodedFormat::Jpeg ? "jpeg" : "png";
  info.stored_height = header.height;
  info.stored_width = header.width;
  info.orientation = exif ? header.orientation : 1;
  const bool swap = info.orientation >= 5;
  info.height = swap ? header.width : header.height;
  info.width = swap ? header.height : header.width;
  return info;
}

void Pipeline::run_encoded(const void* data, std::size_t size, void* out, std::size_t out_bytes) const {
  const EncodedImageInfo info = encoded_info(data, size);
  // The tensor's size and the caller's buffer are checked before decoding.
  check_output_buffer(output_bytes(info.height, info.width), out, out_bytes);
  // Only the pixels the plan reads are decoded (where the format allows it).
  detail::Rect needed = impl_->plans.plan_for(impl_->contract, info.height, info.width)->input_rect;
  if (needed.empty()) needed = detail::Rect{0, 0, 1, 1};  // a tensor of padding only: decode a corner
  const detail::PixelRegion region = stored_region(needed, info.orientation, info.stored_height, info.stored_width);
  detail::DecodedImage img;
  try {
    const detail::DecodeDialect dialect = impl_->contract.decoder == detail::Decoder::TensorFlow
                                              ? detail::DecodeDialect::TensorFlow
                                              : detail::DecodeDialect::Pillow;
    img = detail::decode_image(static_cast<const std::uint8_t*>(data), size,
                               decode_color(impl_->contract.input_color), impl_->options.max_intermediate_bytes,
                               &region, dialect);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::Internal, "", "out of memory while decoding the image");
  }
  run(oriented(img, info.orientation), out, out_bytes);
}

}  // namespace pixelpact
