// Differential tests: every instruction set this build and CPU run (avx512,
// avx2, neon) against the scalar reference, byte for byte.
//
//  * kernels: each ISA's table called directly, every output row followed by
//    guard bytes that must survive, over widths 1 .. 4 x 64 + 3 (four of the
//    widest vectors, AVX-512's 64 bytes, plus a tail), 1..40 rows, every Pillow
//    filter, up and down, packed/padded/unsupported pixel layouts, unaligned,
//    padded and negative row strides, and strips wider than the transpose buffer.
//  * pipelines: whole contracts (resize with every filter incl. nearest, shorter-
//    side sizes, center crops with padding, chained resizes, elementwise chains)
//    for every input color, output layout, dtype and colour order, on views with
//    padded, flipped, planar and unaligned storage, with guard bytes after the
//    output tensor.
//  * strides: every combination of pixel stride (0, 1, channels - 1, channels,
//    padded, negative), channel stride (1, -1, 0, planar) and row stride
//    (natural, padded, negative, 0) the API accepts, for 1, 3 and 4 channels,
//    through the writers and every engine, each view ending at a guard page.
//  * dispatch: the forced ISA is the one a pipeline runs; unknown or unsupported
//    names throw Error(Unsupported), through PipelineOptions and through
//    PIXELPACT_FORCE_ISA.
//
// A PIXELPACT_EMULATE_AVX512 build (.ci/avx512-emulated.sh) compiles the avx512
// kernels against SIMDe, so all of this runs them on any CPU.
//
// `pixelpact_isa_tests --digest ISA` instead prints a digest of the pipeline
// sweep's output bytes on one ISA, so that outputs of different machines (x86
// reference natively, NEON under qemu: see .ci/neon.sh) can be compared.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#if __has_include(<sys/mman.h>)
#include <sys/mman.h>
#include <unistd.h>
#define PIXELPACT_TEST_GUARD_PAGES 1
#endif

#include "check.hpp"
#include "engines/pillow/coefficients.hpp"
#include "engines/torch/coefficients.hpp"
#include "kernels/dispatch.hpp"
#include "kernels/kernels.hpp"
#include "pixelpact/pixelpact.hpp"

namespace d = pixelpact::detail;
namespace k = pixelpact::kernels;
using pixelpact::ErrorCode;
using pixelpact::Pipeline;
using pixelpact::PipelineOptions;

namespace {

constexpr int kMaxWidth = 4 * 64 + 3;  // four AVX-512 vectors and a tail
constexpr std::uint8_t kSentinel = 0xA5;
constexpr int kGuard = 64;

// In the order of detail::PillowFilter.
const char* const kFilters[] = {"nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"};
const d::PillowFilter kConvFilters[] = {d::PillowFilter::Box, d::PillowFilter::Bilinear, d::PillowFilter::Hamming,
                                        d::PillowFilter::Bicubic, d::PillowFilter::Lanczos};
const char* const kColors[] = {"RGB", "BGR", "RGBA", "BGRA", "GRAY"};
const char* const kLayouts[] = {"NCHW", "NHWC", "CHW", "HWC"};
const char* const kDtypes[] = {"float32", "float16", "uint8"};

// The name Pipeline::kernels() gives an ISA's own kernels.
std::string implementer(const std::string& isa) {
#if defined(PIXELPACT_EMULATE_AVX512)
  if (isa == "avx512") return "avx512 (emulated)";
#endif
  return isa;
}

std::vector<std::string> isas_under_test() {
  std::vector<std::string> out;
  for (const auto& isa : pixelpact::supported_isas())
    if (isa != "reference") out.push_back(isa);
  return out;
}

// Storage aligned to 64 bytes, then offset by `misalign` bytes.
struct Buffer {
  std::vector<std::uint8_t> bytes;
  std::uint8_t* data = nullptr;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(std::size_t size, std::size_t misalign, std::uint8_t fill) : bytes(size + 64 + misalign, fill) {
    auto addr = reinterpret_cast<std::uintptr_t>(bytes.data());
    data = bytes.data() + ((64 - addr % 64) % 64) + misalign;
  }
};

// Input pixels: `size` bytes ending `slack` bytes before an inaccessible page
// (and with one before the first page), so a kernel reading past the image
// faults instead of passing by luck.
class InputBytes {
 public:
  InputBytes(const InputBytes&) = delete;
  InputBytes& operator=(const InputBytes&) = delete;
#if PIXELPACT_TEST_GUARD_PAGES
  InputBytes(std::size_t size, std::size_t slack) {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const std::size_t body = (size + slack + page - 1) / page * page;
    length_ = body + 2 * page;
    void* base = mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    base_ = static_cast<std::uint8_t*>(base);
    mprotect(base_, page, PROT_NONE);
    mprotect(base_ + page + body, page, PROT_NONE);
    data = base_ + page + body - slack - size;
  }
  ~InputBytes() { munmap(base_, length_); }
  std::uint8_t* data = nullptr;

 private:
  std::uint8_t* base_ = nullptr;
  std::size_t length_ = 0;
#else
  InputBytes(std::size_t size, std::size_t slack) : buf_(size, slack, 0), data(buf_.data) {}

 private:
  Buffer buf_;

