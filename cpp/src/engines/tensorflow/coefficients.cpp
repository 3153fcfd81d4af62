// tf.image.resize's indices and weights (TensorFlow 2.21 CPU kernels,
// tensorflow/core/kernels/image/ and tensorflow/core/util/image_resizer_state.h),
// in TensorFlow's float/double operation order, computed once per plan so every
// ISA consumes the same numbers. Compiled with -ffp-contract=off; TensorFlow's
// x86 wheel has no FMA in these kernels (AVX build). The kernel:
// kernels/reference/tensorflow_resize.cpp.
#include "engines/tensorflow/coefficients.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace pixelpact::detail {
namespace {

using kernels::TensorflowKind;

// CalculateResizeScale (align_corners false): in_size / float(out_size).
float resize_scale(int in_size, int out_size) {
  return static_cast<float>(in_size) / static_cast<float>(out_size);
}

// HalfPixelScaler: (float(x) + 0.5f) * scale - 0.5f.
float half_pixel(int x, float scale) { return (static_cast<float>(x) + 0.5f) * scale - 0.5f; }

std::int64_t bound(std::int64_t v, std::int64_t limit) { return std::min(limit - 1, std::max<std::int64_t>(0, v)); }

// resize_bilinear_op.cc compute_interpolation_weights (HalfPixelScaler).
void bilinear_axis(int in_size, int out_size, TensorflowAxisPlan& p) {
  const float scale = resize_scale(in_size, out_size);
  p.taps = 2;
  for (int i = 0; i < out_size; ++i) {
    const float in = half_pixel(i, scale);
    const float in_f = std::floor(in);
    const auto lower = std::max(static_cast<std::int64_t>(in_f), std::int64_t{0});
    const auto upper = std::min(static_cast<std::int64_t>(std::ceil(in)), std::int64_t{in_size} - 1);
    p.index.insert(p.index.end(), {static_cast<std::int32_t>(lower), static_cast<std::int32_t>(upper)});
    p.weight.insert(p.weight.end(), {in - in_f, 0.0f});
  }
}

// resize_bicubic_op.cc InitCoeffsTable(-0.5): 1025 pairs, computed in double
// (a is a double parameter) and stored as float.
const std::vector<float>& keys_cubic_table() {
  static const std::vector<float> table = [] {
    constexpr int kTableSize = 1 << 10;
    const double a = -0.5f;
    std::vector<float> t((kTableSize + 1) * 2);
    for (int i = 0; i <= kTableSize; ++i) {
      float x = static_cast<float>(i * 1.0 / kTableSize);
      t[i * 2] = static_cast<float>(((a + 2) * x - (a + 3)) * x * x + 1);
      x = static_cast<float>(x + 1.0);
      t[i * 2 + 1] = static_cast<float>(((a * x - 5 * a) * x + 8 * a) * x - 4 * a);
    }
    return t;
  }();
  return table;
}

// resize_bicubic_op.cc GetWeightsAndIndices<HalfPixelScaler, use_keys_cubic=true>:
// taps outside the image get weight 0 and the rest are renormalized.
void bicubic_axis(int in_size, int out_size, TensorflowAxisPlan& p) {
  constexpr std::int64_t kTableSize = 1 << 10;
  const std::vector<float>& table = keys_cubic_table();
  const float scale = resize_scale(in_size, out_size);
  p.taps = 4;
  for (int i = 0; i < out_size; ++i) {
    const float in_loc_f = half_pixel(i, scale);
    const auto in_loc = static_cast<std::int64_t>(std::floor(in_loc_f));
    const float delta = in_loc_f - static_cast<float>(in_loc);
    const std::int64_t offset = std::lrint(delta * static_cast<float>(kTableSize));
    const float coeff[4] = {table[offset * 2 + 1], table[offset * 2], table[(kTableSize - offset) * 2],
                            table[(kTableSize - offset) * 2 + 1]};
    float w[4];
    for (int k = 0; k < 4; ++k) {
      const std::int64_t j = bound(in_loc - 1 + k, in_size);
      w[k] = j == in_loc - 1 + k ? coeff[k] : 0.0f;
      p.index.push_back(static_cast<std::int32_t>(j));
    }
    const float sum = w[0] + w[1] + w[2] + w[3];
    if (std::abs(sum) >= 1000.0f * std::numeric_limits<float>::min()) {
      const float one_over = 1.0f / sum;
      for (float& v : w) v *= one_over;
    }
    p.weight.insert(p.weight.end(), w, w + 4);
  }
}

// resize_area_op.cc: the scale of cell v for the output cell [in0, in1) (the
// kernel's expression, double where its 1.0 makes it double; every value is a
// float, so the result is too).
float area_cell_scale(std::int64_t v, float in0, float in1, float scale) {
  const double s = static_cast<float>(v) < in0 ? (static_cast<float>(v + 1) > in1 ? scale : static_cast<float>(v + 1) - in0)
                                               : (static_cast<float>(v + 1) > in1 ? in1 - static_cast<float>(v) : 1.0);
  return static_cast<float>(s);
}

// resize_area_op.cc: x's CachedInterpolation (start, end, start_scale,
// end_minus_one_scale) and y's cells with their scales.
void area_axis(int in_size, int out_size, bool is_x, TensorflowAxisPlan& p) {
  const float scale = resize_scale(in_size, out_size);
  std::vector<std::vector<std::int32_t>> cells(out_size);
  std::vector<std::vector<float>> scales(out_size);
  for (int i = 0; i < out_size; ++i) {
    const float in0 = static_cast<float>(std::int64_t{i}) * scale;
    const float in1 = static_cast<float>(std::int64_t{i} + 1) * scale;
    const auto start = static_cast<std::int64_t>(std::floor(in0));
    const auto end = static_cast<std::int64_t>(std::ceil(in1));
    for (std::int64_t v = start; v < end; ++v) {
      cells[i].push_back(static_cast<std::int32_t>(bound(v, in_size)));
      // x: only the first and the last cell are scaled (the rest are added as they are).
      scales[i].push_back(!is_x || v == start || v == end - 1 ? area_cell_scale(v, in0, in1, scale) : 1.0f);
    }
    p.taps = std::max<int>(p.taps, static_cast<int>(cells[i].size()));
  }
  p.index.assign(static_cast<std::size_t>(out_size) * p.taps, 0);
  p.weight.assign(static_cast<std::size_t>(out_size) * p.taps, 0.0f);
  for (int i = 0; i < out_size; ++i) {
    std::copy(cells[i].begin(), cells[i].end(), p.index.begin() + static_cast<std::ptrdiff_t>(i) * p.taps);
    std::copy(scales[i].begin(), scales[i].end(), p.weight.begin() + static_cast<std::ptrdiff_t>(i) * p.taps);
    p.count.push_back(static_cast<std::int32_t>(cells[i].size()));
  }
}

// sampling_kernels.h: the kernel functions of scale_and_translate, float
// arithmetic as written there (std::sin/std::exp of the argument's type).
struct SamplingKernel {
  TensorflowMethod method;
  bool antialias;
  float radius() const {
    switch (method) {
      case TensorflowMethod::Lanczos3: return 3.0f;
      case TensorflowMethod::Lanczos5: return 5.0f;
      case TensorflowMethod::Gaussian: return 1.5f;
      case TensorflowMethod::Bilinear: return 1.0f;  // TriangleKernelFunc
      default: return 2.0f;                          // KeysCubic, MitchellCubic
    }
  }
  float operator()(float x) const {
    switch (method) {
      case TensorflowMethod::Lanczos3:
      case TensorflowMethod::Lanczos5: {
        constexpr float kPI = 3.14159265359;
        const float r = radius();
        x = std::abs(x);
        if (x > r) return 0.0f;
        if (x <= 1e-3) return 1.0f;
        return r * std::sin(kPI * x) * std::sin(kPI * x / r) / (kPI * kPI * x * x);
      }
      case TensorflowMethod::Gaussian: {
        const float r = 1.5f;
        const float sigma = r / 3.0f;
        x = std::abs(x);
        if (x >= r) return 0.0f;
        return static_cast<float>(std::exp(-x * x / (2.0 * sigma * sigma)));
      }
      case TensorflowMethod::Bilinear:
        x = std::abs(x);
        return x < 1.0f ? 1.0f - x : 0.0f;
      case TensorflowMethod::Bicubic:  // KeysCubicKernelFunc
        x = std::abs(x);
        if (x >= 2.0f) return 0.0f;
        if (x >= 1.0f) return ((-0.5f * x + 2.5f) * x - 4.0f) * x + 2.0f;
        return ((1.5f * x - 2.5f) * x) * x + 1.0f;
      case TensorflowMethod::MitchellCubic:
        x = std::abs(x);
        if (x >= 2.0f) return 0.0f;
        if (x >= 1.0f) return (((-7.0f / 18.0f) * x + 2.0f) * x - 10.0f / 3.0f) * x + 16.0f / 9.0f;
        return (((7.0f / 6.0f) * x - 2.0f) * x) * x + 8.0f / 9.0f;
      default: return 0.0f;
    }
  }
};

// scale_and_translate_op.cc ComputeSpansCore with translate 0 and the scale
// tf.image.resize passes: float32(out_size) / float32(in_size).
void spans_axis(int in_size, int out_size, TensorflowMethod method, bool antialias, TensorflowAxisPlan& p) {
  const SamplingKernel kernel{method, antialias};
  const float scale = static_cast<float>(out_size) / static_cast<float>(in_size);
  const float inv_scale = static_cast<float>(1.0 / static_cast<double>(scale));
  const float inv_translate = -inv_scale * 0.0f;
  const float kernel_scale = antialias ? std::max(inv_scale, 1.0f) : 1.0f;
  const float reach = kernel.radius() * kernel_scale;
  const int span_size = std::min(2 * static_cast<int>(std::ceil(reach)) + 1, in_size);
  const float one_over_kernel_scale = 1.0f / kernel_scale;
  p.taps = span_size;
  p.index.assign(static_cast<std::size_t>(out_size) * span_size, 0);
  p.weight.assign(static_cast<std::size_t>(out_size) * span_size, 0.0f);
  std::vector<float> temp;
  for (int x = 0; x < out_size; ++x) {
    const float col_f = static_cast<float>(x) + 0.5f;
    const float sample_f = col_f * inv_scale + inv_translate;
    std::int64_t start = 0;
    if (!(sample_f < 0 || sample_f > static_cast<float>(in_size))) {
      start = static_cast<std::int64_t>(std::ceil(sample_f - reach - 0.5f));
      auto end = static_cast<std::int64_t>(std::floor(sample_f + reach - 0.5f));
      start = std::clamp<std::int64_t>(start, 0, in_size - 1);
      end = std::clamp<std::int64_t>(end, 0, in_size - 1) + 1;
      float total = 0.0f;
      temp.clear();
      for (std::int64_t source = start; source < end; ++source) {
        const float pos = static_cast<float>(source) + 0.5f - sample_f;
        const float w = kernel(std::abs(pos * one_over_kernel_scale));
        total += w;
        temp.push_back(w);
      }
      if (std::abs(total) >= 1000.0f * std::numeric_limits<float>::min()) {
        const float one_over_total = 1.0f / total;
        for (std::size_t k = 0; k < temp.size(); ++k)
          p.weight[static_cast<std::size_t>(x) * span_size + k] = temp[k] * one_over_total;
      }
    }
    p.index[static_cast<std::size_t>(x) * span_size] = static_cast<std::int32_t>(start);
    // GatherRows/GatherColumns: min(start + span_size, size) - start taps, zero weights included.
    p.count.push_back(static_cast<std::int32_t>(std::min<std::int64_t>(start + span_size, in_size) - start));
  }
}

}  // namespace

