// Reproduces Pillow 13 src/libImaging/Resample.c:precompute_coeffs and
// normalize_coeffs_8bpc. Every expression keeps Pillow's operation order and
// types (float box coordinates, double weights, division by the weight sum,
// round-half-away-from-zero to 22 bits); this file is compiled with
// -ffp-contract=off so no multiply-add is fused.
#include "engines/pillow/coefficients.hpp"

#include <algorithm>
#include <cmath>

#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {
namespace {

constexpr double kPi = 3.14159265358979323846;  // Pillow's M_PI

double box_filter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

double bilinear_filter(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_filter(double x) {
  if (x < 0.0) x = -x;
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x = x * kPi;
  // Pillow writes the Hamming constants as float literals: 0.54f, 0.46f.
  return std::sin(x) / x * (static_cast<double>(0.54f) + static_cast<double>(0.46f) * std::cos(x));
}

double bicubic_filter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double sinc_filter(double x) {
  if (x == 0.0) return 1.0;
  x = x * kPi;
  return std::sin(x) / x;
}

double lanczos_filter(double x) {
  if (-3.0 <= x && x < 3.0) return sinc_filter(x) * sinc_filter(x / 3);
  return 0.0;
}

struct FilterDef {
  double (*fn)(double);
  double support;
};

FilterDef filter_def(PillowFilter filter) {
  switch (filter) {
    case PillowFilter::Box: return {box_filter, 0.5};
    case PillowFilter::Bilinear: return {bilinear_filter, 1.0};
    case PillowFilter::Hamming: return {hamming_filter, 1.0};
    case PillowFilter::Bicubic: return {bicubic_filter, 2.0};
    case PillowFilter::Lanczos: return {lanczos_filter, 3.0};
    case PillowFilter::Nearest: break;
  }
  throw Error(ErrorCode::Internal, "", "nearest has no convolution filter");
}

}  // namespace

ConvWeights pillow_axis_weights(int in_size, int out_size, PillowFilter filter, int out_begin, int out_end) {
  const FilterDef def = filter_def(filter);
  // The box is float in Pillow: in1 - in0 is a float subtraction.
  const float in0 = 0.0f, in1 = static_cast<float>(in_size);
  const double scale = static_cast<double>(in1 - in0) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = def.support * filterscale;
  const int ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  const double inv_filterscale = 1.0 / filterscale;

  ConvWeights out;
  out.ksize = ksize;
  const int n = out_end - out_begin;
  out.first.resize(n);
  out.count.resize(n);
  out.weight.assign(static_cast<std::size_t>(n) * ksize, 0);
  std::vector<double> w(ksize);
  for (int i = 0; i < n; ++i) {
    const int xx = out_begin + i;
    const double center = in0 + (xx + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[x] = def.fn((x + xmin - center + 0.5) * inv_filterscale);
      ww += w[x];
    }
    if (ww != 0.0) {
      for (int x = 0; x < xmax; ++x) w[x] /= ww;
    }
    std::int32_t* k = &out.weight[static_cast<std::size_t>(i) * ksize];
    for (int x = 0; x < xmax; ++x) {
      const double scaled = w[x] * (1 << 22);
      k[x] = static_cast<std::int32_t>(w[x] < 0 ? -0.5 + scaled : 0.5 + scaled);
    }
    out.first[i] = xmin;
    out.count[i] = std::max(xmax, 0);
  }
  return out;
}

std::vector<std::int32_t> pillow_nearest_indices(int in_size, int out_size, int out_begin,
                                                 int out_end) {
  // _resize passes a = (double)(box1 - box0) / size with float box coordinates;
  // ImagingScaleAffine starts at a * 0.5 and accumulates (no multiplication).
  const float box0 = 0.0f, box1 = static_cast<float>(in_size);
  const double a = static_cast<double>(box1 - box0) / out_size;
  double pos = box0 + a * 0.5;
  std::vector<std::int32_t> src(out_end - out_begin);
  for (int i = 0; i < out_end; ++i) {
    if (i >= out_begin) {
      int s = pos < 0.0 ? -1 : static_cast<int>(pos);
      src[i - out_begin] = (s >= 0 && s < in_size) ? s : -1;
    }
    pos += a;
  }
  return src;
}

bool pillow_vertical_first(int in_h, int in_w, int out_h, int out_w, PillowVersion version) {
  if (version == PillowVersion::V12_1) return false;
  if (version == PillowVersion::V12_2) return in_h > 100LL * in_w && out_h < in_h;
  const long long dh = static_cast<long long>(in_h) - out_h;
  const long long dw = static_cast<long long>(in_w) - out_w;
  return dh > 0 && dh > 2 * dw;
}

}  // namespace pixelpact::detail
