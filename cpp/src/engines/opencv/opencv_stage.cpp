// Runs a cv2.resize stage: the separable modes row by row through a ring of
// int32 rows (as resizeGeneric_ does), INTER_AREA's float and block paths.
// Tables: tables.cpp; kernels: kernels/*/opencv_resize.cpp.
#include "engines/opencv/opencv_stage.hpp"

#include <algorithm>

namespace pixelpact::detail {

Tile OpencvStage::run(const Tile& in, const StageContext& context) const {
  const OpencvStage& st = *this;
  const int channels = context.channels;
  Scratch& scratch = context.scratch;
  const kernels::KernelTable& k = context.kernels;
  // context.output: when the tensor is exactly this stage's packed output (uint8
  // HWC, same channel order, nothing after it), the stage writes there.
  std::uint8_t* const direct = context.output;
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

}  // namespace pixelpact::detail
