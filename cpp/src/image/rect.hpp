// A rectangle of image pixels, [y0, y1) x [x0, x1).
#pragma once

namespace pixelpact::detail {

struct Rect {
  int y0 = 0, x0 = 0, y1 = 0, x1 = 0;
  int rows() const { return y1 > y0 ? y1 - y0 : 0; }
  int cols() const { return x1 > x0 ? x1 - x0 : 0; }
  bool empty() const { return rows() == 0 || cols() == 0; }
  bool contains(const Rect& r) const {
    return r.empty() || (r.y0 >= y0 && r.y1 <= y1 && r.x0 >= x0 && r.x1 <= x1);
  }
};

}  // namespace pixelpact::detail
