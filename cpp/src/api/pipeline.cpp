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

void Pipeline::run(const ImageView& image, void* out, std::size_t out_bytes) const {
  using namespace detail;
  const CompiledContract& cc = *impl_;
  check_image(cc, image);
  const std::size_t needed = output_bytes(image.height, image.width);
  if (out == nullptr) throw Error(ErrorCode::InvalidArgument, "", "output buffer is null");
  if (out_bytes < needed) {
    throw Error(ErrorCode::BufferTooSmall, "",
                "output buffer has " + std::to_string(out_bytes) + " bytes, the tensor needs " +
                    std::to_string(needed));
  }
  try {
    std::vector<std::uint8_t> copy;
    execute(cc, unaliased(image, out, out_bytes, cc.options.max_intermediate_bytes, copy), out);
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
  std::mutex failure_mutex;
  std::exception_ptr failure;
  const std::function<void(std::size_t)> task = [&](std::size_t i) {
    try {
      execute(cc, views[i], static_cast<std::uint8_t*>(out) + i * each);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  parallel_for(count, threads == 0 ? hardware_threads() : threads, task);
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

}  // namespace pixelpact
