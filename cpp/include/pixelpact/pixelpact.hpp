// pixelpact: execute a preprocessing contract (JSON) on uint8 images, bit-exact
// with the training library the contract names.
//
// Usage:
//   auto pipe = pixelpact::Pipeline::from_json(text);        // validates, compiles
//   pixelpact::Shape s = pipe.output_shape(height, width);
//   std::vector<std::byte> out(pipe.output_bytes(height, width));
//   pipe.run(pixelpact::ImageView::packed(pixels, height, width, 3), out.data(), out.size());
//
// Errors: every failure throws pixelpact::Error (a std::runtime_error) carrying an
// ErrorCode and, for contract problems, the JSON Pointer of the offending value.
// The library never prints and never aborts the process.
//
// Threads: a Pipeline is immutable once built; run() may be called from any number
// of threads at once on the same Pipeline. Copies share the compiled contract.
//
// Memory: a call allocates its intermediate images from per-thread scratch. Each
// thread keeps at most kScratchKeptPerThread bytes of it between calls (so a steady
// stream of images allocates nothing); larger buffers are freed before the call
// returns, so one odd request cannot pin gigabytes for the life of a worker thread.
// PipelineOptions bound what a single call may allocate.
//
// From C or another language: pixelpact/pixelpact.h, the same pipeline behind a C ABI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pixelpact/export.h"

namespace pixelpact {

// Library version, "MAJOR.MINOR.PATCH".
PIXELPACT_API std::string_view version() noexcept;

// Highest contract format version ("pixelpact": N) this library reads.
constexpr int kContractVersion = 1;

// Arrays and objects in a contract may nest at most this deep (the document is
// level 1; a contract needs 4); deeper text is refused while it is parsed.
constexpr int kMaxContractNesting = 64;

// Scratch bytes a thread keeps between calls (see "Memory" above).
constexpr std::size_t kScratchKeptPerThread = std::size_t{64} << 20;

enum class ErrorCode {
  InvalidContract,   // the JSON text is not a valid contract; Error::path() says where
  InvalidArgument,   // a bad image, size or buffer description passed to a call
  BufferTooSmall,    // the caller's output buffer is smaller than output_bytes()
  Unsupported,       // valid request this build cannot execute
  Internal,          // a bug in pixelpact; please report it
};

class PIXELPACT_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string path, const std::string& message);
  ErrorCode code() const noexcept { return code_; }
  // JSON Pointer (RFC 6901) of the contract value at fault, e.g. "/steps/0/size";
  // "" for the document root or for errors unrelated to a contract value.
  const std::string& path() const noexcept { return path_; }

 private:
  ErrorCode code_;
  std::string path_;
};

enum class DType { UInt8, Float16, Float32, Float64 };
enum class Layout { NCHW, NHWC, CHW, HWC };

// Bytes per element of a dtype.
PIXELPACT_API std::size_t dtype_size(DType dtype) noexcept;
// Lower-case names as spelled in contracts: "uint8", "float16", "NCHW", ...
PIXELPACT_API std::string_view dtype_name(DType dtype) noexcept;
PIXELPACT_API std::string_view layout_name(Layout layout) noexcept;

// A read-only view of a uint8 image. Strides are in bytes and may be negative or
// padded; the view does not own the pixels, which must outlive the call using it.
struct ImageView {
  const std::uint8_t* data = nullptr;  // address of pixel (0, 0), channel 0
  int height = 0;
  int width = 0;
  int channels = 0;                    // must match the contract's input color
  std::ptrdiff_t row_stride = 0;       // bytes from (y, x, c) to (y + 1, x, c)
  std::ptrdiff_t pixel_stride = 0;     // bytes from (y, x, c) to (y, x + 1, c)
  std::ptrdiff_t channel_stride = 1;   // bytes from (y, x, c) to (y, x, c + 1)

  // A tightly packed height x width x channels image.
  static ImageView packed(const std::uint8_t* data, int height, int width, int channels) {
    return ImageView{data, height, width, channels,
                     static_cast<std::ptrdiff_t>(width) * channels, channels, 1};
  }
};

// Output tensor shape. ndim is 3 (CHW, HWC) or 4 (NCHW, NHWC with N = 1).
struct Shape {
  int ndim = 0;
  std::int64_t dims[4] = {0, 0, 0, 0};
  PIXELPACT_API std::int64_t elements() const noexcept;
};

