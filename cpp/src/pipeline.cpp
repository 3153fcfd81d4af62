// Pipeline: compile a contract once (parse + elementwise tables), then per call
// make a plan for the input size and run its stages on tiles.
#include <algorithm>
#include <array>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alpha.hpp"
#include "canonical.hpp"
#include "contract.hpp"
#include "dispatch.hpp"
#include "geometry_steps.hpp"
#include "half.hpp"
#include "kernels/kernels.hpp"
#include "pixelpact/pixelpact.hpp"
#include "plan.hpp"
#include "sha256.hpp"
#include "thread_pool.hpp"

namespace pixelpact {

namespace detail {

struct CompiledContract {
  Contract contract;
  PipelineOptions options;
  std::string canonical;    // canonical_json(contract)
  std::string fingerprint;  // SHA-256 of `canonical`, hex
  const kernels::KernelTable* kernel_table = &kernels::reference::table;
  int work_channels = 3;         // 1 for GRAY, 4 for alpha "premultiply", else 3
  std::array<std::uint8_t, 3> background{};  // alpha "composite": working channel order
  int source_channel[3] = {0, 1, 2};  // output channel -> working channel
  // Per output channel, value of every byte after the whole elementwise chain,
  // already in the output dtype (float16 as its bit pattern).
  std::vector<std::uint8_t> lut_u8;
  std::vector<std::uint16_t> lut_u16;
  std::vector<float> lut_f32;
  // Contracts with a float resize: per output channel, the float32 value of every
  // byte after the elementwise steps before the resize.
  std::vector<float> lut_before_resize;

  // Plans of the most recently seen input sizes (a service sees few sizes).
  std::shared_ptr<const Plan> plan_for(int height, int width) const {
    std::lock_guard<std::mutex> lock(cache_mutex);
    for (auto it = plan_cache.begin(); it != plan_cache.end(); ++it) {
      if (it->first == std::make_pair(height, width)) {
        plan_cache.splice(plan_cache.begin(), plan_cache, it);
        return it->second;
      }
    }
    auto plan = std::make_shared<const Plan>(make_plan(contract, height, width));
    plan_cache.emplace_front(std::make_pair(height, width), plan);
    if (plan_cache.size() > kPlanCacheSize) plan_cache.pop_back();
    return plan;
  }

