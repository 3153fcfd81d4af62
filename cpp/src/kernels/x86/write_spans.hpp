// The span walk the x86 tensor writers share: which part of each output row is
// padding and which is read from the stored rectangle (TensorWrite, write.hpp).
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/write.hpp"

namespace pixelpact::kernels::x86 {

// Calls fill(y, x_begin, x_end) for padding spans and body(y, src_row, x_begin, x_end)
// for the stored span of every output row.
template <typename Fill, typename Body>
void for_each_span(const TensorWrite& w, Fill fill, Body body) {
  for (int y = 0; y < w.height; ++y) {
    const bool row_stored = y >= w.src_y0 && y < w.src_y0 + w.src_rows;
    const int x0 = row_stored ? std::max(0, std::min(w.width, w.src_x0)) : w.width;
    const int x1 = row_stored ? std::max(x0, std::min(w.width, w.src_x0 + w.src_cols)) : w.width;
    if (!row_stored) {
      fill(y, 0, w.width);
      continue;
    }
    if (x0 > 0) fill(y, 0, x0);
    if (x1 > x0) body(y, w.src + (y - w.src_y0) * w.src_row_stride + (x0 - w.src_x0) * w.src_pixel_stride, x0, x1);
    if (x1 < w.width) fill(y, x1, w.width);
  }
}

}  // namespace pixelpact::kernels::x86