 public:
  std::uint8_t* data;
#endif
};

// What is running, for the crash report (a kernel reading past a guard page).
std::string g_running;

#if PIXELPACT_TEST_GUARD_PAGES
extern "C" void report_crash(int sig) {
  const char prefix[] = "\ncrashed (read or wrote outside the image?) while running: ";
  if (write(2, prefix, sizeof prefix - 1) < 0 || write(2, g_running.data(), g_running.size()) < 0 ||
      write(2, "\n", 1) < 0) {
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}
#endif

void fill_noise(std::uint8_t* p, std::size_t n, std::mt19937& rng) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(rng() >> 24);
}

// ---------------------------------------------------------------------------
// Kernel level: output rows with guard bytes.

struct KernelStats {
  int cases = 0;
  int failures = 0;
};

// An input image of `rows` x `cols` pixels of `pixel_stride` bytes (all noise,
// padding included), rows `pad` bytes apart beyond the pixels, ending `slack`
// bytes before an inaccessible page, optionally stored bottom-up (negative row
// stride).
struct KernelInput {
  InputBytes buf;
  const std::uint8_t* origin;
  std::ptrdiff_t row_stride;
  KernelInput(int rows, int cols, int pixel_stride, int pad, int slack, bool flip, std::mt19937& rng)
      : buf(static_cast<std::size_t>(rows) * (cols * pixel_stride + pad), slack) {
    const std::ptrdiff_t pitch = static_cast<std::ptrdiff_t>(cols) * pixel_stride + pad;
    fill_noise(buf.data, static_cast<std::size_t>(rows) * pitch, rng);
    origin = flip ? buf.data + (rows - 1) * pitch : buf.data;
    row_stride = flip ? -pitch : pitch;
  }
};

// Runs `call(table, out, out_row_stride)` for `isa` and for the reference into
// buffers of `out_rows` rows of `out_row_bytes` plus guard bytes each, and
// compares every byte, guards included.
template <typename Call>
void compare_kernel(const std::string& isa, const char* what, int out_rows, int out_row_bytes,
                    KernelStats& stats, const std::string& label, Call call) {
  const std::ptrdiff_t stride = out_row_bytes + 16;  // 16 guard bytes after each row
  const std::size_t size = static_cast<std::size_t>(out_rows) * stride + kGuard;
  Buffer want(size, 0, kSentinel), got(size, 3, kSentinel);
  g_running = std::string(what) + " (" + label + ") on reference";
  call(k::reference::table, want.data, stride);
  g_running = std::string(what) + " (" + label + ") on " + isa;
  call(d::select_kernels(isa), got.data, stride);
  ++stats.cases;
  bool guards_ok = true;
  for (int r = 0; r < out_rows; ++r)
    for (int g = out_row_bytes; g < stride; ++g) guards_ok &= got.data[r * stride + g] == kSentinel;
  for (int g = 0; g < kGuard; ++g) guards_ok &= got.data[out_rows * stride + g] == kSentinel;
  const bool same = std::memcmp(want.data, got.data, size) == 0;
  if (!same || !guards_ok) {
    if (++stats.failures <= 10)
      std::printf("  %s %s differs from reference (%s)%s\n", isa.c_str(), what, label.c_str(),
                  guards_ok ? "" : " and wrote past a row");
  }
}

struct Layout {
  int channels, pixel_stride;
};
// Packed RGB, RGBx (the pipeline's RGBA input), GRAY, and layouts the SIMD
// kernels hand to the reference (GRAY in 2-byte pixels is supported, RGB in
// 5-byte pixels is not).
const Layout kKernelLayouts[] = {{3, 3}, {3, 4}, {1, 1}, {1, 2}, {3, 5}};

// How a kernel's input is stored: pixel layout, row padding, bytes between the
// image and the guard page, bottom-up or not.
struct Storing {
  Layout layout;
  int pad, slack;
  bool flip;
  std::string describe() const {
    return "channels " + std::to_string(layout.channels) + ", pixel stride " +
           std::to_string(layout.pixel_stride) + ", row padding " + std::to_string(pad) +
           ", slack " + std::to_string(slack) + (flip ? ", bottom-up" : "");
  }
};

std::string filter_name(d::PillowFilter f) { return kFilters[static_cast<int>(f)]; }

// Which engine's weights a kernel case uses.
enum class Weights { Pillow, TorchAntialias, TorchNoAntialias };

d::ConvWeights case_weights(Weights which, int in, int out, d::PillowFilter filter) {
  if (which == Weights::Pillow) return d::pillow_axis_weights(in, out, filter, 0, out);
  // torch's modes: bilinear, lanczos (antialias only), bicubic for the rest.
  const d::TorchInterpolation mode =
      filter == d::PillowFilter::Bilinear ? d::TorchInterpolation::Bilinear
      : filter == d::PillowFilter::Lanczos && which == Weights::TorchAntialias ? d::TorchInterpolation::Lanczos
                                                                               : d::TorchInterpolation::Bicubic;
  return d::torch_axis_weights(in, out, mode, which == Weights::TorchAntialias, 0, out);
}

void horizontal_case(const std::string& isa, int rows, int in_w, int out_w, d::PillowFilter filter,
                     const Storing& s, std::mt19937& rng, KernelStats& stats,
                     Weights which = Weights::Pillow) {
  const Layout& l = s.layout;
  KernelInput in(rows, in_w, l.pixel_stride, s.pad, s.slack, s.flip, rng);
  const auto w = case_weights(which, in_w, out_w, filter);
  const k::ConvAxis axis{w.ksize, w.first.data(), w.count.data(), w.weight.data()};
  const std::string label = std::to_string(rows) + " rows, " + std::to_string(in_w) + " -> " +
                            std::to_string(out_w) + ", " + filter_name(filter) + ", " + s.describe();
  compare_kernel(isa, "conv_horizontal", rows, out_w * l.channels, stats, label,
                 [&](const k::KernelTable& t, std::uint8_t* out, std::ptrdiff_t stride) {
                   t.conv_horizontal(in.origin, in.row_stride, l.pixel_stride, rows, l.channels,
                                       axis, out_w, out, stride);
                 });
}

void vertical_case(const std::string& isa, int in_h, int out_h, int width, d::PillowFilter filter,
                   const Storing& s, std::mt19937& rng, KernelStats& stats,
                   Weights which = Weights::Pillow) {
  const Layout& l = s.layout;
  KernelInput in(in_h, width, l.pixel_stride, s.pad, s.slack, s.flip, rng);
  const auto w = case_weights(which, in_h, out_h, filter);
  const std::string label = std::to_string(in_h) + " -> " + std::to_string(out_h) + " rows, width " +
                            std::to_string(width) + ", " + filter_name(filter) + ", " + s.describe();
  const k::ConvAxis axis{w.ksize, w.first.data(), w.count.data(), w.weight.data()};
  compare_kernel(isa, "conv_vertical", out_h, width * l.channels, stats, label,
                 [&](const k::KernelTable& t, std::uint8_t* out, std::ptrdiff_t stride) {
                   t.conv_vertical(in.origin, in.row_stride, l.pixel_stride, width, l.channels,
                                     axis, out_h, out, stride);
                 });
}

KernelStats kernel_sweep(const std::string& isa) {
  KernelStats stats;
  std::mt19937 rng(20240611);
  int turn = 0;
  for (int round = 0; round < 2; ++round) {  // each round meets a width with other parameters
    for (int w = 1; w <= kMaxWidth; ++w) {
      for (const Layout& l : kKernelLayouts) {
        // Unsupported layouts only check the fallback; a few widths suffice.
        if (l.pixel_stride > 4 && w % 16 != 1) continue;
        ++turn;
        const d::PillowFilter f = kConvFilters[turn % 5];
        const int rows = 1 + (turn * 7) % 40;
        const int pad = (turn % 3) * 5;  // 0, 5 or 10 bytes after each row
        const int slack = turn % 4;  // bytes between the image and the guard page
        const bool flip = turn % 7 == 3;
        // w output pixels from fewer / more inputs, and w input pixels to fewer / more outputs.
        const int smaller = std::max(1, w * 2 / 3), larger = w * 2 + turn % 3;
        const Storing st{l, pad, slack, flip}, st_flipped{l, pad, slack, !flip};
        horizontal_case(isa, rows, turn % 2 ? larger : smaller, w, f, st, rng, stats);
        horizontal_case(isa, rows, w, turn % 2 ? smaller : larger, f, st_flipped, rng, stats);
        const int in_h = 1 + (turn * 5) % 40, out_h = 1 + (turn * 11) % 40;
        vertical_case(isa, in_h, out_h == in_h ? in_h + 1 : out_h, w, f, st, rng, stats);
      }
    }
  }
  // Wide rows: several transpose strips, outputs reading more columns than a
  // strip holds (the per-output fallback), chunked padded pixels.
  for (const Layout& l : {kKernelLayouts[0], kKernelLayouts[1], kKernelLayouts[2]}) {
    for (d::PillowFilter f : {d::PillowFilter::Box, d::PillowFilter::Lanczos}) {
      horizontal_case(isa, 17, 2000, 700, f, {l, 3, 1, false}, rng, stats);
      horizontal_case(isa, 5, 3000, 2, f, {l, 0, 2, true}, rng, stats);
      horizontal_case(isa, 3, 333, 1500, f, {l, 0, 0, false}, rng, stats);
      vertical_case(isa, 9, 4, 1100, f, {l, 7, 3, true}, rng, stats);
      vertical_case(isa, 3, 19, 600, f, {l, 0, 1, false}, rng, stats);
    }
  }
  // torch's weights (int16 at a per-axis precision, scaled to 22 bits; fixed
  // 2- or 4-tap rows with edge taps summed when not antialiased).
  for (int w = 1; w <= 70; ++w) {
    const Layout& l = kKernelLayouts[w % 3];
    const Weights which = w % 2 ? Weights::TorchAntialias : Weights::TorchNoAntialias;
    const d::PillowFilter f = kConvFilters[w % 5];
    horizontal_case(isa, 1 + w % 17, w * 3 + 1, w, f, {l, w % 3, w % 4, w % 5 == 0}, rng, stats, which);
    horizontal_case(isa, 1 + w % 13, w, w * 2 + 1, f, {l, 0, 1, false}, rng, stats, which);
    vertical_case(isa, 1 + w % 29, 1 + (w * 7) % 31, w, f, {l, w % 2, w % 3, w % 7 == 1}, rng, stats, which);
  }
  return stats;
}

// The chain writers (write_tensor_f32_chain, write_tensor_f16_chain) on every
// tensor a writer meets: planar and interleaved, bands of a larger tensor,
// padding on every side, channel orders, pixel strides 1 to 5 (2 and 5: the
// fallback), widths 1 .. kMaxWidth, random chains of up to kMaxSteps steps
// (operands from 1e-3 to 1e3: every float32 value stays normal, while float16
// meets subnormals and overflow). Output and 64 guard bytes compared.
KernelStats chain_writer_sweep(const std::string& isa) {
  KernelStats stats;
  std::mt19937 rng(90210);
  auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * (rng() / 4294967296.0); };
  const k::KernelTable& table = d::select_kernels(isa);
  for (int width = 1; width <= kMaxWidth; ++width) {
    for (int variant = 0; variant < 4; ++variant) {
      const bool planar = variant % 2 == 0, half = variant >= 2;
      k::FloatChain chain;
      chain.steps = static_cast<int>(rng() % (k::FloatChain::kMaxSteps + 1));
      for (int s = 0; s < chain.steps; ++s) {
        chain.op[s] = static_cast<k::FloatChain::Op>(rng() % 4);
        for (int c = 0; c < 3; ++c) {
          const double magnitude = std::pow(10.0, uniform(-3, 3));
          chain.operand[s][c] = static_cast<float>(rng() % 2 ? magnitude : -magnitude);
        }
      }
      const int pixel_stride = 1 + static_cast<int>(rng() % 5);  // 2: as a pipeline never passes, but defined
      const int height = 1 + static_cast<int>(rng() % 6);
      // The stored rectangle: sometimes the whole tensor, else offset and clipped.
      const bool whole = rng() % 3 == 0;
      const int src_y0 = whole ? 0 : static_cast<int>(rng() % 3) - 1;
      const int src_x0 = whole ? 0 : static_cast<int>(rng() % 9) - 4;
      const int src_rows = whole ? height : static_cast<int>(rng() % (height + 2));
      const int src_cols = whole ? width : 1 + static_cast<int>(rng() % (width + 4));
      const int pad = static_cast<int>(rng() % 3) * 7, slack = static_cast<int>(rng() % 4);
      const bool flip = rng() % 4 == 0;
      KernelInput in(std::max(1, src_rows), src_cols, pixel_stride, pad, slack, flip, rng);
      k::TensorWrite w;
      w.src = in.origin;
      w.src_row_stride = in.row_stride;
      w.src_pixel_stride = pixel_stride;
      w.src_y0 = src_y0, w.src_x0 = src_x0, w.src_rows = src_rows, w.src_cols = src_cols;
      const int order = static_cast<int>(rng() % 3);  // RGB, BGR, or one channel everywhere (GRAY)
      for (int c = 0; c < 3; ++c)
        w.source_channel[c] = pixel_stride < 3 || order == 2 ? 0 : order == 1 ? 2 - c : c;
      for (auto& b : w.pad) b = static_cast<std::uint8_t>(rng());
      w.height = height, w.width = width, w.planar = planar;
      w.plane_elements = rng() % 2 ? 0 : static_cast<std::ptrdiff_t>(height + 3) * width;  // a band
      const std::size_t elements = planar ? 2 * w.plane() + static_cast<std::size_t>(height) * width
                                          : 3 * static_cast<std::size_t>(height) * width;
      const std::size_t element_size = half ? 2 : 4;
      const std::size_t bytes = elements * element_size;
      Buffer want(bytes + kGuard, 0, kSentinel), got(bytes + kGuard, element_size * (width % 3), kSentinel);
      const std::string label = std::string(half ? "float16 " : "float32 ") + std::to_string(height) + "x" + std::to_string(width) + (planar ? " planar" : " HWC") +
                                ", pixel stride " + std::to_string(pixel_stride) + ", stored " +
                                std::to_string(src_rows) + "x" + std::to_string(src_cols) + " at (" +
                                std::to_string(src_y0) + ", " + std::to_string(src_x0) + "), " +
                                std::to_string(chain.steps) + " steps";
      auto run = [&](const k::KernelTable& t, std::uint8_t* out) {
        if (half) t.write_tensor_f16_chain(w, chain, reinterpret_cast<std::uint16_t*>(out));
        else t.write_tensor_f32_chain(w, chain, reinterpret_cast<float*>(out));
      };
      g_running = "chain writer (" + label + ") on reference";
      run(k::reference::table, want.data);
      g_running = "chain writer (" + label + ") on " + isa;
      run(table, got.data);
      ++stats.cases;
      if (std::memcmp(want.data, got.data, bytes + kGuard) != 0 && ++stats.failures <= 10)
        std::printf("  %s chain writer differs from reference (%s)\n", isa.c_str(), label.c_str());
    }
  }
  return stats;
}