  static constexpr std::size_t kPlanCacheSize = 8;
  mutable std::mutex cache_mutex;
  mutable std::list<std::pair<std::pair<int, int>, std::shared_ptr<const Plan>>> plan_cache;
};

namespace {

template <typename T>
T apply(ArithOp op, T x, T v) {
  switch (op) {
    case ArithOp::Add: return x + v;
    case ArithOp::Sub: return x - v;
    case ArithOp::Mul: return x * v;
    case ArithOp::Div: return x / v;
    case ArithOp::Cast: return x;
  }
  return x;
}

// The elementwise chain for one byte value, in the contract's order, each step
// in its dtype (to_float's, or the last cast's) with its operand cast to that
// dtype first (as torch does with a Python scalar or a float32 mean/std tensor,
// and numpy with a float32 array). A cast to float32 rounds the value. float64
// results reach float16 through float32, as torch's Tensor.half() does on a
// float64 tensor.
// Steps arithmetic[begin, end) on a value exact in the current dtype.
double run_chain(const Contract& c, int channel, double x, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) {
    const ArithStep& a = c.arithmetic[i];
    if (a.op == ArithOp::Cast) {
      if (a.dtype == DType::Float32) x = static_cast<float>(x);
    } else if (a.dtype == DType::Float64) {
      x = apply<double>(a.op, x, a.value[channel]);
    } else {
      x = apply<float>(a.op, static_cast<float>(x), static_cast<float>(a.value[channel]));
    }
  }
  return x;
}

float chain_to_float(const Contract& c, int channel, int byte) {
  if (!c.has_float) return static_cast<float>(byte);
  // byte is exactly representable in the current dtype
  return static_cast<float>(run_chain(c, channel, byte, 0, c.arithmetic.size()));
}

std::shared_ptr<CompiledContract> compile(Contract contract, const kernels::KernelTable& table) {
  auto cc = std::make_shared<CompiledContract>();
  cc->kernel_table = &table;
  cc->contract = std::move(contract);
  const Contract& c = cc->contract;
  cc->canonical = canonical_json(c);
  cc->fingerprint = sha256_hex(cc->canonical);
  const bool gray = c.input_color == InputColor::GRAY;
  const bool input_bgr = c.input_color == InputColor::BGR || c.input_color == InputColor::BGRA;
  const bool output_bgr = c.output_color == OutputColor::BGR;
  cc->work_channels = gray ? 1 : c.alpha == AlphaPolicy::Premultiply ? 4 : 3;
  for (int ch = 0; ch < 3; ++ch) cc->background[ch] = c.background[input_bgr ? 2 - ch : ch];
  for (int ch = 0; ch < 3; ++ch) {
    cc->source_channel[ch] = gray ? 0 : (input_bgr != output_bgr ? 2 - ch : ch);
  }
  if (c.has_float_resize) {
    cc->lut_before_resize.resize(3 * 256);
    for (int ch = 0; ch < 3; ++ch)
      for (int b = 0; b < 256; ++b)
        cc->lut_before_resize[ch * 256 + b] =
            static_cast<float>(run_chain(c, ch, b, 0, c.arithmetic_before_resize));
  }
  // Per-channel values are listed in output channel order.
  switch (c.output_dtype) {
    case DType::UInt8:
      cc->lut_u8.resize(3 * 256);
      for (int ch = 0; ch < 3; ++ch)
        for (int b = 0; b < 256; ++b) cc->lut_u8[ch * 256 + b] = static_cast<std::uint8_t>(b);
      break;
    case DType::Float16:
      cc->lut_u16.resize(3 * 256);
      for (int ch = 0; ch < 3; ++ch)
        for (int b = 0; b < 256; ++b)
          cc->lut_u16[ch * 256 + b] = float_to_half_bits(chain_to_float(c, ch, b));
      break;
    case DType::Float32:
      cc->lut_f32.resize(3 * 256);
      for (int ch = 0; ch < 3; ++ch)
        for (int b = 0; b < 256; ++b) cc->lut_f32[ch * 256 + b] = chain_to_float(c, ch, b);
      break;
    case DType::Float64:
      throw Error(ErrorCode::Internal, "/output/dtype", "float64 output is not implemented");
  }
  return cc;
}

// A rectangle of an image held in memory; pixel (rect.y0, rect.x0) at `data`.
// Pixels the later stages read outside `rect` are padding of colour `fill`.
struct Tile {
  const std::uint8_t* data = nullptr;
  std::ptrdiff_t row_stride = 0;
  std::ptrdiff_t pixel_stride = 0;
  Rect rect;
  std::array<std::uint8_t, 3> fill{};
};

// Per-thread buffers reused across calls: no allocation once a thread has run
// the largest image it will see, up to kScratchKeptPerThread bytes; whatever
// exceeds that is freed when the call's Scratch goes away. Buffers are handed out
// in call order. One Scratch per call and thread.
class Scratch {
 public:
  explicit Scratch(std::int64_t max_bytes) : buffers_(thread_buffers()), max_bytes_(max_bytes) {}
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  ~Scratch() {
    std::size_t kept = 0;
    for (Buffer& b : buffers_) {
      if (b.size > kScratchKeptPerThread - kept) {
        b.data.reset();
        b.size = 0;
      } else {
        kept += b.size;
      }
    }
  }

