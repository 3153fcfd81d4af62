#include "run/executor.hpp"

#include <cstring>
#include <memory>
#include <string>

#include "engines/stage.hpp"
#include "image/alpha.hpp"
#include "image/scratch.hpp"
#include "image/tile.hpp"
#include "plan/elementwise.hpp"
#include "plan/half.hpp"
#include "plan/plan.hpp"

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
  const std::size_t in_plane = static_cast<std::size_t>(f.in_h) * f.in_w;
  const std::size_t out_plane = static_cast<std::size_t>(f.out_h) * f.out_w;
  float* planes = reinterpret_cast<float*>(scratch.take(3 * in_plane * sizeof(float)));
  float* resized = reinterpret_cast<float*>(scratch.take(3 * out_plane * sizeof(float)));
  float* work = nullptr;
  if (const std::size_t n = f.work_floats()) work = reinterpret_cast<float*>(scratch.take(n * sizeof(float)));
  // Only the samples the stage reads are converted (FloatStage::rows_read, cols_read).
  const std::size_t rows = f.rows_read.empty() ? static_cast<std::size_t>(f.in_h) : f.rows_read.size();
  for (int ch = 0; ch < 3; ++ch) {
    const float* lut = cc.tables.before_resize.data() + ch * 256;
    const int source = cc.source_channel[ch];
    float* plane = planes + ch * in_plane;
    for (std::size_t i = 0; i < rows; ++i) {
      const int y = f.rows_read.empty() ? static_cast<int>(i) : f.rows_read[i];
      const std::uint8_t* row = tile.data + y * tile.row_stride + source;
      float* dst = plane + static_cast<std::size_t>(y) * f.in_w;
      if (f.cols_read.empty()) {
        for (int x = 0; x < f.in_w; ++x) dst[x] = lut[row[x * tile.pixel_stride]];
      } else {
        for (const int x : f.cols_read) dst[x] = lut[row[x * tile.pixel_stride]];
      }
    }
    f.run(plane, resized + ch * out_plane, work, *cc.kernel_table);
  }
  // Elementwise steps after the resize, per element, then the layout and dtype.
  const bool planar = c.layout == Layout::NCHW || c.layout == Layout::CHW;
  const int th = plan.tensor_h, tw = plan.tensor_w;
  for (int ch = 0; ch < 3; ++ch) {
    const float* plane = resized + ch * out_plane;
    for (int y = 0; y < th; ++y) {
      const int sy = y + plan.float_crop_y;
      const bool row_inside = sy >= 0 && sy < f.out_h;
      const float* row = row_inside ? plane + static_cast<std::size_t>(sy) * f.out_w : nullptr;
      for (int x = 0; x < tw; ++x) {
        const int sx = x + plan.float_crop_x;
        const float sample = row_inside && sx >= 0 && sx < f.out_w ? row[sx] : 0.0f;  // padding reads 0.0
        const float v = static_cast<float>(
            run_chain(c, ch, sample, c.arithmetic_before_resize, c.arithmetic.size()));
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

}  // namespace

void execute(const CompiledContract& cc, const ImageView& image, void* out) {
  const std::shared_ptr<const Plan> plan_ptr = cc.plans.plan_for(cc.contract, image.height, image.width);
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

  // A last resize whose packed output is the tensor itself may write straight into it.
  std::uint8_t* direct = nullptr;
  if (!plan.stages.empty() && !plan.float_stage && channels == 3 && cc.contract.output_dtype == DType::UInt8 &&
      (cc.contract.layout == Layout::HWC || cc.contract.layout == Layout::NHWC) && cc.source_channel[0] == 0 &&
      cc.source_channel[1] == 1 && cc.source_channel[2] == 2) {
    const Stage& last = *plan.stages.back();
    if (last.writes_into_output() && last.out_rect.y0 == 0 && last.out_rect.x0 == 0 &&
        last.out_rect.rows() == plan.out_h && last.out_rect.cols() == plan.out_w) {
      direct = static_cast<std::uint8_t*>(out);
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
    case DType::UInt8: cc.kernel_table->write_tensor_u8(w, cc.tables.u8.data(), static_cast<std::uint8_t*>(out)); break;
    case DType::Float16: cc.kernel_table->write_tensor_u16(w, cc.tables.u16.data(), static_cast<std::uint16_t*>(out)); break;
    case DType::Float32: cc.kernel_table->write_tensor_f32(w, cc.tables.f32.data(), static_cast<float*>(out)); break;
    case DType::Float64: throw Error(ErrorCode::Internal, "", "float64 output is not implemented");
  }
}

}  // namespace pixelpact::detail
