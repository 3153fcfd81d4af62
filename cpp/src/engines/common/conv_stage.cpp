#include "engines/common/conv_stage.hpp"

#include <algorithm>
#include <cstring>

#include "image/alpha.hpp"

namespace pixelpact::detail {

int ConvWeights::input_begin() const {
  int lo = 0x7fffffff;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (count[i] > 0) lo = std::min(lo, first[i]);
  }
  return lo == 0x7fffffff ? 0 : lo;
}

int ConvWeights::input_end() const {
  int hi = 0;
  for (std::size_t i = 0; i < first.size(); ++i) hi = std::max(hi, first[i] + count[i]);
  return std::max(hi, input_begin());
}

void ConvWeights::rebase(int input_origin) {
  for (auto& f : first) f -= input_origin;
}

namespace {

// The intermediate rows one band may hold, in bytes. A band's intermediate is
// written by the first pass and read again (several times: once per vertical
// tap) by the second, so it should stay in the core's L2 (512 KB to 2 MB on
// current x86 and Arm cores, shared with the input rows streaming through and
// the output) while being large enough that the rows two neighbouring bands
// share (the overlap of their taps, kept rather than recomputed) and the
// per-band kernel calls cost little. Measured (Zen 5, 1 MB L2; 1080p and 4K
// to the 224 x 224 ImageNet crop, Pillow and torch filters, in one process
// against whole-tile passes): 64 KB bands were up to 12% slower than whole
// tiles (kernel calls and partial row groups), 128 KB to 512 KB 5-15% faster,
// 2 MB back to 2-6%.
constexpr std::size_t kBandBytes = 256 * 1024;

// The planned stage does not know its working channels (1, 3 or 4): size the
// bands for the widest.
constexpr int kMaxChannels = 4;

// Horizontal first: bands of output rows whose vertical taps span at most
// `max_rows` intermediate rows (a single output row may need more: it gets a
// band of its own).
void plan_horizontal_first_bands(ConvStage& st, int max_rows) {
  const ConvWeights& v = st.vertical;
  const int n = static_cast<int>(v.first.size());
  st.band_first.assign(v.first.size(), 0);
  ConvBand band;
  int lo = 0, hi = 0;
  bool any = false;  // a row of the band reads something
  auto close = [&](int end) {
    band.out_end = end;
    band.mid_begin = any ? lo : 0;
    band.mid_end = any ? hi : 0;
    for (int y = band.out_begin; y < end; ++y) {
      if (v.count[y] > 0) st.band_first[y] = v.first[y] - band.mid_begin;
    }
    st.band_mid_rows = std::max(st.band_mid_rows, band.mid_end - band.mid_begin);
    st.bands.push_back(band);
    band = ConvBand{};
    band.out_begin = end;
    any = false;
  };
  for (int y = 0; y < n; ++y) {
    if (v.count[y] <= 0) continue;
    const int new_lo = any ? std::min(lo, v.first[y]) : v.first[y];
    const int new_hi = any ? std::max(hi, v.first[y] + v.count[y]) : v.first[y] + v.count[y];
    if (any && new_hi - new_lo > max_rows) {
      close(y);
      lo = v.first[y];
      hi = v.first[y] + v.count[y];
    } else {
      lo = new_lo;
      hi = new_hi;
    }
    any = true;
  }
  close(n);
}

// Vertical first: each intermediate row is one output row, so the bands are
// simply runs of output rows, whole groups of the horizontal kernel's rows.
void plan_vertical_first_bands(ConvStage& st, int max_rows) {
  const int n = st.out_rect.rows();
  max_rows = std::max(kernels::kConvRowGroup, max_rows / kernels::kConvRowGroup * kernels::kConvRowGroup);
  for (int y = 0; y < n; y += max_rows) {
    const int end = std::min(n, y + max_rows);
    st.bands.push_back(ConvBand{y, end, y, end});
  }
  st.band_mid_rows = std::min(n, max_rows);
}

}  // namespace

std::unique_ptr<ConvStage> plan_conv_stage(const ResampleRequest& r, bool vertical_first, bool premultiply_rgba,
                                           const AxisWeightsFn& axis_weights) {
  auto st = std::make_unique<ConvStage>();
  const Rect& need = r.need;
  st->in_h = r.in_h;
  st->in_w = r.in_w;
  st->out_h = r.out_h;
  st->out_w = r.out_w;
  st->out_rect = need;
  st->need_horizontal = r.out_w != r.in_w;
  st->need_vertical = r.out_h != r.in_h;
  st->vertical_first = vertical_first;
  st->premultiply_rgba = premultiply_rgba;
  st->in_rect = need;
  if (!need.empty()) {
    if (st->need_vertical) {
      st->vertical = axis_weights(r.in_h, r.out_h, need.y0, need.y1);
      st->in_rect.y0 = st->vertical.input_begin();
      st->in_rect.y1 = st->vertical.input_end();
      st->vertical.rebase(st->in_rect.y0);
    }
    if (st->need_horizontal) {
      st->horizontal = axis_weights(r.in_w, r.out_w, need.x0, need.x1);
      st->in_rect.x0 = st->horizontal.input_begin();
      st->in_rect.x1 = st->horizontal.input_end();
      st->horizontal.rebase(st->in_rect.x0);
    }
    if (st->need_vertical && st->need_horizontal) {
      const std::size_t mid_row_bytes =
          static_cast<std::size_t>(st->vertical_first ? st->in_rect.cols() : need.cols()) * kMaxChannels;
      const int max_rows = static_cast<int>(std::max<std::size_t>(1, kBandBytes / mid_row_bytes));
      if (st->vertical_first) {
        plan_vertical_first_bands(*st, max_rows);
      } else {
        plan_horizontal_first_bands(*st, max_rows);
      }
    }
  } else {
    st->in_rect = Rect{};
  }
  return st;
}