// Where the output tensor's pixels come from, for one input size: per axis,
//   input = output * scale + offset
// in continuous pixel coordinates (pixel i covers [i, i + 1), centre i + 0.5,
// which is where every resize places its samples), composed over all geometry
// steps. A detection box (x0, y0, x1, y1) in tensor pixels maps back to the
// image as (x0 * scale_x + offset_x, ...). The image covers the output
// rectangle [content_y0, content_y1) x [content_x0, content_x1) (in output
// pixels, possibly fractional after a resize of a padded image); the rest is
// padding.
struct Geometry {
  int input_height = 0, input_width = 0, output_height = 0, output_width = 0;
  double scale_y = 1, scale_x = 1, offset_y = 0, offset_x = 0;
  double content_y0 = 0, content_x0 = 0, content_y1 = 0, content_x1 = 0;
};

namespace detail {
struct CompiledContract;
}

// Instruction sets with kernels in this build that this CPU runs, best first
// (e.g. {"avx512", "avx2", "reference"}). All produce identical bytes.
PIXELPACT_API std::vector<std::string> supported_isas();

struct PipelineOptions {
  // Kernel instruction set: "" or "auto" picks PIXELPACT_FORCE_ISA if that
  // environment variable is set, else the best supported one; "reference",
  // "avx2", "avx512" or "neon" force one. An unknown or unsupported name throws
  // Error(Unsupported).
  std::string isa;
  // Largest tensor one call may produce, in elements: output_shape() and every
  // run throw Error(InvalidArgument) beyond it, before anything is allocated.
  // 0 = no limit. The default is far above any model input (a 16384x16384x1 map).
  std::int64_t max_output_elements = std::int64_t{1} << 28;
  // Largest intermediate buffer one call may allocate, in bytes (a resized or
  // cropped image between steps, a resize's half-way pass, a packed copy of a
  // strided input): a run that needs more throws Error(InvalidArgument) before
  // allocating it and writes nothing. 0 = no limit.
  std::int64_t max_intermediate_bytes = std::int64_t{1} << 30;
};

// What an encoded image's header says, as a pipeline will see the image
// (Pipeline::encoded_info). No pixel is decoded to learn it.
struct EncodedImageInfo {
  std::string format;             // "jpeg" or "png"
  int height = 0, width = 0;      // the image the steps receive: turned upright
                                  // when the contract's input.decode.orientation is "exif"
  int stored_height = 0, stored_width = 0;  // the pixel grid stored in the file
  int orientation = 1;            // the EXIF orientation applied (1 = none, always 1 when
                                  // the contract ignores orientation)
};

// The image decoders compiled into this build, e.g. "JPEG: libjpeg-turbo 2.1.5
// (libjpeg API 62); PNG: libpng 1.6.39", or which are missing.
PIXELPACT_API std::string decoders();

class Pipeline {
 public:
  // Parses, validates and compiles a contract. Throws Error(InvalidContract) with
  // the JSON Pointer of the first problem found: invalid JSON (the place being
  // read when it failed), a number beyond double range, arrays/objects nested
  // deeper than kMaxContractNesting, or a rule of the contract broken. Bounded
  // in time and memory by the length of the text; messages are short UTF-8.
  // Error(InvalidArgument) for negative limits in `options`.
  PIXELPACT_API static Pipeline from_json(std::string_view contract_json,
                                          const PipelineOptions& options = {});

  // Shape, dtype and size of the tensor produced for an input of this size.
  // Throws Error(InvalidArgument) if the size is not positive or the contract
  // cannot produce a tensor for it (e.g. a resize would reach zero pixels).
  PIXELPACT_API Shape output_shape(int height, int width) const;
  // The mapping between output and input pixel coordinates (see Geometry).
  // Errors: as output_shape().
  PIXELPACT_API Geometry geometry(int height, int width) const;
  PIXELPACT_API std::size_t output_bytes(int height, int width) const;
  PIXELPACT_API DType output_dtype() const noexcept;
  PIXELPACT_API Layout output_layout() const noexcept;

