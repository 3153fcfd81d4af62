// Harness 2: valid contracts run on images of fuzzed shape and storage, through
// the C API: height, width and channel count (including 0, negative, beyond the
// 2^20 side limit, 2^31 - 1), row / pixel / channel strides (padded, zero,
// negative, overlapping, planar), a misaligned pixel pointer, the output
// buffer's size and alignment, single runs, strided runs and batches.
//
// Holds for every input:
//  * the status is exactly the expected one: PP_ERROR_INVALID_ARGUMENT for a
//    bad size, channel count or misaligned output (or a documented limit),
//    else PP_ERROR_BUFFER_TOO_SMALL exactly when out_bytes < the tensor's
//    bytes, else PP_OK;
//  * a failure writes no byte of the output buffer, a success none past the
//    tensor;
//  * no byte outside the image's addressed bytes is read, none outside the
//    buffer written (the buffers end exactly there and, under ASan, begin
//    exactly there: a poisoned prefix);
//  * the tensor of a success equals, byte for byte, the scalar reference ISA's
//    tensor of a packed copy of the same view, also when the output buffer lies
//    inside the image's own bytes (out= aliasing the input).
#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_bytes.hpp"
#include "pixelpact/pixelpact.h"
#include "pixelpact/pixelpact.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PIXELPACT_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PIXELPACT_FUZZ_ASAN 1
#endif
#ifdef PIXELPACT_FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace {

using pixelpact::fuzz::FuzzBytes;
using pixelpact::fuzz::fuzz_failure;

constexpr int64_t kMaxElements = int64_t{1} << 20;
// A 1 x 4096 image through contract 6's shorter-side-16 float resize builds a
// 16 x 65536 float plane (12.6 MB; 20 s under ASan): refused at 4 MB.
constexpr int64_t kMaxIntermediate = int64_t{4} << 20;
constexpr std::uint8_t kSentinel = 0xA5;
constexpr int kMaxPixels = 1 << 16;  // per image: keeps an execution in milliseconds under ASan

#define OUT_RGB R"("output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"})"
// Valid contracts covering the writers, every engine, alpha policies, padding
// crops, letterbox, the float resize, and every output dtype and layout.
const char* const kContracts[] = {
    R"({"pixelpact": 1, "input": {"color": "RGB"}, "steps": [], )" OUT_RGB "}",
    R"({"pixelpact": 1, "input": {"color": "RGB"}, "steps": [
        {"op": "resize", "size": 36, "interpolation": "bilinear", "engine": "pillow"},
        {"op": "center_crop", "size": 32}, {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
        {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}],
        "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}})",
    R"({"pixelpact": 1, "input": {"color": "GRAY"}, "steps": [
        {"op": "pad", "padding": [1, 2], "fill": 9},
        {"op": "resize", "size": [17, 23], "interpolation": "bicubic", "engine": "torch", "antialias": true},
        {"op": "to_float", "dtype": "float32"}, {"op": "mul", "value": 0.5}],
        "output": {"layout": "NHWC", "dtype": "float16", "color": "BGR"}})",
    R"({"pixelpact": 1, "input": {"color": "RGBA", "alpha": "premultiply"}, "steps": [
        {"op": "resize", "size": [20, 20], "interpolation": "box", "engine": "pillow"}],
        "output": {"layout": "CHW", "dtype": "uint8", "color": "RGB"}})",
    R"({"pixelpact": 1, "input": {"color": "BGRA", "alpha": "composite", "background": [1, 2, 3]}, "steps": [
        {"op": "letterbox", "size": 24, "engine": "opencv"}, {"op": "to_float", "dtype": "float32"},
        {"op": "mul", "value": 0.00392156862745098}],
        "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}})",
    R"({"pixelpact": 1, "input": {"color": "BGR"}, "steps": [
        {"op": "crop", "top": -3, "left": 5, "height": 20, "width": 16, "fill": [1, 2, 3]},
        {"op": "resize", "size": [9, 11], "interpolation": "area", "engine": "opencv"}],
        "output": {"layout": "HWC", "dtype": "uint8", "color": "BGR"}})",
    R"({"pixelpact": 1, "input": {"color": "RGB"}, "steps": [{"op": "to_float", "dtype": "float32"},
        {"op": "resize", "size": 16, "interpolation": "bilinear", "engine": "torch", "antialias": false},
        {"op": "center_crop", "size": 16}],
        "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}})",
    R"({"pixelpact": 1, "input": {"color": "RGB"}, "steps": [
        {"op": "resize", "scale": [0.5, 0.75], "interpolation": "bilinear-exact", "engine": "opencv"}], )" OUT_RGB "}",
    R"({"pixelpact": 1, "input": {"color": "BGRA"}, "steps": [
        {"op": "resize", "size": [12, 7], "interpolation": "nearest", "engine": "pillow"}],
        "output": {"layout": "NHWC", "dtype": "float32", "color": "BGR"}})",
};
constexpr int kContractCount = static_cast<int>(sizeof kContracts / sizeof kContracts[0]);