namespace {

// The axis of outputs [begin, ...) of `w`, reading `first` (w.first or a copy
// rebased to another tile).
kernels::ConvAxis axis_from(const ConvWeights& w, const std::int32_t* first, int begin) {
  return kernels::ConvAxis{w.ksize, first + begin, w.count.data() + begin,
                           w.weight.data() + static_cast<std::ptrdiff_t>(begin) * w.ksize};
}

kernels::ConvAxis axis_of(const ConvWeights& w) { return axis_from(w, w.first.data(), 0); }

}  // namespace

Tile ConvStage::run(const Tile& in, const StageContext& context) const {
  if (premultiply_rgba && context.channels == 4 && (need_horizontal || need_vertical) && !out_rect.empty()) {
    // Pillow's Image.resize of an RGBA image converts to RGBa, resizes, converts back.
    Tile copy = materialize(in, in_rect, 4, context.scratch);
    premultiply_alpha(const_cast<std::uint8_t*>(copy.data), copy.row_stride, copy.rect.rows(), copy.rect.cols());
    StageContext premultiplied = context;
    premultiplied.output = nullptr;  // un-premultiplied below, in place
    Tile out = resample(copy, premultiplied);
    unpremultiply_alpha(const_cast<std::uint8_t*>(out.data), out.row_stride, out.rect.rows(), out.rect.cols());
    return out;
  }
  return resample(in, context);
}

Tile ConvStage::resample(const Tile& in, const StageContext& context) const {
  if (out_rect.empty()) return Tile{nullptr, 0, 0, out_rect};
  if (!need_horizontal && !need_vertical) return in;
  const int channels = context.channels;
  const kernels::KernelTable& k = context.kernels;
  const Rect& o = out_rect;
  const Rect& i = in_rect;
  Tile out = context.output ? Tile{context.output, static_cast<std::ptrdiff_t>(o.cols()) * channels, channels, o}
                            : packed_tile(o, channels, context.scratch);
  std::uint8_t* const dst = const_cast<std::uint8_t*>(out.data);
  if (!need_vertical) {
    k.conv_horizontal(in.data, in.row_stride, in.pixel_stride, o.rows(), channels, axis_of(horizontal), o.cols(),
                      dst, out.row_stride);
    return out;
  }
  if (!need_horizontal) {
    k.conv_vertical(in.data, in.row_stride, in.pixel_stride, o.cols(), channels, axis_of(vertical), o.rows(), dst,
                    out.row_stride);
    return out;
  }
  // Both passes, band by band (plan_conv_stage): the intermediate is a buffer
  // of band_mid_rows rows (plus a partial row group, horizontal first) that
  // stays in cache.
  const int mid_cols = vertical_first ? i.cols() : o.cols();
  const std::ptrdiff_t mid_stride = static_cast<std::ptrdiff_t>(mid_cols) * channels;
  const int mid_rows = std::max(band_mid_rows, 1) + (vertical_first ? 0 : kernels::kConvRowGroup - 1);
  std::uint8_t* const mid = context.scratch.take(static_cast<std::size_t>(mid_rows) * mid_stride);
  const kernels::ConvAxis h = axis_of(horizontal);
  if (vertical_first) {
    for (const ConvBand& b : bands) {
      const int rows = b.out_end - b.out_begin;
      const kernels::ConvAxis v = axis_from(vertical, vertical.first.data(), b.out_begin);
      k.conv_vertical(in.data, in.row_stride, in.pixel_stride, mid_cols, channels, v, rows, mid, mid_stride);
      k.conv_horizontal(mid, mid_stride, channels, rows, channels, h, o.cols(), dst + b.out_begin * out.row_stride,
                        out.row_stride);
    }
    return out;
  }
  // Horizontal first. The buffer holds intermediate rows [held_begin, held_end);
  // rows a band shares with the previous one move to the top instead of being
  // computed again. conv_horizontal runs rows in groups of kConvRowGroup (a
  // partial group costs a whole one), so a band computes its new rows in whole
  // groups where the tile allows, the extra rows kept for the next band.
  int held_begin = 0, held_end = 0;
  for (const ConvBand& b : bands) {
    int fresh = b.mid_begin;
    if (b.mid_begin >= held_begin && b.mid_begin < held_end) {
      const int kept = held_end - b.mid_begin;
      std::memmove(mid, mid + (b.mid_begin - held_begin) * mid_stride, static_cast<std::size_t>(kept) * mid_stride);
      fresh = held_end;
    }
    held_begin = b.mid_begin;
    held_end = fresh;
    if (b.mid_end > fresh) {
      const int groups = (b.mid_end - fresh + kernels::kConvRowGroup - 1) / kernels::kConvRowGroup;
      held_end = std::min({fresh + groups * kernels::kConvRowGroup, i.rows(), b.mid_begin + mid_rows});
      k.conv_horizontal(in.data + fresh * in.row_stride, in.row_stride, in.pixel_stride, held_end - fresh, channels, h,
                        o.cols(), mid + (fresh - b.mid_begin) * mid_stride, mid_stride);
    }
    const kernels::ConvAxis v = axis_from(vertical, band_first.data(), b.out_begin);
    k.conv_vertical(mid, mid_stride, channels, o.cols(), channels, v, b.out_end - b.out_begin,
                    dst + b.out_begin * out.row_stride, out.row_stride);
  }
  return out;
}

}  // namespace pixelpact::detail
