// Reproduces torch 2.14 aten/src/ATen/native/cpu/UpSampleKernel.cpp for uint8
// input on CPU: HelperInterpBase::_compute_indices_min_size_weights_aa (antialias),
// _compute_indices_min_size_weights (no antialias), _compute_index_ranges_int16_weights
// (int16 quantization), and HelperInterpNearest / HelperInterpNearestExact with
// UpSample.h:nearest_idx / nearest_exact_idx (indices). Every expression keeps
// torch's operation order and types (double weights, float nearest indices,
// floorf on a double cast to float); this file is compiled with -ffp-contract=off.
// torch's AVX2/AVX-512 builds may contract the cubic polynomials and the
// no-antialias source index into FMAs. Measured: computing them with std::fma
// instead gives the same effective int16 weights (per output, per input pixel)
// for every in <= 1500, out <= 700, bilinear and bicubic with and without
// antialias, so the choice is unobservable there; without FMAs is what the
// parity tests (tests/parity/test_torch_parity.py) run.
#include "engines/torch/coefficients.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {
namespace {

constexpr double kPi = 3.14159265358979323846;  // c10::pi<double>

// UpSample.h: cubic_convolution1 / cubic_convolution2, in torch's order.
double cubic_convolution1(double x, double a) { return ((a + 2) * x - (a + 3)) * x * x + 1; }
double cubic_convolution2(double x, double a) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; }

double linear_filter(double x) {  // HelperInterpLinear::aa_filter
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// HelperInterpCubic::aa_filter: a = -0.5 with antialias (Pillow's), -0.75 without (OpenCV's).
template <bool kKeys>
double cubic_filter(double x) {
  constexpr double a = kKeys ? -0.5 : -0.75;
  x = std::abs(x);
  if (x < 1.0) return cubic_convolution1(x, a);
  if (x < 2.0) return cubic_convolution2(x, a);
  return 0.0;
}

double sinc_filter(double x) {  // HelperInterpLanczos::sinc_filter
  if (x == 0.0) return 1.0;
  x *= kPi;
  return std::sin(x) / x;
}

double lanczos_filter(double x) {  // HelperInterpLanczos::aa_filter: |x| < 3 (Pillow also keeps x = -3)
  x = std::abs(x);
  if (x < 3.0) return sinc_filter(x) * sinc_filter(x / 3.0);
  return 0.0;
}

struct FilterDef {
  double (*fn)(double);
  int interp_size;  // taps without antialias; support = interp_size / 2
};

FilterDef filter_def(TorchInterpolation filter, bool antialias) {
  switch (filter) {
    case TorchInterpolation::Bilinear: return {linear_filter, 2};
    case TorchInterpolation::Bicubic: return {antialias ? cubic_filter<true> : cubic_filter<false>, 4};
    case TorchInterpolation::Lanczos: return {lanczos_filter, 6};
    default: break;
  }
  throw Error(ErrorCode::Internal, "", "the torch engine has no convolution filter for this interpolation");
}

// Double weights of every output of the axis, before quantization.
struct AxisWeights {
  int ksize = 0;
  std::vector<std::int32_t> first, count;
  std::vector<double> weight;  // out_size x ksize
  double wt_max = 0.0;
};

AxisWeights double_weights(int in_size, int out_size, TorchInterpolation filter, bool antialias) {
  const FilterDef f = filter_def(filter, antialias);
  // area_pixel_compute_scale<double>(in, out, align_corners=false, no scale factor)
  const double scale = static_cast<double>(in_size) / out_size;
  AxisWeights a;
  a.first.resize(out_size);
  a.count.resize(out_size);
  if (antialias) {
    // _compute_index_ranges_weights, antialias branch
    const double support = (scale >= 1.0) ? (f.interp_size * 0.5) * scale : f.interp_size * 0.5;
    a.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    a.weight.assign(static_cast<std::size_t>(out_size) * a.ksize, 0.0);
    for (int i = 0; i < out_size; ++i) {
      // _compute_indices_min_size_weights_aa
      double* wt = &a.weight[static_cast<std::size_t>(i) * a.ksize];
      const double center = scale * (i + 0.5);
      double total_w = 0.0;
      const double invscale = (scale >= 1.0) ? 1.0 / scale : 1.0;
      const long long xmin = std::max(static_cast<long long>(center - support + 0.5), 0LL);
      long long xsize = std::min(static_cast<long long>(center + support + 0.5),
                                 static_cast<long long>(in_size)) - xmin;
      xsize = std::clamp(xsize, 0LL, static_cast<long long>(a.ksize));
      for (long long j = 0; j < xsize; ++j) {
        const double w = f.fn((j + xmin - center + 0.5) * invscale);
        wt[j] = w;
        total_w += w;
      }
      double wt_max = 0.0;
      if (total_w != 0.0) {
        for (long long j = 0; j < xsize; ++j) {
          wt[j] /= total_w;
          wt_max = std::max(wt_max, wt[j]);
        }
      }
      a.wt_max = std::max(a.wt_max, wt_max);
      a.first[i] = static_cast<std::int32_t>(xmin);
      a.count[i] = static_cast<std::int32_t>(xsize);
    }
    return a;
  }
  // _compute_indices_min_size_weights: interp_size fixed taps; taps outside the
  // image are summed into the first and last valid slot; no normalization.
  a.ksize = f.interp_size;
  a.weight.assign(static_cast<std::size_t>(out_size) * a.ksize, 0.0);
  const bool cubic = a.ksize > 2;
  for (int i = 0; i < out_size; ++i) {
    double* wt = &a.weight[static_cast<std::size_t>(i) * a.ksize];
    // area_pixel_compute_source_index<double>(scale, i, false, cubic)
    double real = scale * (i + 0.5) - 0.5;
    if (!cubic && real < 0.0) real = 0.0;
    // guard_index_and_lambda: floorf takes a float, so the double is rounded first.
    const long long input_index = std::min(static_cast<long long>(std::floor(static_cast<float>(real))),
                                           static_cast<long long>(in_size) - 1);
    const double lambda = std::min(std::max(real - static_cast<double>(input_index), 0.0), 1.0);
    const long long support = static_cast<long long>(a.ksize * 0.5);
    const long long unbound_min = input_index - support + 1;
    const long long unbound_max = input_index + support + 1;
    const long long index_min = std::max(unbound_min, 0LL);
    long long index_size = std::min(unbound_max, static_cast<long long>(in_size)) - index_min;
    index_size = std::clamp(index_size, 0LL, static_cast<long long>(a.ksize));
    long long w_index = 0;
    for (int j = 0; j < a.ksize; ++j) {
      const double w = f.fn(static_cast<double>(j + 1 - support) - lambda);
      if (unbound_min + j <= 0) {
        w_index = 0;
      } else if (unbound_min + j >= in_size - 1) {
        w_index = index_size - 1;
      }
      wt[w_index] += w;
      // torch takes the maximum over the partial sums, as accumulated.
      a.wt_max = std::max(a.wt_max, wt[w_index]);
      ++w_index;
    }
    a.first[i] = static_cast<std::int32_t>(index_min);
    a.count[i] = static_cast<std::int32_t>(index_size);
  }
  return a;
}

// _compute_index_ranges_int16_weights: the largest precision whose doubled
// maximum weight still fits int16.
int precision_for(double wt_max) {
  int p = 0;
  for (p = 0; p < 22; ++p) {
    const int next_value = static_cast<int>(0.5 + wt_max * (1 << (p + 1)));
    if (next_value >= (1 << 15)) break;
  }
  return p;
}

}  // namespace

