#include "image/tile.hpp"

namespace pixelpact::detail {

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

Tile packed_tile(const Rect& rect, int channels, Scratch& scratch) {
  Tile t;
  t.rect = rect;
  t.pixel_stride = channels;
  t.row_stride = static_cast<std::ptrdiff_t>(rect.cols()) * channels;
  t.data = scratch.take(static_cast<std::size_t>(rect.rows()) * t.row_stride);
  return t;
}

}  // namespace pixelpact::detail