  std::uint8_t* take(std::size_t bytes) {
    if (max_bytes_ > 0 && bytes > static_cast<std::uint64_t>(max_bytes_)) {
      throw Error(ErrorCode::InvalidArgument, "",
                  "this image needs an intermediate buffer of " + std::to_string(bytes) +
                      " bytes, more than the limit of " + std::to_string(max_bytes_) +
                      " (PipelineOptions::max_intermediate_bytes)");
    }
    if (next_ == buffers_.size()) buffers_.emplace_back();
    Buffer& b = buffers_[next_++];
    if (b.size < bytes) {
      b.data.reset();  // the old buffer goes before the new one comes
      b.size = 0;
      b.data.reset(new std::uint8_t[bytes]);
      b.size = bytes;
    }
    return b.data.get();
  }

 private:
  struct Buffer {
    std::unique_ptr<std::uint8_t[]> data;
    std::size_t size = 0;
  };
  static std::vector<Buffer>& thread_buffers() {
    thread_local std::vector<Buffer> buffers;
    return buffers;
  }
  std::vector<Buffer>& buffers_;
  std::int64_t max_bytes_;
  std::size_t next_ = 0;
};

// A packed copy of `rect` of `tile`, its fill where the tile stores nothing.
Tile materialize(const Tile& tile, const Rect& rect, int channels, Scratch& scratch) {
  Tile out;
  out.rect = rect;
  out.pixel_stride = channels;
  out.row_stride = static_cast<std::ptrdiff_t>(rect.cols()) * channels;
  std::uint8_t* dst = scratch.take(static_cast<std::size_t>(rect.rows()) * out.row_stride);
  out.data = dst;
  for (int y = rect.y0; y < rect.y1; ++y) {
    std::uint8_t* row = dst + (y - rect.y0) * out.row_stride;
    for (int x = rect.x0; x < rect.x1; ++x) {
      const bool stored = y >= tile.rect.y0 && y < tile.rect.y1 && x >= tile.rect.x0 && x < tile.rect.x1;
      for (int c = 0; c < channels; ++c) {
        row[(x - rect.x0) * channels + c] =
            stored ? tile.data[(y - tile.rect.y0) * tile.row_stride + (x - tile.rect.x0) * tile.pixel_stride + c]
                   : tile.fill[c];
      }
    }
  }
  return out;
}

kernels::ConvAxis axis_of(const ConvWeights& w) {
  return kernels::ConvAxis{w.ksize, w.first.data(), w.count.data(), w.weight.data()};
}

Tile run_stage(const ResizeStage& st, const Tile& in, int channels, Scratch& scratch,
               const kernels::KernelTable& k) {
  if (st.out_rect.empty()) return Tile{nullptr, 0, 0, st.out_rect};
  if (!st.need_horizontal && !st.need_vertical) return in;
  auto packed = [&](const Rect& r) {
    Tile t;
    t.rect = r;
    t.pixel_stride = channels;
    t.row_stride = static_cast<std::ptrdiff_t>(r.cols()) * channels;
    t.data = scratch.take(static_cast<std::size_t>(r.rows()) * t.row_stride);
    return t;
  };
  auto horizontal = [&](const Tile& src, const Rect& out_rect) {
    Tile t = packed(out_rect);
    k.conv_horizontal(src.data, src.row_stride, src.pixel_stride, out_rect.rows(), channels,
                               axis_of(st.horizontal), out_rect.cols(),
                               const_cast<std::uint8_t*>(t.data), t.row_stride);
    return t;
  };
  auto vertical = [&](const Tile& src, const Rect& out_rect) {
    Tile t = packed(out_rect);
    k.conv_vertical(src.data, src.row_stride, src.pixel_stride, out_rect.cols(), channels,
                             axis_of(st.vertical), out_rect.rows(),
                             const_cast<std::uint8_t*>(t.data), t.row_stride);
    return t;
  };
  const Rect& o = st.out_rect;
  const Rect& i = st.in_rect;
  if (!st.need_vertical) return horizontal(in, o);
  if (!st.need_horizontal) return vertical(in, o);
  if (st.vertical_first) {
    Tile mid = vertical(in, Rect{o.y0, i.x0, o.y1, i.x1});
    return horizontal(mid, o);
  }
  Tile mid = horizontal(in, Rect{i.y0, o.x0, i.y1, o.x1});
  return vertical(mid, o);
}

Tile run_stage(const NearestStage& st, const Tile& in, int channels, Scratch& scratch,
               const kernels::KernelTable& k) {
  Tile t;
  t.rect = st.out_rect;
  if (st.out_rect.empty()) return t;
  t.pixel_stride = channels;
  t.row_stride = static_cast<std::ptrdiff_t>(st.out_rect.cols()) * channels;
  std::uint8_t* dst = scratch.take(static_cast<std::size_t>(st.out_rect.rows()) * t.row_stride);
  t.data = dst;
  k.gather_nearest(in.data, in.row_stride, in.pixel_stride, channels, st.src_y.data(),
                          st.out_rect.rows(), st.src_x.data(), st.out_rect.cols(), dst, t.row_stride);
  return t;
}

// OpenCV cv2.resize (opencv_resize.cpp builds the tables).
// `direct`: when the tensor is exactly this stage's packed output (uint8 HWC,
// same channel order, nothing after it), the stage writes there and no writer runs.
Tile run_stage(const OpencvResizeStage& st, const Tile& in, int channels, Scratch& scratch,
               const kernels::KernelTable& k, std::uint8_t* direct = nullptr) {
  if (st.out_rect.empty()) return Tile{nullptr, 0, 0, st.out_rect};
  if (st.kind == OpencvKind::Copy) return in;
  const Rect& o = st.out_rect;
  const Rect& i = st.in_rect;
  const int elements = o.cols() * channels;
  Tile t;
  t.rect = o;
  t.pixel_stride = channels;
  t.row_stride = elements;
  std::uint8_t* dst = direct ? direct : scratch.take(static_cast<std::size_t>(o.rows()) * elements);
  t.data = dst;
  const std::size_t mid_elements = static_cast<std::size_t>(i.rows()) * elements;
  switch (st.kind) {
    case OpencvKind::Separable: {
      // Like resizeGeneric_: each output row filters the input rows it reads
      // (kept in a ring of ksize int32 rows, each computed once while output
      // rows advance), then applies the vertical rule. The SIMD 2-tap tables
      // assume packed pixels: other layouts (alpha, strided views) are packed first.
      const bool pack = st.ksize == 2 && in.pixel_stride != channels;
      const Tile src = pack ? materialize(in, i, channels, scratch) : in;
      const int slots = st.ksize;
      auto* ring = reinterpret_cast<std::int32_t*>(
          scratch.take(static_cast<std::size_t>(slots) * elements * sizeof(std::int32_t)));
      std::int32_t slot_row[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
      kernels::OpencvTaps x{st.ksize, st.x_index.data(), st.x_weight.data()};
      if (st.ksize == 2) {
        x.element_offset = st.x_element_offset.data();
        x.element_weights = st.x_element_weights.data();
        x.simd_elements = st.x_simd_elements;
      }
      // The cubic float/int split is at an element index of the whole output row.
      const long long split = static_cast<long long>(st.out_w) * channels / 8 * 8;
      const int float_elements = static_cast<int>(
          std::clamp<long long>(split - static_cast<long long>(o.x0) * channels, 0, elements));
      for (int y = 0; y < o.rows(); ++y) {
        std::int32_t slot_of_tap[8];
        for (int tap = 0; tap < st.ksize; ++tap) {
          const std::int32_t r = st.y_index[static_cast<std::size_t>(y) * st.ksize + tap];
          const int slot = r % slots;  // taps are consecutive rows: distinct slots
          slot_of_tap[tap] = slot;
          if (slot_row[slot] == r) continue;
          // Filter this row and, in the same call, the next tap's row if it is
          // r + 1 and missing too (one pass over the tables for both).
          int count = 1;
          std::ptrdiff_t step = 0;
          if (tap + 1 < st.ksize) {
            const std::int32_t next = st.y_index[static_cast<std::size_t>(y) * st.ksize + tap + 1];
            if (next == r + 1 && slot_row[next % slots] != next) {
              count = 2;
              step = static_cast<std::ptrdiff_t>(next % slots - slot) * elements;
              slot_row[next % slots] = next;
            }
          }
          k.opencv_horizontal(src.data + r * src.row_stride, src.row_stride, src.pixel_stride, count, channels, x,
                              o.cols(), ring + static_cast<std::size_t>(slot) * elements, step);
          slot_row[slot] = r;
        }
        const kernels::OpencvTaps v{st.ksize, slot_of_tap, st.y_weight.data() + static_cast<std::size_t>(y) * st.ksize};
        std::uint8_t* row = dst + y * t.row_stride;
        switch (st.vertical) {
          case OpencvVertical::Linear: k.opencv_vertical_linear(ring, elements, elements, v, 1, row, t.row_stride); break;
          case OpencvVertical::Cubic:
            k.opencv_vertical_cubic(ring, elements, elements, v, float_elements, 1, row, t.row_stride);
            break;
          case OpencvVertical::Fixed:
            k.opencv_vertical_fixed(ring, elements, elements, v, st.vertical_shift, 1, row, t.row_stride);
            break;
        }
      }
      break;
    }
    case OpencvKind::Area: {
      auto* mid = reinterpret_cast<float*>(scratch.take(mid_elements * sizeof(float)));
      k.opencv_area_horizontal(in.data, in.row_stride, in.pixel_stride, i.rows(), channels,
                               kernels::OpencvSpans{st.x_ksize, st.x_first.data(), st.x_count.data(),
                                                    st.x_alpha.data(), 0},
                               o.cols(), mid, elements);
      k.opencv_area_vertical(mid, elements, elements,
                             kernels::OpencvSpans{st.y_ksize, st.y_first.data(), st.y_count.data(),
                                                  st.y_alpha.data(), 0},
                             o.rows(), dst, t.row_stride);
      break;
    }
    case OpencvKind::AreaFast:
      k.opencv_area_fast(in.data, in.row_stride, in.pixel_stride, channels,
                         kernels::OpencvSpans{0, st.y_first.data(), st.y_count.data(), nullptr, st.block_y},
                         o.rows(),
                         kernels::OpencvSpans{0, st.x_first.data(), st.x_count.data(), nullptr, st.block_x},
                         o.cols(), dst, t.row_stride);
      break;
    case OpencvKind::Copy: break;
  }
  return t;
}

Tile run_stage(const CropStage& st, const Tile& tile_in, int channels, Scratch& scratch,
               const kernels::KernelTable&) {
  // A crop only relabels coordinates; the pixels stay where they are. Only when
  // it adds padding of another colour than the padding the tile already has
  // (both visible) is the old padding written out first.
  Tile in = tile_in;
  if (st.pads && in.fill != st.fill && !in.rect.contains(st.in_rect)) {
    in = materialize(in, st.in_rect, channels, scratch);
  }
  if (st.pads) in.fill = st.fill;
  Tile t = in;
  t.rect = Rect{in.rect.y0 - st.offset_y, in.rect.x0 - st.offset_x, in.rect.y1 - st.offset_y,
                in.rect.x1 - st.offset_x};
  if (in.rect.empty()) t.rect = Rect{};
  return t;
}

// The float part of a contract with a resize after to_float (plan.hpp,
// FloatResizePlan): `tile` holds the uint8 stages' output.
void run_float_resize(const CompiledContract& cc, const Plan& plan, const Tile& tile_in, int channels,
                      Scratch& scratch, void* out) {
  const Contract& c = cc.contract;
  const FloatResizePlan& f = plan.float_resize;
  const Rect whole{0, 0, f.in_h, f.in_w};
  Tile tile = tile_in;
  if (!tile.data || tile.rect.y0 != 0 || tile.rect.x0 != 0 || !tile.rect.contains(whole)) {
    tile = materialize(tile, whole, channels, scratch);
  }
  const std::size_t in_plane = static_cast<std::size_t>(f.in_h) * f.in_w;
  const std::size_t out_plane = static_cast<std::size_t>(f.resized_h) * f.resized_w;
  float* planes = reinterpret_cast<float*>(scratch.take(3 * in_plane * sizeof(float)));
  float* resized = reinterpret_cast<float*>(scratch.take(3 * out_plane * sizeof(float)));
  kernels::TorchFloatResize args = f.kernel_args();
  if (f.kind == kernels::TorchFloatKind::Antialias) {
    args.scratch = reinterpret_cast<float*>(
        scratch.take(static_cast<std::size_t>(f.in_h) * f.resized_w * sizeof(float)));
  }
  for (int ch = 0; ch < 3; ++ch) {
    const float* lut = cc.lut_before_resize.data() + ch * 256;
    const int source = cc.source_channel[ch];
    float* plane = planes + ch * in_plane;
    for (int y = 0; y < f.in_h; ++y) {
      const std::uint8_t* row = tile.data + y * tile.row_stride + source;
      for (int x = 0; x < f.in_w; ++x) plane[static_cast<std::size_t>(y) * f.in_w + x] = lut[row[x * tile.pixel_stride]];
    }
    cc.kernel_table->torch_float_resize(args, plane, resized + ch * out_plane);
  }
  // Elementwise steps after the resize, per element, then the layout and dtype.
  const bool planar = c.layout == Layout::NCHW || c.layout == Layout::CHW;
  const int th = plan.tensor_h, tw = plan.tensor_w;
  for (int ch = 0; ch < 3; ++ch) {
    const float* plane = resized + ch * out_plane;
    for (int y = 0; y < th; ++y) {
      const float* row = plane + static_cast<std::size_t>(y + f.crop_y) * f.resized_w + f.crop_x;
      for (int x = 0; x < tw; ++x) {
        const float v = static_cast<float>(
            run_chain(c, ch, row[x], c.arithmetic_before_resize, c.arithmetic.size()));
        const std::size_t at = planar ? (static_cast<std::size_t>(ch) * th + y) * tw + x
                                      : (static_cast<std::size_t>(y) * tw + x) * 3 + ch;
        if (c.output_dtype == DType::Float16) {
          static_cast<std::uint16_t*>(out)[at] = float_to_half_bits(v);
        } else {
          static_cast<float*>(out)[at] = v;
        }
      }
    }
  }
}

void check_image(const CompiledContract& cc, const ImageView& image) {
  const int expected = input_channel_count(cc.contract.input_color);
  if (image.height < 1 || image.width < 1) {
    throw Error(ErrorCode::InvalidArgument, "",
                "image is empty (" + std::to_string(image.height) + "x" + std::to_string(image.width) + ")");
  }
  if (image.height > (1 << 20) || image.width > (1 << 20)) {
    throw Error(ErrorCode::InvalidArgument, "", "image sides are limited to 1048576 pixels");
  }
  if (image.channels != expected) {
    throw Error(ErrorCode::InvalidArgument, "",
                "the contract's input color " + std::string(input_color_name(cc.contract.input_color)) +
                    " needs " + std::to_string(expected) + " channel(s), the image has " +
                    std::to_string(image.channels));
  }
  if (image.data == nullptr) throw Error(ErrorCode::InvalidArgument, "", "image data is null");
}

}  // namespace
}  // namespace detail

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

namespace detail {
namespace {

// Alpha "premultiply": Pillow resizes RGBA as RGBa (Image.resize converts,
// resizes, converts back), here on a premultiplied copy of the stage's input.
void run_premultiplied(const ResizeStage& st, Tile& tile, Scratch& scratch, const kernels::KernelTable& k) {
  Tile in = materialize(tile, st.in_rect, 4, scratch);
  premultiply_alpha(const_cast<std::uint8_t*>(in.data), in.row_stride, in.rect.rows(), in.rect.cols());
  tile = run_stage(st, in, 4, scratch, k);
  unpremultiply_alpha(const_cast<std::uint8_t*>(tile.data), tile.row_stride, tile.rect.rows(), tile.rect.cols());
}

// Runs an image already checked against the contract into a large enough buffer.
void run_checked(const CompiledContract& cc, const ImageView& image, void* out) {
  const std::shared_ptr<const Plan> plan_ptr = cc.plan_for(image.height, image.width);
  const Plan& plan = *plan_ptr;
  const int channels = cc.work_channels;
  Scratch scratch(cc.options.max_intermediate_bytes);

  // The input tile: the image itself when its channels are adjacent bytes
  // (kernels skip alpha by reading 3 of every 4), else a packed copy.
  Tile tile;
  tile.rect = plan.input_rect;
  Tile whole{image.data, image.row_stride, image.pixel_stride, Rect{0, 0, image.height, image.width}};
  const bool composite = cc.contract.alpha == AlphaPolicy::Composite;
  if (composite) {  // Hugging Face convert_to_rgb, before every step
    std::uint8_t* dst = scratch.take(static_cast<std::size_t>(plan.input_rect.rows()) *
                                     plan.input_rect.cols() * channels);
    composite_alpha(image.data + plan.input_rect.y0 * image.row_stride + plan.input_rect.x0 * image.pixel_stride,
                    image.row_stride, image.pixel_stride, image.channel_stride, plan.input_rect.rows(),
                    plan.input_rect.cols(), cc.background, dst);
    tile = Tile{dst, static_cast<std::ptrdiff_t>(plan.input_rect.cols()) * channels, channels, plan.input_rect};
  } else if (image.channel_stride == 1) {
    tile = whole;
    tile.data = image.data + plan.input_rect.y0 * image.row_stride + plan.input_rect.x0 * image.pixel_stride;
    tile.rect = plan.input_rect;
    // numpy gives a length-1 axis any stride (a 1x1x4 view may have strides 1, 1, 1); the
    // kernels read a pixel stride below the channel count as overlapping pixels (GRAY).
    if (image.width == 1) tile.pixel_stride = image.channels;
  } else {
    std::uint8_t* dst = scratch.take(static_cast<std::size_t>(plan.input_rect.rows()) *
                                     plan.input_rect.cols() * channels);
    for (int y = 0; y < plan.input_rect.rows(); ++y)
      for (int x = 0; x < plan.input_rect.cols(); ++x)
        for (int c = 0; c < channels; ++c)
          dst[(static_cast<std::size_t>(y) * plan.input_rect.cols() + x) * channels + c] =
              image.data[(plan.input_rect.y0 + y) * image.row_stride +
                         (plan.input_rect.x0 + x) * image.pixel_stride + c * image.channel_stride];
    tile = Tile{dst, static_cast<std::ptrdiff_t>(plan.input_rect.cols()) * channels, channels, plan.input_rect};
  }

  // A last OpenCV resize whose output is the tensor itself writes straight into it.
  std::uint8_t* direct = nullptr;
  if (!plan.stages.empty() && !plan.has_float_resize && channels == 3 &&
      cc.contract.output_dtype == DType::UInt8 &&
      (cc.contract.layout == Layout::HWC || cc.contract.layout == Layout::NHWC) && cc.source_channel[0] == 0 &&
      cc.source_channel[1] == 1 && cc.source_channel[2] == 2) {
    if (const auto* last = std::get_if<OpencvResizeStage>(&plan.stages.back())) {
      if (last->kind != OpencvKind::Copy && last->out_rect.y0 == 0 && last->out_rect.x0 == 0 &&
          last->out_rect.rows() == plan.out_h && last->out_rect.cols() == plan.out_w) {
        direct = static_cast<std::uint8_t*>(out);
      }
    }
  }

  for (std::size_t index = 0; index < plan.stages.size(); ++index) {
    const Stage& stage = plan.stages[index];
    std::visit(
        [&](const auto& st) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(st)>, CropStage>) {
            if (channels == 4 && !tile.rect.contains(st.in_rect)) {
              throw Error(ErrorCode::InvalidArgument, "/input/alpha",
                          "alpha 'premultiply' cannot resample padding (the alpha of padded pixels "
                          "is not part of contract v1)");
            }
            if (!tile.rect.contains(st.in_rect) || tile.rect.y0 != st.in_rect.y0 ||
                tile.rect.x0 != st.in_rect.x0) {
              tile = materialize(tile, st.in_rect, channels, scratch);
            }
          }
          if constexpr (std::is_same_v<std::decay_t<decltype(st)>, ResizeStage>) {
            if (channels == 4 && (st.need_horizontal || st.need_vertical) && !st.out_rect.empty()) {
              run_premultiplied(st, tile, scratch, *cc.kernel_table);
              return;
            }
          }
          if constexpr (std::is_same_v<std::decay_t<decltype(st)>, OpencvResizeStage>) {
            if (direct && index + 1 == plan.stages.size()) {
              tile = run_stage(st, tile, channels, scratch, *cc.kernel_table, direct);
              return;
            }
          }
          tile = run_stage(st, tile, channels, scratch, *cc.kernel_table);
        },
        stage);
  }
  if (direct) return;

