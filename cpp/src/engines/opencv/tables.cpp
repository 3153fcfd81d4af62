// Reproduces the table-building half of OpenCV 4.12 / 5.0
// modules/imgproc/src/resize.cpp for uint8 images: cv::resize and hal::resize
// (mode switches), resizeNN, resizeNN_bitexact (4.x fixed point, 5.x softdouble
// accumulation), resizeGeneric_'s xofs/alpha/yofs/beta loops (INTER_LINEAR,
// INTER_LANCZOS4, INTER_AREA upscale), resize_bitExact's interpolationLinear
// (INTER_LINEAR_EXACT), resizeAreaFast_ and computeResizeAreaTab (INTER_AREA).
// Every expression keeps OpenCV's types and operation order: coordinates in
// double cast to float, weights as float products rounded half to even
// (cvRound / saturate_cast<short>), softdouble (= IEEE double, no FMA) for the
// bit-exact modes. Compiled with -ffp-contract=off. The kernels that consume
// these tables are kernels/reference/opencv_resize.cpp.
//
// Every output pixel of every mode depends only on its own table entries, so a
// plan computes just the output rectangle later stages read.
#include "engines/opencv/tables.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>

namespace pixelpact::detail {
namespace {

constexpr int kCoefBits = 11;                // INTER_RESIZE_COEF_BITS
constexpr int kCoefScale = 1 << kCoefBits;   // INTER_RESIZE_COEF_SCALE

// cvRound(double) / saturate_cast<int>(double): round half to even.
int round_int(double v) {
  const double r = std::nearbyint(v);
  if (r >= 2147483647.0) return std::numeric_limits<int>::max();
  if (r <= -2147483648.0) return std::numeric_limits<int>::min();
  return static_cast<int>(r);
}

// saturate_cast<short>(float): cvRound(float) then saturate.
std::int32_t round_short(float v) {
  const float r = std::nearbyint(v);
  return static_cast<std::int32_t>(std::clamp(r, -32768.0f, 32767.0f));
}

int floor_int(double v) { return static_cast<int>(std::floor(v)); }  // cvFloor
int floor_int(float v) { return static_cast<int>(std::floor(v)); }

// Per axis: inv_scale as hal::resize receives it (fx, or dsize / ssize in double).
double inv_scale_of(const OpencvResize& step, bool vertical, int in_size, int out_size) {
  if (step.scale_y > 0) return vertical ? step.scale_y : step.scale_x;
  return static_cast<double>(out_size) / in_size;
}

// interpolateLanczos4(x, coeffs): float x, double trig, float sum, *(1/sum).
// A tap at distance 0 (|x + 3 - i| < 1e-6, where the formula divides by zero)
// weighs 1e30, so after normalization it is the only tap (x can be 0, and 1.0
// when a coordinate just below an integer rounds up in float).
void lanczos4_coefficients(float x, float* coeffs) {
  static const double s45 = 0.70710678118654752440084436210485;
  static const double cs[][2] = {{1, 0},  {-s45, -s45}, {0, 1},  {s45, -s45},
                                 {-1, 0}, {s45, s45},   {0, -1}, {-s45, s45}};
  constexpr double kPi = 3.1415926535897932384626433832795;  // CV_PI
  float sum = 0;
  const double y0 = -(x + 3) * kPi * 0.25, s0 = std::sin(y0), c0 = std::cos(y0);
  for (int i = 0; i < 8; i++) {
    const float d = x + 3 - i;
    const double y = -d * kPi * 0.25;
    coeffs[i] = std::fabs(d) < 1e-6 ? 1e30f : static_cast<float>((cs[i][0] * s0 + cs[i][1] * c0) / (y * y));
    sum += coeffs[i];
  }
  sum = 1.f / sum;
  for (int i = 0; i < 8; i++) coeffs[i] *= sum;
}

// interpolateCubic(x, coeffs), A = -0.75f, all in float.
void cubic_coefficients(float x, float* coeffs) {
  const float A = -0.75f;
  coeffs[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
  coeffs[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
  coeffs[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
  coeffs[3] = 1.f - coeffs[0] - coeffs[1] - coeffs[2];
}

// resizeGeneric_'s coordinate loop for one axis (outputs [begin, end)):
// linear-family (LINEAR, AREA emulated with "area" coordinates), CUBIC or LANCZOS4.
// The horizontal axis resets out-of-range positions for the linear family;
// the vertical one never does (its rows are clamped instead).
void generic_axis(int in_size, int out_begin, int out_end, double scale, double inv_scale,
                  bool area_mode, int ksize, bool horizontal, std::vector<std::int32_t>& index,
                  std::vector<std::int32_t>& weight) {
  const bool lanczos = ksize == 8, cubic = ksize == 4;
  const int ksize2 = ksize / 2;
  index.assign(static_cast<std::size_t>(out_end - out_begin) * ksize, 0);
  weight.assign(index.size(), 0);
  float cbuf[8];
  for (int d = out_begin; d < out_end; ++d) {
    int s;
    float f;
    if (!area_mode) {
      f = static_cast<float>((d + 0.5) * scale - 0.5);
      s = floor_int(f);
      f -= s;
    } else {
      s = floor_int(d * scale);
      f = static_cast<float>((d + 1) - (s + 1) * inv_scale);
      f = f <= 0 ? 0.f : f - floor_int(f);
    }
    if (horizontal && ksize == 2) {
      if (s < ksize2 - 1 && s < 0) f = 0, s = 0;
      if (s + ksize2 >= in_size && s >= in_size - 1) f = 0, s = in_size - 1;
    }
    if (lanczos) {
      lanczos4_coefficients(f, cbuf);
    } else if (cubic) {
      cubic_coefficients(f, cbuf);
    } else {
      cbuf[0] = 1.f - f;
      cbuf[1] = f;
    }
    const std::size_t at = static_cast<std::size_t>(d - out_begin) * ksize;
    for (int k = 0; k < ksize; ++k) {
      index[at + k] = std::clamp(s - ksize2 + 1 + k, 0, in_size - 1);
      weight[at + k] = round_short(cbuf[k] * kCoefScale);
    }
  }
}

// resize_bitExact's interpolationLinear::getCoeffs for one axis, as taps with
// 8-bit weights: outside [0, in_size - 1) the edge value is replicated, which
// is weight (256, 0) on the edge pixel (hlineResizeCn's src_0 / src_last, and
// vlineSet's (h + 128) >> 8 == (256 h + 2^15) >> 16 on rows).
void linear_exact_axis(int in_size, int out_begin, int out_end, double inv_scale,
                       std::vector<std::int32_t>& index, std::vector<std::int32_t>& weight) {
  const double scale = 1.0 / inv_scale;  // softdouble::one() / softdouble(inv_scale)
  index.assign(static_cast<std::size_t>(out_end - out_begin) * 2, 0);
  weight.assign(index.size(), 0);
  for (int d = out_begin; d < out_end; ++d) {
    const double fval = scale * (static_cast<double>(d) + 0.5) - 0.5;
    const int ival = floor_int(fval);
    const std::size_t at = static_cast<std::size_t>(d - out_begin) * 2;
    if (ival >= 0 && in_size > 1 && ival < in_size - 1) {
      // ufixedpoint16(softdouble): cvRound(v * 256), saturated to [0, 65535].
      const double c1 = std::nearbyint((fval - static_cast<double>(ival)) * 256.0);
      const std::int32_t w1 = static_cast<std::int32_t>(std::clamp(c1, 0.0, 65535.0));
      index[at] = ival;
      index[at + 1] = ival + 1;
      weight[at] = w1 > 256 ? 0 : 256 - w1;  // fixedpoint::one() - c1, saturating
      weight[at + 1] = w1;
    } else {
      const int edge = (ival >= 0 && in_size > 1) ? in_size - 1 : 0;
      index[at] = index[at + 1] = edge;
      weight[at] = 256;
      weight[at + 1] = 0;
    }
  }
}

// computeResizeAreaTab for outputs [begin, end): each output reads `count`
// consecutive inputs from `first` with float weights, in table order.
void area_axis(int in_size, int out_begin, int out_end, double scale, std::vector<std::int32_t>& first,
               std::vector<std::int32_t>& count, std::vector<float>& alpha, int& ksize) {
  ksize = static_cast<int>(std::ceil(scale)) + 2;
  const int n = out_end - out_begin;
  first.assign(n, 0);
  count.assign(n, 0);
  alpha.assign(static_cast<std::size_t>(n) * ksize, 0.f);
  for (int dx = out_begin; dx < out_end; ++dx) {
    const double fsx1 = dx * scale;
    const double fsx2 = fsx1 + scale;
    const double cell_width = std::min(scale, in_size - fsx1);
    int sx1 = static_cast<int>(std::ceil(fsx1)), sx2 = floor_int(fsx2);
    sx2 = std::min(sx2, in_size - 1);
    sx1 = std::min(sx1, sx2);
    const int i = dx - out_begin;
    float* a = &alpha[static_cast<std::size_t>(i) * ksize];
    int k = 0;
    first[i] = sx1;
    if (sx1 - fsx1 > 1e-3) {
      first[i] = sx1 - 1;
      a[k++] = static_cast<float>((sx1 - fsx1) / cell_width);
    }
    for (int sx = sx1; sx < sx2; sx++) a[k++] = static_cast<float>(1.0 / cell_width);
    if (fsx2 - sx2 > 1e-3) {
      a[k++] = static_cast<float>(std::min(std::min(fsx2 - sx2, 1.), cell_width) / cell_width);
    }
    count[i] = k;
  }
}

// Smallest and one-past-largest index of taps; then rebased to it.
std::pair<int, int> rebase_taps(std::vector<std::int32_t>& index) {
  if (index.empty()) return {0, 0};
  const auto mm = std::minmax_element(index.begin(), index.end());
  const int lo = *mm.first, hi = *mm.second + 1;
  for (auto& v : index) v -= lo;
  return {lo, hi};
}

std::pair<int, int> rebase_spans(std::vector<std::int32_t>& first, const std::vector<std::int32_t>& count) {
  int lo = std::numeric_limits<int>::max(), hi = 0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (count[i] <= 0) continue;
    lo = std::min(lo, first[i]);
    hi = std::max(hi, first[i] + count[i]);
  }
  if (lo > hi) lo = hi = 0;
  for (auto& v : first) v -= lo;
  return {lo, hi};
}

}  // namespace

bool opencv_is_nearest(OpencvInterpolation interpolation) {
  return interpolation == OpencvInterpolation::Nearest || interpolation == OpencvInterpolation::NearestExact;
}

std::vector<std::int32_t> opencv_nearest_indices(const OpencvResize& step, bool vertical, int in_size,
                                                 int out_size, int out_begin, int out_end) {
  std::vector<std::int32_t> src(out_end - out_begin);
  if (step.interpolation == OpencvInterpolation::Nearest) {
    // resizeNN: ifx = 1. / inv_scale; sx = min(cvFloor(x * ifx), ssize - 1).
    const double ifx = 1. / inv_scale_of(step, vertical, in_size, out_size);
    for (int x = out_begin; x < out_end; ++x) {
      src[x - out_begin] = std::min(floor_int(x * ifx), in_size - 1);
    }
    return src;
  }
  if (step.major == 4) {
    // 4.x resizeNN_bitexact (sizes only, fx/fy ignored): 16.16 fixed point in
    // int; computed in wrapping 32-bit arithmetic as the C++ int overflows for
    // sides of 32768 and more.
    const std::uint32_t ifx =
        ((static_cast<std::uint32_t>(in_size) << 16) + static_cast<std::uint32_t>(out_size / 2)) /
        static_cast<std::uint32_t>(out_size);
    const std::int32_t ifx0 = static_cast<std::int32_t>(ifx / 2) - in_size % 2;
    for (int x = out_begin; x < out_end; ++x) {
      const std::int32_t v = static_cast<std::int32_t>(ifx * static_cast<std::uint32_t>(x) +
                                                       static_cast<std::uint32_t>(ifx0));
      src[x - out_begin] = std::clamp(v >> 16, 0, in_size - 1);
    }
    return src;
  }
  // 5.x resizeNN_bitexact (sizes only): softdouble s = ssize / dsize, f = s / 2,
  // then per output min(floor(f), ssize - 1) and f += s (accumulated, not
  // multiplied: the same indices as Pillow's NEAREST).
  const double s = static_cast<double>(in_size) / static_cast<double>(out_size);
  double f = 0.5 * s;
  for (int x = 0; x < out_end; ++x) {
    if (x >= out_begin) src[x - out_begin] = std::min(floor_int(f), in_size - 1);
    f += s;
  }
  return src;
}

std::unique_ptr<OpencvStage> make_opencv_stage(const OpencvResize& step, const ResampleRequest& request) {
  const int in_h = request.in_h, in_w = request.in_w, out_h = request.out_h, out_w = request.out_w;
  const Rect& need = request.need;
  const int channels = request.channels;
  auto stage = std::make_unique<OpencvStage>();
  OpencvStage& st = *stage;
  st.in_h = in_h;
  st.in_w = in_w;
  st.out_h = out_h;
  st.out_w = out_w;
  st.out_rect = need;
  if (out_h == in_h && out_w == in_w) {  // cv::resize: dsize == ssize copies
    st.kind = OpencvKind::Copy;
    st.in_rect = need;
    return stage;
  }
  if (need.empty()) {
    st.kind = OpencvKind::Copy;
    st.in_rect = Rect{};
    return stage;
  }
  // hal::resize
  const double inv_scale_x = inv_scale_of(step, false, in_w, out_w);
  const double inv_scale_y = inv_scale_of(step, true, in_h, out_h);
  const double scale_x = 1. / inv_scale_x, scale_y = 1. / inv_scale_y;
  const int iscale_x = round_int(scale_x), iscale_y = round_int(scale_y);
  const bool is_area_fast =
      std::abs(scale_x - iscale_x) < DBL_EPSILON && std::abs(scale_y - iscale_y) < DBL_EPSILON;
  OpencvInterpolation mode = step.interpolation;
  // Exactly 1/2 on both axes: INTER_AREA's fast path equals (and replaces)
  // LINEAR_EXACT (for cn != 2; pixelpact works on 1 or 3 channels) and LINEAR.
  if ((mode == OpencvInterpolation::LinearExact || mode == OpencvInterpolation::Linear) && is_area_fast &&
      iscale_x == 2 && iscale_y == 2) {
    mode = OpencvInterpolation::Area;
  }

  if (mode == OpencvInterpolation::LinearExact) {
    st.kind = OpencvKind::Separable;
    st.ksize = 2;
    st.vertical = OpencvVertical::Fixed;
    st.vertical_shift = 16;
    linear_exact_axis(in_w, need.x0, need.x1, inv_scale_x, st.x_index, st.x_weight);
    linear_exact_axis(in_h, need.y0, need.y1, inv_scale_y, st.y_index, st.y_weight);
  } else if (mode == OpencvInterpolation::Area && scale_x >= 1 && scale_y >= 1) {
    if (is_area_fast) {
      // resizeAreaFast_: blocks of iscale_x x iscale_y; blocks cut by the
      // image border (only possible with fx/fy) average what they cover.
      st.kind = OpencvKind::AreaFast;
      st.block_x = iscale_x;
      st.block_y = iscale_y;
      auto blocks = [](int in_size, int block, int begin, int end, std::vector<std::int32_t>& first,
                       std::vector<std::int32_t>& count) {
        for (int d = begin; d < end; ++d) {
          const long long s0 = static_cast<long long>(d) * block;
          first.push_back(static_cast<std::int32_t>(std::min<long long>(s0, in_size)));
          count.push_back(static_cast<std::int32_t>(std::clamp<long long>(in_size - s0, 0, block)));
        }
      };
      blocks(in_w, iscale_x, need.x0, need.x1, st.x_first, st.x_count);
      blocks(in_h, iscale_y, need.y0, need.y1, st.y_first, st.y_count);
    } else {
      st.kind = OpencvKind::Area;
      area_axis(in_w, need.x0, need.x1, scale_x, st.x_first, st.x_count, st.x_alpha, st.x_ksize);
      area_axis(in_h, need.y0, need.y1, scale_y, st.y_first, st.y_count, st.y_alpha, st.y_ksize);
    }
    auto xs = rebase_spans(st.x_first, st.x_count);
    auto ys = rebase_spans(st.y_first, st.y_count);
    st.in_rect = Rect{ys.first, xs.first, ys.second, xs.second};
    return stage;
  } else {
    // resizeGeneric_: LINEAR, AREA emulated by linear with "area" coordinates
    // (when a factor is < 1), CUBIC, LANCZOS4.
    const bool area_mode = mode == OpencvInterpolation::Area;
    st.kind = OpencvKind::Separable;
    st.ksize = mode == OpencvInterpolation::Lanczos4 ? 8 : mode == OpencvInterpolation::Cubic ? 4 : 2;
    st.vertical = st.ksize == 8 ? OpencvVertical::Fixed
                : st.ksize == 4 ? OpencvVertical::Cubic
                                : OpencvVertical::Linear;
    st.vertical_shift = 2 * kCoefBits;
    generic_axis(in_w, need.x0, need.x1, scale_x, inv_scale_x, area_mode, st.ksize, true, st.x_index,
                 st.x_weight);
    generic_axis(in_h, need.y0, need.y1, scale_y, inv_scale_y, area_mode, st.ksize, false, st.y_index,
                 st.y_weight);
  }
  auto xs = rebase_taps(st.x_index);
  auto ys = rebase_taps(st.y_index);
  st.in_rect = Rect{ys.first, xs.first, ys.second, xs.second};
  if (st.ksize == 2) {
    // Per-element tables for the SIMD 2-tap horizontal kernels (packed pixels).
    const int n = need.cols() * channels;
    const int row_bytes = st.in_rect.cols() * channels;
    st.x_element_offset.resize(n);
    st.x_element_weights.resize(n);
    bool simd = true;
    for (int e = 0; e < n; ++e) {
      const int x = e / channels, c = e % channels;
      const int i0 = st.x_index[2 * x], i1 = st.x_index[2 * x + 1];
      const std::int32_t w0 = st.x_weight[2 * x], w1 = st.x_weight[2 * x + 1];
      st.x_element_offset[e] = i0 * channels + c;
      st.x_element_weights[e] = static_cast<std::int32_t>(
          (static_cast<std::uint32_t>(static_cast<std::uint16_t>(w1)) << 16) | static_cast<std::uint16_t>(w0));
      simd = simd && (i1 == i0 + 1 || w1 == 0) && i0 * channels + 8 <= row_bytes &&
             w0 >= -32768 && w0 <= 32767 && w1 >= -32768 && w1 <= 32767;
      if (simd) st.x_simd_elements = e + 1;
    }
  }
  return stage;
}

}  // namespace pixelpact::detail