kernels::TensorflowKind tensorflow_kind(TensorflowMethod method, bool antialias) {
  switch (method) {
    case TensorflowMethod::Bilinear: return antialias ? TensorflowKind::Spans : TensorflowKind::Bilinear;
    case TensorflowMethod::Bicubic: return antialias ? TensorflowKind::Spans : TensorflowKind::Bicubic;
    case TensorflowMethod::Nearest: return TensorflowKind::Nearest;
    case TensorflowMethod::Area: return TensorflowKind::Area;
    default: return TensorflowKind::Spans;
  }
}

TensorflowAxisPlan tensorflow_axis(int in_size, int out_size, kernels::TensorflowKind kind, TensorflowMethod method,
                                   bool antialias, bool horizontal) {
  TensorflowAxisPlan p;
  switch (kind) {
    case TensorflowKind::Copy: break;
    case TensorflowKind::Bilinear: bilinear_axis(in_size, out_size, p); break;
    case TensorflowKind::Nearest:
      p.taps = 1;
      p.index = tensorflow_nearest_indices(in_size, out_size, 0, out_size);
      break;
    case TensorflowKind::Bicubic: bicubic_axis(in_size, out_size, p); break;
    case TensorflowKind::Area: area_axis(in_size, out_size, horizontal, p); break;
    case TensorflowKind::Spans: spans_axis(in_size, out_size, method, antialias, p); break;
  }
  return p;
}

