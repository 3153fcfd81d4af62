// The stage of a cv2.resize that is not a nearest flavour (those gather: engines/
// common/gather_stage.hpp); its tables are built by tables.cpp, its kernels are
// kernels/*/opencv_resize.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/stage.hpp"

namespace pixelpact::detail {

enum class OpencvKind {
  Copy,       // output size == input size: cv::resize copies, no filtering
  Separable,  // LINEAR, LINEAR_EXACT, CUBIC, LANCZOS4, AREA upscale: int32 rows, then a vertical rule
  AreaFast,   // AREA (or LINEAR/LINEAR_EXACT at exactly 1/2) with integer factors: resizeAreaFast_
  Area,       // AREA, non-integer downscale on both axes: ResizeArea_Invoker, float
};
enum class OpencvVertical {
  Linear,  // VResizeLinear<uchar>: (((b0*(h0>>4))>>16) + ((b1*(h1>>4))>>16) + 2) >> 2
  Fixed,   // sat_u8((sum h*b + 2^(shift-1)) >> shift)
  Cubic,   // VResizeCubic<uchar>: float for the first (out_w * channels / 8) * 8 values of a row, else Fixed
};

class OpencvStage : public Stage {
 public:
  OpencvKind kind = OpencvKind::Copy;
  // Separable: per output column / row, `ksize` taps of (clamped input index
  // relative to in_rect, integer weight).
  int ksize = 0;
  std::vector<std::int32_t> x_index, x_weight, y_index, y_weight;
  OpencvVertical vertical = OpencvVertical::Linear;
  int vertical_shift = 0;  // Fixed only
  // 2-tap horizontal passes: the per-element tables of kernels::OpencvTaps.
  std::vector<std::int32_t> x_element_offset, x_element_weights;
  int x_simd_elements = 0;
  // Area / AreaFast: per output column / row, the first input (relative to
  // in_rect) and how many it reads; Area adds float weights (x_ksize per output).
  int x_ksize = 0, y_ksize = 0;
  std::vector<std::int32_t> x_first, x_count, y_first, y_count;
  std::vector<float> x_alpha, y_alpha;
  int block_x = 0, block_y = 0;  // AreaFast: the integer factors

  // cv::resize writes packed rows: the last resize may write the tensor itself.
  bool writes_into_output() const override { return kind != OpencvKind::Copy; }
  Tile run(const Tile& in, const StageContext& context) const override;
};

}  // namespace pixelpact::detail
