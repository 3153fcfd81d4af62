// A tile: a rectangle of an image held in memory, the unit every stage reads and
// writes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "image/rect.hpp"
#include "image/scratch.hpp"

namespace pixelpact::detail {

// Pixel (rect.y0, rect.x0) is at `data`; channels are adjacent bytes. Pixels the
// later stages read outside `rect` are padding of colour `fill` (working channel
// order).
struct Tile {
  const std::uint8_t* data = nullptr;
  std::ptrdiff_t row_stride = 0;
  std::ptrdiff_t pixel_stride = 0;
  Rect rect;
  std::array<std::uint8_t, 3> fill{};
};

// A packed copy of `rect` of `tile` (pixel stride = channels), its fill where
// the tile stores nothing.
Tile materialize(const Tile& tile, const Rect& rect, int channels, Scratch& scratch);

// An uninitialised packed tile of `rect` from scratch.
Tile packed_tile(const Rect& rect, int channels, Scratch& scratch);

}  // namespace pixelpact::detail