std::vector<int> tensorflow_samples_read(const TensorflowAxisPlan& axis, int in_size, kernels::TensorflowKind kind) {
  std::vector<char> read(static_cast<std::size_t>(in_size), 0);
  const std::size_t outputs = axis.taps == 0 ? 0 : axis.index.size() / axis.taps;
  for (std::size_t i = 0; i < outputs; ++i) {
    const std::int32_t* index = axis.index.data() + i * axis.taps;
    switch (kind) {
      case TensorflowKind::Spans:  // a run of count[i] inputs from index[0]
        for (int k = 0; k < axis.count[i]; ++k) read[index[0] + k] = 1;
        break;
      case TensorflowKind::Area:  // the count[i] listed cells
        for (int k = 0; k < axis.count[i]; ++k) read[index[k]] = 1;
        break;
      default:  // every tap
        for (int k = 0; k < axis.taps; ++k) read[index[k]] = 1;
        break;
    }
  }
  std::vector<int> out;
  for (int v = 0; v < in_size; ++v)
    if (read[v]) out.push_back(v);
  return out;
}

float tensorflow_area_scale(int in_h, int in_w, int out_h, int out_w) {
  return static_cast<float>(1.0 / static_cast<double>(resize_scale(in_h, out_h) * resize_scale(in_w, out_w)));
}

// resize_nearest_neighbor_op.cc (half_pixel_centers, align_corners false):
// max(0, min(int64(floorf((float(i) + 0.5f) * scale)), in - 1)).
std::vector<std::int32_t> tensorflow_nearest_indices(int in_size, int out_size, int begin, int end) {
  const float scale = resize_scale(in_size, out_size);
  std::vector<std::int32_t> idx;
  for (int i = begin; i < end; ++i) {
    const auto v = std::min(static_cast<std::int64_t>(std::floor((static_cast<float>(i) + 0.5f) * scale)),
                            std::int64_t{in_size} - 1);
    idx.push_back(static_cast<std::int32_t>(std::max<std::int64_t>(0, v)));
  }
  return idx;
}

}  // namespace pixelpact::detail
