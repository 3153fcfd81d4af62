#include "run/executor.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <memory>
#include <string>

#include "engines/stage.hpp"
#include "image/alpha.hpp"
#include "image/scratch.hpp"
#include "image/tile.hpp"
#include "kernels/half.hpp"
#include "plan/elementwise.hpp"
#include "plan/plan.hpp"
#include "run/thread_pool.hpp"

namespace pixelpact::detail {

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

namespace {

// The float part of a contract with a resize after to_float (Plan::float_stage):
// `tile` holds the uint8 stages' output.
void run_float_stage(const CompiledContract& cc, const Plan& plan, const Tile& tile_in, int channels,
                     Scratch& scratch, void* out) {
  const Contract& c = cc.contract;
  const FloatStage& f = *plan.float_stage;
  const Rect whole{0, 0, f.in_h, f.in_w};
  Tile tile = tile_in;
  if (!tile.data || tile.rect.y0 != 0 || tile.rect.x0 != 0 || !tile.rect.contains(whole)) {
    tile = materialize(tile, whole, channels, scratch);
  }
  const int plane_h = f.plane_h != 0 ? f.plane_h : f.in_h, plane_w = f.plane_w != 0 ? f.plane_w : f.in_w;
  const std::size_t in_plane = static_cast<std::size_t>(plane_h) * plane_w;
  const std::size_t out_plane = static_cast<std::size_t>(f.out_h) * f.out_w;
  float* planes = reinterpret_cast<float*>(scratch.take(3 * in_plane * sizeof(float)));
  float* resized = reinterpret_cast<float*>(scratch.take(3 * out_plane * sizeof(float)));
  float* work = nullptr;
  if (const std::size_t n = f.work_floats()) work = reinterpret_cast<float*>(scratch.take(n * sizeof(float)));
  // Only the samples the stage reads are converted (FloatStage::rows_read,
  // cols_read): into their places in a full plane, or into a dense plane of just
  // them when the stage addresses them so (plane_h, plane_w).
  const bool dense_rows = f.plane_h != 0, dense_cols = f.plane_w != 0;
  const std::size_t rows = f.rows_read.empty() ? static_cast<std::size_t>(f.in_h) : f.rows_read.size();
  for (int ch = 0; ch < 3; ++ch) {
    const float* lut = cc.tables.before_resize.data() + ch * 256;
    const int source = cc.source_channel[ch];
    float* plane = planes + ch * in_plane;
    for (std::size_t i = 0; i < rows; ++i) {
      const int y = f.rows_read.empty() ? static_cast<int>(i) : f.rows_read[i];
      const std::uint8_t* row = tile.data + y * tile.row_stride + source;
      float* dst = plane + (dense_rows ? i : static_cast<std::size_t>(y)) * plane_w;
      if (f.cols_read.empty()) {
        for (int x = 0; x < f.in_w; ++x) dst[x] = lut[row[x * tile.pixel_stride]];
      } else if (dense_cols) {
        const std::size_t n = f.cols_read.size();
        for (std::size_t j = 0; j < n; ++j) dst[j] = lut[row[f.cols_read[j] * tile.pixel_stride]];
      } else {
        for (const int x : f.cols_read) dst[x] = lut[row[x * tile.pixel_stride]];
      }
    }
    f.run(plane, resized + ch * out_plane, work, *cc.kernel_table);
  }
  // Elementwise steps after the resize, a row at a time (run_chain_row: each
  // value gets run_chain's operations), then the layout and dtype.
  const bool planar = c.layout == Layout::NCHW || c.layout == Layout::CHW;
  const int th = plan.tensor_h, tw = plan.tensor_w;
  double* values = reinterpret_cast<double*>(scratch.take(static_cast<std::size_t>(tw) * sizeof(double)));
  for (int ch = 0; ch < 3; ++ch) {
    const float* plane = resized + ch * out_plane;
    for (int y = 0; y < th; ++y) {
      const int sy = y + plan.float_crop_y;
      const bool row_inside = sy >= 0 && sy < f.out_h;
      const float* row = row_inside ? plane + static_cast<std::size_t>(sy) * f.out_w : nullptr;
      for (int x = 0; x < tw; ++x) {
        const int sx = x + plan.float_crop_x;
        values[x] = row_inside && sx >= 0 && sx < f.out_w ? row[sx] : 0.0f;  // padding reads 0.0
      }
      run_chain_row(c, ch, values, static_cast<std::size_t>(tw), c.arithmetic_before_resize, c.arithmetic.size());
      if (c.output_dtype == DType::Float16) {
        auto* dst = static_cast<std::uint16_t*>(out);
        for (int x = 0; x < tw; ++x) {
          const std::size_t at = planar ? (static_cast<std::size_t>(ch) * th + y) * tw + x
                                        : (static_cast<std::size_t>(y) * tw + x) * 3 + ch;
          dst[at] = kernels::float_to_half_bits(static_cast<float>(values[x]));
        }
      } else {
        auto* dst = static_cast<float*>(out);
        if (planar) {
          float* row_out = dst + (static_cast<std::size_t>(ch) * th + y) * tw;
          for (int x = 0; x < tw; ++x) row_out[x] = static_cast<float>(values[x]);
        } else {
          float* row_out = dst + static_cast<std::size_t>(y) * tw * 3 + ch;
          for (int x = 0; x < tw; ++x) row_out[static_cast<std::size_t>(x) * 3] = static_cast<float>(values[x]);
        }
      }
    }
  }
}

// Runs `plan` (the whole output, or one band of its rows) on the image.
void execute_plan(const CompiledContract& cc, const Plan& plan, const ImageView& image, void* out) {
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

  // A last resize whose packed output is the tensor itself may write straight into it.
  std::uint8_t* direct = nullptr;
  if (!plan.stages.empty() && !plan.float_stage && channels == 3 && cc.contract.output_dtype == DType::UInt8 &&
      (cc.contract.layout == Layout::HWC || cc.contract.layout == Layout::NHWC) && cc.source_channel[0] == 0 &&
      cc.source_channel[1] == 1 && cc.source_channel[2] == 2) {
    const Stage& last = *plan.stages.back();
    if (last.writes_into_output() && last.out_rect.y0 == plan.band_y0 && last.out_rect.x0 == 0 &&
        last.out_rect.y1 == plan.band_y1 && last.out_rect.cols() == plan.out_w) {
      direct = static_cast<std::uint8_t*>(out) + static_cast<std::size_t>(plan.band_y0) * plan.out_w * 3;
    }
  }

  StageContext context{channels, scratch, *cc.kernel_table};
  for (std::size_t index = 0; index < plan.stages.size(); ++index) {
    const Stage& stage = *plan.stages[index];
    if (!stage.relabels()) {
      if (channels == 4 && !tile.rect.contains(stage.in_rect)) {
        throw Error(ErrorCode::InvalidArgument, "/input/alpha",
                    "alpha 'premultiply' cannot resample padding (the alpha of padded pixels "
                    "is not part of contract v1)");
      }
      if (!tile.rect.contains(stage.in_rect) || tile.rect.y0 != stage.in_rect.y0 ||
          tile.rect.x0 != stage.in_rect.x0) {
        tile = materialize(tile, stage.in_rect, channels, scratch);
      }
    }
    context.output = direct && index + 1 == plan.stages.size() ? direct : nullptr;
    tile = stage.run(tile, context);
  }
  if (direct) return;

  if (plan.float_stage) {
    if (cc.contract.output_dtype != DType::Float32 && cc.contract.output_dtype != DType::Float16) {
      throw Error(ErrorCode::Internal, "/output/dtype", "float64 output is not implemented");
    }
    run_float_stage(cc, plan, tile, channels, scratch, out);
    return;
  }

  kernels::TensorWrite w;
  w.src = tile.data;
  w.src_row_stride = tile.row_stride;
  w.src_pixel_stride = tile.pixel_stride;
  w.src_y0 = tile.rect.y0 - plan.band_y0;
  w.src_x0 = tile.rect.x0;
  w.src_rows = tile.data ? tile.rect.rows() : 0;
  w.src_cols = tile.data ? tile.rect.cols() : 0;
  for (int c = 0; c < 3; ++c) w.source_channel[c] = cc.source_channel[c];
  for (int c = 0; c < 3; ++c) w.pad[c] = tile.fill[c];
  w.height = plan.band_y1 - plan.band_y0;
  w.width = plan.out_w;
  w.planar = cc.contract.layout == Layout::NCHW || cc.contract.layout == Layout::CHW;
  w.plane_elements = static_cast<std::ptrdiff_t>(plan.out_h) * plan.out_w;
  // Element offset of the band's first row (in each plane when planar).
  const std::size_t first = static_cast<std::size_t>(plan.band_y0) * plan.out_w * (w.planar ? 1 : 3);
  switch (cc.contract.output_dtype) {
    case DType::UInt8:
      cc.kernel_table->write_tensor_u8(w, cc.tables.u8.data(), static_cast<std::uint8_t*>(out) + first);
      break;
    // Arithmetic only where this ISA vectorizes it: a scalar loop of float
    // operations is slower than the scalar table lookup.
    case DType::Float16:
      if (cc.tables.has_chain &&
          cc.kernel_table->write_tensor_f16_chain != kernels::reference::table.write_tensor_f16_chain) {
        cc.kernel_table->write_tensor_f16_chain(w, cc.tables.chain, static_cast<std::uint16_t*>(out) + first);
      } else {
        cc.kernel_table->write_tensor_u16(w, cc.tables.u16.data(), static_cast<std::uint16_t*>(out) + first);
      }
      break;
    case DType::Float32:
      if (cc.tables.has_chain &&
          cc.kernel_table->write_tensor_f32_chain != kernels::reference::table.write_tensor_f32_chain) {
        cc.kernel_table->write_tensor_f32_chain(w, cc.tables.chain, static_cast<float*>(out) + first);
      } else {
        cc.kernel_table->write_tensor_f32(w, cc.tables.f32.data(), static_cast<float*>(out) + first);
      }
      break;
    case DType::Float64: throw Error(ErrorCode::Internal, "", "float64 output is not implemented");
  }
}

// Bands worth splitting the image into for `threads` threads: 1 when the work
// would not repay waking the pool (min_band_pixels), or when a band could behave differently
// from the whole image. Splitting must never change which images are accepted:
// alpha 'premultiply' refuses padding only if a stage reads it (a band may
// not), and the intermediate-bytes limit is per buffer (a band's buffers are
// smaller), so a split is made only when every buffer of the whole run is
// provably within the limit. The bound: a stage's buffers (its output, a pass
// between its two axes, a packed copy of its input, OpenCV's ring of up to 8
// int32 rows) never exceed 4 bytes x channels x (rows + 8) x columns of the
// larger of its input and output rectangles.
}  // namespace

// Pixels (input read + output written) a band must have to be worth a pool
// thread: waking a sleeping thread costs tens of microseconds (about 0.1 ms on
// the 2-vCPU VM it was measured on, where E1 on 640x480, 0.22 ms, gained nothing
// from a split and 720p gained 1.4x). PIXELPACT_MIN_BAND_PIXELS overrides it
// (tests use it to make many small bands).
std::int64_t min_band_pixels() {
  constexpr std::int64_t kDefault = 1 << 18;
  const char* text = std::getenv("PIXELPACT_MIN_BAND_PIXELS");
  if (text == nullptr || *text == '\0') return kDefault;
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  return end != nullptr && *end == '\0' && value >= 1 ? value : kDefault;
}

int band_count(const CompiledContract& cc, const Plan& whole, int threads) {
  if (threads <= 1 || whole.float_stage || cc.work_channels == 4) return 1;
  const std::int64_t pixels = static_cast<std::int64_t>(whole.input_rect.rows()) * whole.input_rect.cols() +
                              static_cast<std::int64_t>(whole.out_h) * whole.out_w;
  std::int64_t bands = std::min<std::int64_t>({threads, pixels / min_band_pixels(), whole.out_h});
  if (bands <= 1) return 1;
  if (const std::int64_t limit = cc.options.max_intermediate_bytes; limit > 0) {
    std::int64_t largest = static_cast<std::int64_t>(whole.input_rect.rows()) * whole.input_rect.cols() * 4;
    for (const auto& stage : whole.stages) {
      const std::int64_t rows = std::max(stage->in_rect.rows(), stage->out_rect.rows()) + 8;
      const std::int64_t cols = std::max(stage->in_rect.cols(), stage->out_rect.cols());
      largest = std::max(largest, 4 * 4 * rows * cols);
    }
    if (largest > limit) return 1;
  }
  return static_cast<int>(bands);
}

void execute(const CompiledContract& cc, const ImageView& image, void* out, int threads) {
  const std::shared_ptr<const Plan> whole = cc.plans.plan_for(cc.contract, image.height, image.width);
  const int bands = band_count(cc, *whole, threads);
  if (bands == 1) {
    execute_plan(cc, *whole, image, out);
    return;
  }
  // Output rows split evenly: the work of a band is about proportional to its
  // rows (each band also recomputes the few input rows its filters share with
  // its neighbour). The bytes are the same as one pass over the whole image:
  // every output pixel is computed by the same arithmetic from the same inputs.
  const int h = whole->out_h;
  std::mutex failure_mutex;
  std::exception_ptr failure;
  const std::function<void(std::size_t)> task = [&](std::size_t band) {
    const int y0 = static_cast<int>(static_cast<std::int64_t>(h) * static_cast<std::int64_t>(band) / bands);
    const int y1 = static_cast<int>(static_cast<std::int64_t>(h) * static_cast<std::int64_t>(band + 1) / bands);
    try {
      execute_plan(cc, *cc.plans.plan_for(cc.contract, image.height, image.width, {y0, y1}), image, out);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  parallel_for(static_cast<std::size_t>(bands), bands, task);
  if (failure) std::rethrow_exception(failure);
}

}  // namespace pixelpact::detail