// ---------------------------------------------------------------------------
// Pipeline level.

// How an input view is stored, as the strides of ImageView: bytes from pixel
// (y, x, c) to (y, x + 1, c), to (y, x, c + 1) and to (y + 1, x, c). The API
// accepts any values, overlapping and zero ones included.
enum class PixelStride { Zero, One, Overlapping, Packed, Padded, Negative };
enum class ChannelStride { One, Reversed, Zero, Planar };
enum class RowStride { Natural, Padded, Negative, Zero };
const char* const kPixelStrideNames[] = {"0", "1", "channels - 1", "channels", "channels + 1", "-channels"};
const char* const kChannelStrideNames[] = {"1", "-1", "0", "planar"};
const char* const kRowStrideNames[] = {"natural", "padded", "negative", "0"};

struct ViewStrides {
  PixelStride pixel = PixelStride::Packed;
  ChannelStride channel = ChannelStride::One;
  RowStride row = RowStride::Natural;
  std::string describe() const {
    return std::string("pixel stride ") + kPixelStrideNames[static_cast<int>(pixel)] + ", channel stride " +
           kChannelStrideNames[static_cast<int>(channel)] + ", row stride " + kRowStrideNames[static_cast<int>(row)];
  }
};

// The storage variants of the pipeline sweep: packed; padded rows; bottom-up;
// padded pixels and rows; right-to-left; planar; reversed channel order.
const ViewStrides kViews[] = {
    {PixelStride::Packed, ChannelStride::One, RowStride::Natural},
    {PixelStride::Packed, ChannelStride::One, RowStride::Padded},
    {PixelStride::Packed, ChannelStride::One, RowStride::Negative},
    {PixelStride::Padded, ChannelStride::One, RowStride::Padded},
    {PixelStride::Negative, ChannelStride::One, RowStride::Natural},
    {PixelStride::One, ChannelStride::Planar, RowStride::Natural},
    {PixelStride::Packed, ChannelStride::Reversed, RowStride::Natural},
};