  if (plan.has_float_resize) {
    if (cc.contract.output_dtype != DType::Float32 && cc.contract.output_dtype != DType::Float16) {
      throw Error(ErrorCode::Internal, "/output/dtype", "float64 output is not implemented");
    }
    run_float_resize(cc, plan, tile, channels, scratch, out);
    return;
  }

  kernels::TensorWrite w;
  w.src = tile.data;
  w.src_row_stride = tile.row_stride;
  w.src_pixel_stride = tile.pixel_stride;
  w.src_y0 = tile.rect.y0;
  w.src_x0 = tile.rect.x0;
  w.src_rows = tile.data ? tile.rect.rows() : 0;
  w.src_cols = tile.data ? tile.rect.cols() : 0;
  for (int c = 0; c < 3; ++c) w.source_channel[c] = cc.source_channel[c];
  for (int c = 0; c < 3; ++c) w.pad[c] = tile.fill[c];
  w.height = plan.out_h;
  w.width = plan.out_w;
  w.planar = cc.contract.layout == Layout::NCHW || cc.contract.layout == Layout::CHW;
  switch (cc.contract.output_dtype) {
    case DType::UInt8: cc.kernel_table->write_tensor_u8(w, cc.lut_u8.data(), static_cast<std::uint8_t*>(out)); break;
    case DType::Float16: cc.kernel_table->write_tensor_u16(w, cc.lut_u16.data(), static_cast<std::uint16_t*>(out)); break;
    case DType::Float32: cc.kernel_table->write_tensor_f32(w, cc.lut_f32.data(), static_cast<float*>(out)); break;
    case DType::Float64: throw Error(ErrorCode::Internal, "", "float64 output is not implemented");
  }
}

}  // namespace
}  // namespace detail

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
    run_checked(cc, image, out);
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
  std::mutex failure_mutex;
  std::exception_ptr failure;
  const std::function<void(std::size_t)> task = [&](std::size_t i) {
    try {
      run_checked(cc, images[i], static_cast<std::uint8_t*>(out) + i * each);
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