  // Channels the input image must have (3 for RGB/BGR, 4 for RGBA/BGRA, 1 for GRAY).
  PIXELPACT_API int input_channels() const noexcept;
  // Input color as spelled in the contract ("RGB", "BGRA", ...).
  PIXELPACT_API std::string_view input_color() const noexcept;
  // The contract's "name", or "" if it has none.
  PIXELPACT_API const std::string& name() const noexcept;
  // Instruction set of the kernels this pipeline runs ("avx512", "reference", ...).
  PIXELPACT_API std::string_view isa() const noexcept;
  // Each kernel this pipeline may call and the ISA implementing it, e.g.
  // {"conv_horizontal", "avx512"}, {"gather_nearest", "reference"}; a test build
  // configured with PIXELPACT_EMULATE_AVX512 says "avx512 (emulated)".
  PIXELPACT_API std::vector<std::pair<std::string, std::string>> kernels() const;
  // The contract's canonical form: compact JSON with every default written out,
  // keys sorted, one spelling per meaning and numbers in their shortest exact
  // form; "name" and "description" are left out (they cannot change a byte).
  // Contracts that mean the same thing have the same canonical form, which is
  // itself a valid contract with that same form.
  PIXELPACT_API const std::string& canonical_json() const noexcept;
  // The contract's fingerprint: SHA-256 of canonical_json() as 64 lower-case
  // hexadecimal digits. Any change that can change a tensor byte changes it.
  PIXELPACT_API const std::string& fingerprint() const noexcept;

  // Runs the contract on one image and writes the tensor, C-contiguous in the
  // output layout, to `out` (at least output_bytes(image.height, image.width)
  // bytes, aligned for the output dtype). Throws Error(InvalidArgument) for a bad image and
  // Error(BufferTooSmall) if out_bytes is too small; writes nothing then.
  PIXELPACT_API void run(const ImageView& image, void* out, std::size_t out_bytes) const;
  // The same on up to `threads` threads of the persistent pool (0 = every core):
  // the image is split into bands of output rows, each computed from its own
  // window of the input. The bytes are the same for every thread count, and so
  // are the images refused. Small images (under about 256K pixels a band) and
  // contracts that resize after to_float or premultiply alpha run on the
  // calling thread. Throws as run() does; Error(InvalidArgument) for threads < 0.
  PIXELPACT_API void run(const ImageView& image, void* out, std::size_t out_bytes, int threads) const;

  // Encoded images (JPEG, PNG): the pixels Pillow's Image.open(...) gives,
  // converted to the contract's input colour (convert("RGB"), "RGBA" or "L",
  // channels reordered for BGR/BGRA; TensorFlow's tf.io.decode_image pixels for
  // input.decode.decoder "tensorflow") and turned per input.decode.orientation,
  // then the steps (see docs/decoding.md for what is exact and what is refused).
  //
  // encoded_info reads the header only. run_encoded decodes `data` (`size`
  // bytes, read only during the call) and writes the tensor as run() does: at
  // least output_bytes(info.height, info.width) bytes. Errors, before anything
  // is written: Error(InvalidArgument) for data that is not a JPEG or PNG, a
  // corrupt or truncated file, or an image whose decoded pixels would exceed
  // PipelineOptions::max_intermediate_bytes (checked from the header, before
  // allocating); Error(BufferTooSmall); Error(Unsupported) when this build has
  // no decoder for the format (decoders() says which it has) or for an image
  // kind the contract cannot promise exactly.
  PIXELPACT_API EncodedImageInfo encoded_info(const void* data, std::size_t size) const;
  PIXELPACT_API void run_encoded(const void* data, std::size_t size, void* out, std::size_t out_bytes) const;

  // Runs `count` images whose tensors have the same shape, writing tensor i at
  // out + i * output_bytes(images[i]...), on up to `threads` threads (0 = every
  // core) from a persistent pool. The bytes are the same for every thread
  // count. Throws Error(InvalidArgument) if shapes differ or an image is bad
  // (nothing is written then), Error(BufferTooSmall) if out_bytes is too small.
  PIXELPACT_API void run_batch(const ImageView* images, std::size_t count, void* out,
                               std::size_t out_bytes, int threads = 0) const;

 private:
  explicit Pipeline(std::shared_ptr<const detail::CompiledContract> impl);
  std::shared_ptr<const detail::CompiledContract> impl_;
};

}  // namespace pixelpact