struct PipeCase {
  int in_h = 1, in_w = 1;
  std::string color = "RGB";
  std::string alpha;  // "" or the input's "alpha" policy
  std::string steps;  // JSON array elements
  std::string layout = "HWC", dtype = "uint8", out_color = "RGB";
  ViewStrides storing;
  unsigned seed = 0;

  std::string json() const {
    return std::string(R"({"pixelpact": 1, "input": {"color": ")") + color + '"' +
           (alpha.empty() ? "" : R"(, "alpha": ")" + alpha + '"') + R"(}, "steps": [)" + steps +
           R"(], "output": {"layout": ")" + layout + R"(", "dtype": ")" + dtype + R"(", "color": ")" +
           out_color + R"("}})";
  }
  std::string label() const {
    return std::to_string(in_h) + "x" + std::to_string(in_w) + " " + color + ", " + storing.describe() + ": " +
           json();
  }
};

std::string resize_step(int h, int w, const char* filter) {
  return R"({"op": "resize", "size": [)" + std::to_string(h) + ", " + std::to_string(w) +
         R"(], "interpolation": ")" + filter + R"(", "engine": "pillow"})";
}
std::string shorter_side_step(int size, const char* filter) {
  return R"({"op": "resize", "size": )" + std::to_string(size) + R"(, "interpolation": ")" + filter +
         R"(", "engine": "pillow"})";
}
// engine "opencv": every cv2.resize flag; the 2-tap ones have SIMD kernels.
const char* const kOpencvModes[] = {"nearest", "nearest-exact", "bilinear", "bilinear-exact",
                                    "bicubic", "area", "lanczos4"};