int torch_weights_precision(int in_size, int out_size, TorchInterpolation filter, bool antialias) {
  return precision_for(double_weights(in_size, out_size, filter, antialias).wt_max);
}

ConvWeights torch_axis_weights(int in_size, int out_size, TorchInterpolation filter, bool antialias,
                               int out_begin, int out_end) {
  // The precision depends on the whole axis, so every output is computed.
  const AxisWeights a = double_weights(in_size, out_size, filter, antialias);
  const int p = precision_for(a.wt_max);
  ConvWeights out;
  out.ksize = a.ksize;
  const int n = out_end - out_begin;
  out.first.assign(a.first.begin() + out_begin, a.first.begin() + out_end);
  out.count.assign(a.count.begin() + out_begin, a.count.begin() + out_end);
  out.weight.assign(static_cast<std::size_t>(n) * a.ksize, 0);
  const std::int32_t to_22_bits = std::int32_t{1} << (22 - p);
  for (int i = 0; i < n; ++i) {
    const double* wt = &a.weight[static_cast<std::size_t>(out_begin + i) * a.ksize];
    std::int32_t* k = &out.weight[static_cast<std::size_t>(i) * a.ksize];
    for (int j = 0; j < a.ksize; ++j) {
      const double v = wt[j] * (1 << p);
      // torch stores the rounded value in an int16_t.
      const auto w16 = static_cast<std::int16_t>((v < 0) ? static_cast<int>(-0.5 + v) : static_cast<int>(0.5 + v));
      k[j] = static_cast<std::int32_t>(w16) * to_22_bits;
    }
  }
  return out;
}

std::vector<std::int32_t> torch_nearest_indices(int in_size, int out_size, TorchInterpolation filter,
                                                int out_begin, int out_end) {
  // compute_scales_value<float>: (float)input_size / output_size, in float.
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  std::vector<std::int32_t> src(out_end - out_begin);
  for (int i = out_begin; i < out_end; ++i) {
    long long s;
    if (filter == TorchInterpolation::NearestExact) {
      // nearest_exact_idx: floorf((dst_index + 0.5) * scale); the product is a
      // double (0.5 is a double literal), rounded to float by floorf's argument.
      s = static_cast<long long>(std::floor(static_cast<float>((i + 0.5) * static_cast<double>(scale))));
    } else {
      // nearest_idx: floorf(dst_index * scale) in float (out == in and
      // out == 2 * in give i and i >> 1, which this formula also gives).
      s = static_cast<long long>(std::floor(static_cast<float>(i) * scale));
    }
    src[i - out_begin] = static_cast<std::int32_t>(std::min(s, static_cast<long long>(in_size) - 1));
  }
  return src;
}

}  // namespace pixelpact::detail