struct Pipelines {
  std::vector<std::string> isas;                 // best first, "reference" last
  std::vector<std::vector<pp_pipeline*>> by_isa;  // [isa][contract]
  Pipelines() = default;
  Pipelines(Pipelines&&) = default;
  ~Pipelines() {
    for (auto& row : by_isa)
      for (pp_pipeline* pipe : row) pp_pipeline_destroy(pipe);
  }
};

// Each contract compiled once per supported ISA (PIXELPACT_FORCE_ISA is read
// when a pipeline is created: the C API's way to choose one).
const Pipelines& pipelines() {
  static const Pipelines all = [] {
    Pipelines p;
    p.isas = pixelpact::supported_isas();
    for (const std::string& isa : p.isas) {
      setenv("PIXELPACT_FORCE_ISA", isa.c_str(), 1);
      std::vector<pp_pipeline*> row;
      for (const char* contract : kContracts) {
        pp_pipeline* pipe = nullptr;
        if (pp_pipeline_create_with_limits(contract, PP_NUL_TERMINATED, kMaxElements, kMaxIntermediate, &pipe) !=
            PP_OK) {
          fuzz_failure("a harness contract is refused", std::string(contract) + "\n" + pp_last_error());
        }
        row.push_back(pipe);
      }
      p.by_isa.push_back(std::move(row));
    }
    unsetenv("PIXELPACT_FORCE_ISA");
    return p;
  }();
  return all;
}

// A side: mostly small, sometimes one of the edges of the API's range.
int fuzz_side(FuzzBytes& f) {
  if (f.range(0, 15) != 0) return static_cast<int>(f.range(1, 70));
  const int edges[] = {0, -1, INT_MIN, 65535, 1 << 20, (1 << 20) + 1, INT_MAX, 4096, 1000, 257};
  return edges[f.pick(sizeof edges / sizeof edges[0])];
}

bool side_ok(int n) { return n >= 1 && n <= (1 << 20); }

// A stride for an axis whose natural stride is `natural` bytes.
std::ptrdiff_t fuzz_stride(FuzzBytes& f, std::ptrdiff_t natural, std::ptrdiff_t planar) {
  switch (f.pick(9)) {
    case 0: return 0;                                // every index reads the same bytes
    case 1: return -natural;                         // flipped
    case 2: return natural + f.range(1, 67);         // padded
    case 3: return -(natural + f.range(1, 9));       // flipped and padded
    case 4: return std::max<std::ptrdiff_t>(1, natural - f.range(1, 4));  // overlapping
    case 5: return planar;                           // planar channels, interleaved rows ...
    case 6: return 1;
    default: return natural;
  }
}

struct View {
  int height, width, channels;
  std::ptrdiff_t row, pixel, channel;  // strides in bytes
};

// Lowest and highest byte offset the view addresses (its sides valid).
void extent(const View& v, std::ptrdiff_t* lo, std::ptrdiff_t* hi) {
  *lo = *hi = 0;
  const std::ptrdiff_t steps[3][2] = {{v.height - 1, v.row}, {v.width - 1, v.pixel}, {v.channels - 1, v.channel}};
  for (const auto& s : steps) {
    const std::ptrdiff_t d = s[0] * s[1];
    if (d < 0) *lo += d; else *hi += d;
  }
}