std::string opencv_step(int h, int w, const char* mode) {
  return R"({"op": "resize", "size": [)" + std::to_string(h) + ", " + std::to_string(w) +
         R"(], "interpolation": ")" + mode + R"(", "engine": "opencv"})";
}
std::string crop_step(int h, int w) {
  return R"({"op": "center_crop", "size": [)" + std::to_string(h) + ", " + std::to_string(w) + "]}";
}

// Elementwise steps for a float dtype, rotating through the arithmetic ops.
std::string float_steps(int turn) {
  switch (turn % 4) {
    case 0:
      return R"(, {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
        {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]})";
    case 1:
      return R"(, {"op": "to_float", "dtype": "float64"}, {"op": "sub", "value": [127.5, 100, 3]},
        {"op": "mul", "value": 0.0078125}, {"op": "add", "value": 0.25})";
    case 2: return R"(, {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": [58.395, 57.12, 57.375]})";
    default: return "";  // no to_float: the bytes as floats
  }
}

std::vector<PipeCase> pipeline_cases() {
  std::vector<PipeCase> cases;
  std::mt19937 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  int turn = 0;
  auto finish = [&](PipeCase c, std::string geometry) {
    ++turn;
    c.color = kColors[turn % 5];
    c.layout = kLayouts[(turn / 5) % 4];
    c.dtype = kDtypes[(turn / 3) % 3];
    c.out_color = turn % 2 ? "RGB" : "BGR";
    c.storing = kViews[pick(7)];
    c.seed = rng();
    c.steps = geometry + (c.dtype == std::string("uint8") ? "" : float_steps(turn));
    cases.push_back(c);
  };
  // Widths 1 .. kMaxWidth as output and as input width, small heights; the
  // second round meets each width with other filters, colours and layouts.
  for (int round = 0; round < 2; ++round) {
    for (int w = 1; w <= kMaxWidth; ++w) {
      const char* f = kFilters[(w + round) % 6];
      const char* g = kFilters[(w / 6 + 3 * round) % 6];
      const int smaller = std::max(1, w * 2 / 3), larger = w * 2 + w % 3;
      const int h = 1 + pick(40), h2 = 1 + pick(40);
      PipeCase a;
      a.in_h = h;
      a.in_w = (w + round) % 2 ? larger : smaller;
      finish(a, resize_step(h2, w, f));  // w output pixels wide
      PipeCase b;
      b.in_h = h2;
      b.in_w = w;
      const int out_w = (w + round) % 3 ? smaller : larger;
      std::string geometry = resize_step(h, out_w, g);  // w input pixels wide
      if (w % 4 == 0) geometry += ", " + crop_step(std::max(1, h - 3 + pick(8)), out_w);
      finish(b, geometry);
    }
  }
  // The OpenCV engine: widths 1 .. kMaxWidth as output and as input width,
  // INTER_LINEAR (SIMD) every other width, the other flags in turn.
  for (int w = 1; w <= kMaxWidth; ++w) {
    const char* m = w % 2 ? "bilinear" : kOpencvModes[(w / 2) % 7];
    const int smaller = std::max(1, w * 2 / 3), larger = w * 2 + w % 3;
    const int h = 1 + pick(40), h2 = 1 + pick(40);
    PipeCase a;
    a.in_h = h;
    a.in_w = w % 3 ? larger : smaller;
    finish(a, opencv_step(h2, w, m));
    PipeCase b;
    b.in_h = h2;
    b.in_w = w;
    std::string geometry = opencv_step(h, w % 5 ? smaller : larger, m);
    if (w % 4 == 0) geometry += ", " + crop_step(std::max(1, h - 3 + pick(8)), std::max(1, smaller - 1));
    finish(b, geometry);
  }
  for (const char* m : kOpencvModes) {
    for (const auto& geometry :
         {opencv_step(224, 224, m), opencv_step(240, 320, m), opencv_step(720, 961, m) + ", " + crop_step(224, 224),
          std::string(R"({"op": "resize", "scale": [0.37, 0.5], "interpolation": ")") + m +
              R"(", "engine": "opencv"})"}) {
      PipeCase c;
      c.in_h = 480;
      c.in_w = 640;
      finish(c, geometry);
    }
  }
  // Larger images, every filter (the filter goes where the geometry says @).
  auto resize = [](int h, int w) { return resize_step(h, w, "@"); };
  const std::vector<std::pair<std::pair<int, int>, std::string>> bigs = {
      {{480, 640}, shorter_side_step(256, "@") + ", " + crop_step(224, 224)},  // torchvision eval
      {{300, 40}, resize(20, 35)},  // vertical first: height shrinks > 2x as many pixels as the width
      {{40, 300}, resize(35, 20)},
      {{700, 50}, resize(64, 48)},
      {{97, 131}, resize(224, 224)},                                // upscale both axes
      {{61, 89}, resize(17, 300) + ", " + crop_step(40, 260)},      // crop larger: zero padding
      {{120, 720}, resize(64, 700) + ", " + resize(70, 259)},       // chained resizes, wide rows
      {{9, 3000}, resize(9, 2)},                                    // outputs wider than a strip
      {{333, 500}, R"({"op": "resize", "size": 64, "max_size": 80, "interpolation": "@", "engine": "pillow"})"},
      {{200, 200}, shorter_side_step(100, "@") + ", " + crop_step(101, 99)},
  };
  for (const auto& [size, geometry] : bigs) {
    for (const char* f : kFilters) {
      PipeCase c;
      c.in_h = size.first;
      c.in_w = size.second;
      std::string g = geometry;
      for (auto at = g.find('@'); at != std::string::npos; at = g.find('@')) g.replace(at, 1, f);
      finish(c, g);
    }
  }
  return cases;
}

// Every combination of the stride kinds above (6 pixel x 4 channel x 4 row), for
// 1, 3 and 4 channels, each through contracts that reach every kernel reading
// the input view itself: the tensor writers (nothing or a crop before them, each
// dtype and layout), each engine's resample passes, nearest, and alpha dropped,
// composited and premultiplied.
std::vector<PipeCase> stride_cases() {
  std::vector<PipeCase> cases;
  std::mt19937 rng(11);
  const int sizes[][2] = {{1, 1}, {3, 17}, {7, 37}, {2, 67}, {5, 16}, {1, 33}, {9, 1}, {4, 2}};
  int turn = 0;
  for (const int channels : {1, 3, 4}) {
    for (int p = 0; p < 6; ++p) {
      for (int ch = 0; ch < 4; ++ch) {
        for (int r = 0; r < 4; ++r) {
          for (int contract = 0; contract < 10; ++contract) {
            ++turn;
            PipeCase c;
            c.storing = {static_cast<PixelStride>(p), static_cast<ChannelStride>(ch), static_cast<RowStride>(r)};
            c.in_h = sizes[turn % 8][0];
            c.in_w = sizes[turn % 8][1];
            const int h = c.in_h, w = c.in_w;
            c.color = channels == 1 ? "GRAY" : channels == 3 ? (turn % 2 ? "RGB" : "BGR") : (turn % 2 ? "RGBA" : "BGRA");
            c.out_color = turn % 3 ? "RGB" : "BGR";
            c.layout = kLayouts[turn % 4];
            c.dtype = kDtypes[turn % 3];
            c.seed = rng();
            const bool pillow_only = contract <= 2 || contract == 5 || contract == 9;  // premultiply allows these
            if (channels == 4) c.alpha = turn % 3 == 0 ? "composite" : turn % 3 == 1 && pillow_only ? "premultiply" : "";
            std::string geometry;
            switch (contract) {
              case 0: c.layout = "HWC", c.dtype = "uint8"; break;  // the writer on the view itself
              case 1: c.layout = "NCHW", c.dtype = "float32"; break;
              case 2: c.dtype = "float16"; break;
              case 3: geometry = crop_step(h + 2, w + 3); break;  // padding around the view
              case 4: geometry = crop_step(std::max(1, h - 1), std::max(1, w - 2)); break;
              case 5: geometry = resize_step(h + 1, std::max(1, w * 2 / 3), turn % 2 ? "bilinear" : "lanczos"); break;
              case 6:
                geometry = std::string(R"({"op": "resize", "size": [)") + std::to_string(2 * h) + ", " +
                           std::to_string(w + 3) + R"(], "interpolation": "bicubic", "engine": "torch", "antialias": )" +
                           (turn % 2 ? "true" : "false") + "}";
                break;
              case 7: geometry = opencv_step(2 * h, std::max(1, w / 2), turn % 2 ? "bilinear" : "bilinear-exact"); break;
              case 8: geometry = R"({"op": "resize", "scale": [0.5, 0.5], "interpolation": "area", "engine": "opencv"})"; break;
              default: geometry = resize_step(h + 2, std::max(1, w - 1), "nearest"); break;
            }
            if (contract == 8 && (h < 2 || w < 2)) geometry = opencv_step(1, 1, "area");
            c.steps = geometry + (c.dtype == std::string("uint8") ? "" : float_steps(turn));
            if (c.steps.rfind(", ", 0) == 0) c.steps.erase(0, 2);  // float steps only
            cases.push_back(c);
          }
        }
      }
    }
  }
  return cases;
}

// The case's image stored as c.storing says, noise in every byte of its span
// (padding included), the span ending 0..3 bytes before an inaccessible page
// (so base addresses have every alignment and a read past the image faults).
struct View {
  std::ptrdiff_t row, pixel, channel;  // strides
  std::ptrdiff_t lowest = 0;           // offset of the lowest byte from pixel (0, 0), channel 0
  std::size_t span = 1;                // bytes from the lowest to the highest byte read
  InputBytes buf;
  pixelpact::ImageView image;

  View(const PipeCase& c, int channels, std::mt19937& rng)
      : View(c, channels, rng, strides_of(c, channels)) {}

 private:
  struct Strides {
    std::ptrdiff_t row, pixel, channel;
  };
  static Strides strides_of(const PipeCase& c, int channels) {
    const std::ptrdiff_t h = c.in_h, w = c.in_w, n = channels;
    std::ptrdiff_t ps = n;
    switch (c.storing.pixel) {
      case PixelStride::Zero: ps = 0; break;
      case PixelStride::One: ps = 1; break;
      case PixelStride::Overlapping: ps = std::max<std::ptrdiff_t>(1, n - 1); break;
      case PixelStride::Packed: ps = n; break;
      case PixelStride::Padded: ps = n + 1; break;
      case PixelStride::Negative: ps = -n; break;
    }
    const std::ptrdiff_t natural = w * std::max<std::ptrdiff_t>(1, ps < 0 ? -ps : ps);
    const std::ptrdiff_t pad = 1 + static_cast<std::ptrdiff_t>(c.seed % 13);
    std::ptrdiff_t rs = natural;
    switch (c.storing.row) {
      case RowStride::Natural: rs = natural; break;
      case RowStride::Padded: rs = natural + pad; break;
      case RowStride::Negative: rs = -(natural + pad); break;
      case RowStride::Zero: rs = 0; break;
    }
    std::ptrdiff_t cs = 1;
    switch (c.storing.channel) {
      case ChannelStride::One: cs = 1; break;
      case ChannelStride::Reversed: cs = -1; break;
      case ChannelStride::Zero: cs = 0; break;
      case ChannelStride::Planar: cs = h * std::max<std::ptrdiff_t>(natural, rs < 0 ? -rs : rs); break;
    }
    return {rs, ps, cs};
  }
  // Lowest and highest offsets reached by (y, x, c) over the image.
  static std::ptrdiff_t extreme(const PipeCase& c, int channels, const Strides& s, bool highest) {
    std::ptrdiff_t at = 0;
    for (const auto& [count, stride] : {std::pair<std::ptrdiff_t, std::ptrdiff_t>{c.in_h, s.row},
                                        {c.in_w, s.pixel}, {channels, s.channel}}) {
      const std::ptrdiff_t reach = (count - 1) * stride;
      at += highest ? std::max<std::ptrdiff_t>(0, reach) : std::min<std::ptrdiff_t>(0, reach);
    }
    return at;
  }
  View(const PipeCase& c, int channels, std::mt19937& rng, Strides s)
      : row(s.row), pixel(s.pixel), channel(s.channel), lowest(extreme(c, channels, s, false)),
        span(static_cast<std::size_t>(extreme(c, channels, s, true) - lowest + 1)), buf(span, c.seed % 4) {
    fill_noise(buf.data, span, rng);
    image = pixelpact::ImageView{buf.data - lowest, c.in_h, c.in_w, channels, row, pixel, channel};
  }
};