// A buffer of `size` bytes whose first `skew` bytes before the data are poisoned.
struct Buffer {
  std::uint8_t* base = nullptr;
  std::size_t skew = 0, size = 0;
  Buffer(std::size_t n, std::size_t skew_bytes) : skew(skew_bytes), size(n) {
    base = static_cast<std::uint8_t*>(std::malloc(skew + n + 1));  // +1: never malloc(0)
    POISON(base, skew);
  }
  ~Buffer() {
    UNPOISON(base, skew);
    std::free(base);
  }
  std::uint8_t* data() const { return base + skew; }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
};

std::string describe(const View& v, std::size_t out_bytes, int mode) {
  char text[256];
  std::snprintf(text, sizeof text, "mode %d, %dx%dx%d, strides row %td pixel %td channel %td, out_bytes %zu", mode,
                v.height, v.width, v.channels, v.row, v.pixel, v.channel, out_bytes);
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Pipelines& all = pipelines();
  FuzzBytes f(data, size);
  const int which = f.pick(kContractCount);
  const int isa = f.pick(static_cast<int>(all.isas.size()));
  const pp_pipeline* pipe = all.by_isa[isa][which];
  const pp_pipeline* reference = all.by_isa.back()[which];
  int expected_channels = 0;
  pp_pipeline_input_channels(pipe, &expected_channels);
  pp_dtype dtype;
  pp_pipeline_output_dtype(pipe, &dtype);

  const int mode = f.pick(3);  // 0 run, 1 run_strided, 2 run_batch
  View v{fuzz_side(f), fuzz_side(f), expected_channels, 0, 0, 1};
  if (f.range(0, 15) == 0) v.channels = static_cast<int>(f.range(-1, 6));
  const bool sides_ok = side_ok(v.height) && side_ok(v.width);
  const bool shape_ok = sides_ok && v.channels == expected_channels;
  if (sides_ok && static_cast<int64_t>(v.height) * v.width > kMaxPixels) {
    int& longer = v.height > v.width ? v.height : v.width;  // 2^20 x 11 becomes 5957 x 11
    longer = std::max(1, kMaxPixels / std::min(v.height, v.width));
  }
  const int channels = std::max(1, v.channels);
  const std::ptrdiff_t w = sides_ok ? v.width : 1, h = sides_ok ? v.height : 1;
  v.channel = mode == 1 ? fuzz_stride(f, 1, h * w) : 1;
  v.pixel = mode == 1 ? fuzz_stride(f, channels, 1) : channels;
  v.row = fuzz_stride(f, w * channels, channels);
  // Row stride 0 means packed rows for run and run_batch (and for a batch, so does
  // omitting the strides array).
  const bool packed_rows = mode != 1 && (v.row == 0 || f.range(0, 3) == 0);
  if (packed_rows) v.row = w * channels;
  const bool omit_row_strides = mode == 2 && packed_rows && f.flag();
  const int count = mode == 2 ? static_cast<int>(f.range(1, 3)) : 1;

  // The image: exactly the addressed bytes, preceded by a poisoned prefix that
  // also misaligns the pixel pointer.
  std::ptrdiff_t lo = 0, hi = 0;
  if (shape_ok) extent(v, &lo, &hi);
  Buffer image(static_cast<std::size_t>(hi - lo + 1), static_cast<std::size_t>(f.range(0, 63)));
  pixelpact::fuzz::fill_noise(image.data(), image.size, f.range(0, 1 << 30));
  const std::uint8_t* pixels = image.data() - lo;
  // The oracle's input, taken before the run (which may overwrite an aliased image).
  std::vector<std::uint8_t> packed;
  if (shape_ok) {
    packed.reserve(static_cast<size_t>(v.height) * v.width * v.channels);
    for (int y = 0; y < v.height; ++y)
      for (int x = 0; x < v.width; ++x)
        for (int c = 0; c < v.channels; ++c) packed.push_back(pixels[y * v.row + x * v.pixel + c * v.channel]);
  }

  // The output: needed bytes, give or take, possibly misaligned.
  size_t needed = 0;
  const bool shape_query_ok = shape_ok && pp_pipeline_output_bytes(pipe, v.height, v.width, &needed) == PP_OK;
  if (shape_ok && !shape_query_ok) return 0;  // beyond the contract's range (e.g. a crop to nothing): not this harness
  size_t out_bytes = needed * count;
  switch (f.pick(6)) {
    case 0: out_bytes = out_bytes > 0 ? out_bytes - 1 : 0; break;
    case 1: out_bytes = static_cast<size_t>(f.range(0, static_cast<int64_t>(out_bytes))); break;
    case 2: out_bytes += static_cast<size_t>(f.range(1, 40)); break;
    default: break;
  }
  const size_t out_skew = f.range(0, 7) == 0 ? static_cast<size_t>(f.range(1, 3)) : 0;
  Buffer out_buffer(out_bytes, 16 + out_skew);  // 16: malloc's alignment kept, then the skew
  std::uint8_t* out = out_buffer.data();
  std::memset(out, kSentinel, out_bytes);
  bool aligned = out_skew % pp_dtype_size(dtype) == 0;
  // Sometimes the output buffer lies inside the image's bytes (out= aliasing the
  // input): the core must copy the image first. No sentinels then.
  const std::size_t align = pp_dtype_size(dtype);
  const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(image.data());
  const std::size_t to_aligned = (align - first % align) % align;
  const bool aliased = shape_ok && f.range(0, 7) == 7 && to_aligned + out_bytes <= image.size;
  if (aliased) {
    out = image.data() + to_aligned;
    aligned = true;
  }

  pp_status status;
  const std::ptrdiff_t row_arg = packed_rows ? 0 : v.row;
  if (mode == 0) {
    status = pp_pipeline_run(pipe, pixels, v.height, v.width, v.channels, row_arg, out, out_bytes);
  } else if (mode == 1) {
    status = pp_pipeline_run_strided(pipe, pixels, v.height, v.width, v.channels, v.row, v.pixel, v.channel,
                                     out, out_bytes);
  } else {
    const std::uint8_t* images[3] = {pixels, pixels, pixels};
    const int heights[3] = {v.height, v.height, v.height}, widths[3] = {v.width, v.width, v.width};
    const std::ptrdiff_t rows[3] = {row_arg, row_arg, row_arg};
    status = pp_pipeline_run_batch(pipe, static_cast<size_t>(count), images, heights, widths, v.channels,
                                   omit_row_strides ? nullptr : rows, out, out_bytes);
  }

  const std::string what = describe(v, out_bytes, mode) + ", isa " + all.isas[isa] + ", contract " +
                           std::to_string(which) + (out_skew && !aliased ? ", output misaligned" : "") +
                           (aliased ? ", output inside the image" : "");
  if (std::getenv("PIXELPACT_FUZZ_VERBOSE")) std::fprintf(stderr, "%s: %s\n", what.c_str(), pp_status_name(status));
  pp_status expected = PP_OK;
  if (!shape_ok || !aligned) expected = PP_ERROR_INVALID_ARGUMENT;
  else if (out_bytes < needed * count) expected = PP_ERROR_BUFFER_TOO_SMALL;
  if (status == PP_ERROR_INVALID_ARGUMENT && expected == PP_OK && std::strstr(pp_last_error(), "max_") != nullptr) {
    return 0;  // a documented limit (the packed copy of a strided view)
  }
  if (status != expected) {
    fuzz_failure("unexpected status", what + ": got " + pp_status_name(status) + " (" + pp_last_error() +
                                          "), expected " + pp_status_name(expected));
  }
  if (status != PP_OK) {
    if (pp_last_error()[0] == '\0') fuzz_failure("an error with an empty message", what);
    for (size_t i = 0; i < out_bytes && !aliased; ++i) {
      if (out[i] != kSentinel) fuzz_failure("a failed run wrote to the output", what);
    }
    return 0;
  }
  for (size_t i = needed * count; i < out_bytes && !aliased; ++i) {
    if (out[i] != kSentinel) fuzz_failure("a run wrote past the tensor", what);
  }

  // The oracle: the reference ISA on a packed copy of the view.
  std::unique_ptr<std::uint8_t[]> expected_tensor(new std::uint8_t[needed + 8]);
  void* aligned_out = expected_tensor.get();  // new[] is aligned for every dtype
  if (pp_pipeline_run(reference, packed.data(), v.height, v.width, v.channels, 0, aligned_out, needed) != PP_OK) {
    fuzz_failure("the reference run of the packed copy failed", what + ": " + pp_last_error());
  }
  for (int k = 0; k < count; ++k) {
    if (std::memcmp(out + k * needed, aligned_out, needed) != 0) {
      fuzz_failure("the tensor differs from the reference's on a packed copy", what + ", image " + std::to_string(k));
    }
  }
  return 0;
}