// Output bytes of `c` on `isa` (guard bytes after the tensor checked), or empty
// with a message on failure.
std::vector<std::uint8_t> run_case(const PipeCase& c, const std::string& isa, bool& guards_ok) {
  const Pipeline pipe = Pipeline::from_json(c.json(), PipelineOptions{isa});
  std::mt19937 rng(c.seed);
  const View v(c, pipe.input_channels(), rng);
  const std::size_t bytes = pipe.output_bytes(c.in_h, c.in_w);
  const std::size_t elem = pixelpact::dtype_size(pipe.output_dtype());
  Buffer out(bytes + kGuard, elem * (1 + c.seed % 3), kSentinel);  // aligned for the dtype only
  g_running = isa + ": " + c.label();
  pipe.run(v.image, out.data, bytes);
  guards_ok = true;
  for (std::size_t g = 0; g < kGuard; ++g) guards_ok &= out.data[bytes + g] == kSentinel;
  return std::vector<std::uint8_t>(out.data, out.data + bytes);
}

struct PipeStats {
  int cases = 0;
  int failures = 0;
};

PipeStats pipeline_sweep(const std::string& isa, const std::vector<PipeCase>& cases) {
  PipeStats stats;
  for (const auto& c : cases) {
    ++stats.cases;
    bool ref_guards = true, guards = true;
    std::vector<std::uint8_t> want, got;
    try {
      want = run_case(c, "reference", ref_guards);
      got = run_case(c, isa, guards);
    } catch (const pixelpact::Error& e) {
      if (++stats.failures <= 10) std::printf("  error %s on %s\n", e.what(), c.label().c_str());
      continue;
    }
    if (want != got || !guards || !ref_guards) {
      if (++stats.failures <= 10)
        std::printf("  %s differs from reference%s on %s\n", isa.c_str(),
                    guards && ref_guards ? "" : " (wrote past the tensor)", c.label().c_str());
    }
  }
  return stats;
}

// Runs `cases` on every ISA under test and the reference; all must agree.
void check_pipeline_sweep(const std::vector<PipeCase>& cases, const char* what) {
  for (const auto& isa : isas_under_test()) {
    const PipeStats s = pipeline_sweep(isa, cases);
    std::printf("  %s vs reference: %d %s cases, %d differ\n", isa.c_str(), s.cases, what, s.failures);
    CHECK(s.failures == 0);
  }
}

// FNV-1a, 64 bits.
std::uint64_t fnv1a(std::uint64_t h, const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

const char* kE1 = R"({"pixelpact": 1, "input": {"color": "RGB"},
 "steps": [{"op": "resize", "size": 256, "interpolation": "bilinear", "engine": "pillow"},
           {"op": "center_crop", "size": 224}, {"op": "to_float", "dtype": "float32"}],
 "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}})";

}  // namespace

TEST_CASE("every ISA's kernels match the reference, guard bytes after each row intact") {
  for (const auto& isa : isas_under_test()) {
    const KernelStats s = kernel_sweep(isa);
    std::printf("  %s vs reference: %d kernel cases, %d differ\n", isa.c_str(), s.cases, s.failures);
    CHECK(s.failures == 0);
  }
}

TEST_CASE("every ISA's chain writers (float32, float16) match the reference, guard bytes intact") {
  for (const auto& isa : isas_under_test()) {
    const KernelStats s = chain_writer_sweep(isa);
    std::printf("  %s vs reference: %d chain writer cases, %d differ\n", isa.c_str(), s.cases, s.failures);
    CHECK(s.failures == 0);
  }
}

TEST_CASE("every ISA's pipelines match the reference, guard bytes after the tensor intact") {
  check_pipeline_sweep(pipeline_cases(), "pipeline");
}

TEST_CASE("the forced ISA is the one a pipeline runs") {
  const auto supported = pixelpact::supported_isas();
  CHECK(!supported.empty() && supported.back() == "reference");
  std::string list;
  for (const auto& s : supported) list += " " + s;
  std::printf("  supported:%s\n", list.c_str());
  CHECK(Pipeline::from_json(kE1, PipelineOptions{"auto"}).isa() == supported.front());
  for (const auto& isa : supported) {
    const Pipeline pipe = Pipeline::from_json(kE1, PipelineOptions{isa});
    CHECK(pipe.isa() == isa);
    const k::KernelTable& table = d::select_kernels(isa);
    CHECK(table.name == isa);
    int own = 0;
    for (const auto& [kernel, by] : pipe.kernels()) {
      CHECK(by == implementer(isa) || by == "reference");
      own += by == implementer(isa) ? 1 : 0;
    }
    // Every SIMD table brings at least its own resample passes.
    if (isa != "reference") {
      CHECK(table.conv_horizontal != k::reference::table.conv_horizontal);
      CHECK(table.conv_vertical != k::reference::table.conv_vertical);
      for (const auto& [kernel, by] : pipe.kernels())
        if (kernel == "conv_horizontal" || kernel == "conv_vertical") CHECK(by == implementer(isa));
    } else {
      CHECK(own == static_cast<int>(pipe.kernels().size()));
    }
    // The environment variable forces it too, and an explicit option wins over it.
    ::setenv("PIXELPACT_FORCE_ISA", isa.c_str(), 1);
    CHECK(Pipeline::from_json(kE1).isa() == isa);
    CHECK(Pipeline::from_json(kE1, PipelineOptions{"reference"}).isa() == "reference");
    ::unsetenv("PIXELPACT_FORCE_ISA");
  }
}

TEST_CASE("an emulation build runs the AVX-512 kernels and says so; a real build emulates nothing") {
  const auto supported = pixelpact::supported_isas();
  const bool has_avx512 = std::find(supported.begin(), supported.end(), "avx512") != supported.end();
#if defined(PIXELPACT_EMULATE_AVX512)
  // PIXELPACT_EMULATE_AVX512=ON: every CPU runs the SIMDe-compiled table, and the
  // sweeps above compared it with the reference.
  CHECK(has_avx512 && supported.front() == "avx512");
  const Pipeline pipe = Pipeline::from_json(kE1, PipelineOptions{"avx512"});
  int emulated = 0;
  for (const auto& [kernel, by] : pipe.kernels()) emulated += by == "avx512 (emulated)" ? 1 : 0;
  CHECK(emulated >= 3);  // both resample passes and the writer at least
  std::printf("  avx512 kernels emulated with SIMDe: %d of %zu\n", emulated, pipe.kernels().size());
#else
  for (const auto& isa : supported) {
    for (const auto& [kernel, by] : Pipeline::from_json(kE1, PipelineOptions{isa}).kernels())
      CHECK(by.find("emulated") == std::string::npos);
  }
  std::printf("  avx512 %s\n", has_avx512 ? "runs natively" : "is not supported here (no emulation in this build)");
#endif
}

TEST_CASE("a sliding-window view (pixel stride 1, 3 channels) is read as its strides say") {
  // Byte (0, x, c) of the view is px[x + c] (numpy as_strided(px, (1, 16, 3),
  // (18, 1, 1))): every ISA's writer must read it there, whatever it vectorizes.
  const std::string contract =
      R"({"pixelpact": 1, "input": {"color": "RGB"}, "steps": [], "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}})";
  for (const auto& isa : pixelpact::supported_isas()) {
    for (const int width : {16, 17, 40}) {
      InputBytes px(static_cast<std::size_t>(width) + 2, 0);
      for (int i = 0; i < width + 2; ++i) px.data[i] = static_cast<std::uint8_t>(10 * i + 1);
      const Pipeline pipe = Pipeline::from_json(contract, PipelineOptions{isa});
      std::vector<std::uint8_t> out(static_cast<std::size_t>(width) * 3);
      g_running = isa + ": sliding-window view, width " + std::to_string(width);
      pipe.run(pixelpact::ImageView{px.data, 1, width, 3, width + 2, 1, 1}, out.data(), out.size());
      int wrong = 0;
      for (int x = 0; x < width; ++x)
        for (int c = 0; c < 3; ++c) wrong += out[x * 3 + c] != px.data[x + c] ? 1 : 0;
      if (wrong) std::printf("  %s: %d of %d bytes wrong at width %d (pixel 1: %d %d %d, want %d %d %d)\n",
                             isa.c_str(), wrong, width * 3, width, out[3], out[4], out[5], px.data[1], px.data[2],
                             px.data[3]);
      CHECK(wrong == 0);
    }
  }
}

TEST_CASE("unknown or unsupported ISAs throw Unsupported") {
  CHECK_THROWS_CODE(Pipeline::from_json(kE1, PipelineOptions{"nope"}), ErrorCode::Unsupported, "");
  ::setenv("PIXELPACT_FORCE_ISA", "nope", 1);
  CHECK_THROWS_CODE(Pipeline::from_json(kE1), ErrorCode::Unsupported, "");
  ::unsetenv("PIXELPACT_FORCE_ISA");
  const auto supported = pixelpact::supported_isas();
  int checked = 0;
  for (const char* isa : {"avx512", "avx2", "neon"}) {
    if (std::find(supported.begin(), supported.end(), isa) != supported.end()) continue;
    ++checked;
    CHECK_THROWS_CODE(Pipeline::from_json(kE1, PipelineOptions{isa}), ErrorCode::Unsupported, "");
    ::setenv("PIXELPACT_FORCE_ISA", isa, 1);
    CHECK_THROWS_CODE(Pipeline::from_json(kE1), ErrorCode::Unsupported, "");
    ::unsetenv("PIXELPACT_FORCE_ISA");
  }
  CHECK(checked > 0);  // no machine runs both x86 and ARM kernels
}

// Last: a kernel reading outside a view kills the process at a guard page, and
// the cases above have reported by then.
TEST_CASE("every ISA matches the reference on every stride combination the API accepts") {
  check_pipeline_sweep(stride_cases(), "stride");
}

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep what was printed if a kernel crashes
#if PIXELPACT_TEST_GUARD_PAGES
  std::signal(SIGSEGV, report_crash);
  std::signal(SIGBUS, report_crash);
#endif
  if (argc == 3 && std::string(argv[1]) == "--digest") {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    int n = 0;
    try {
      for (const auto& c : pipeline_cases()) {
        bool guards = true;
        const auto out = run_case(c, argv[2], guards);
        if (!guards) {
          std::fprintf(stderr, "wrote past the tensor: %s\n", c.label().c_str());
          return 1;
        }
        h = fnv1a(h, out.data(), out.size());
        ++n;
      }
    } catch (const pixelpact::Error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 1;
    }
    std::printf("%016llx %d cases on %s\n", static_cast<unsigned long long>(h), n, argv[2]);
    return 0;
  }
  if (argc != 1) {
    std::fprintf(stderr, "usage: %s [--digest ISA]\n", argv[0]);
    return 2;
  }
  return check::run_all();
}
