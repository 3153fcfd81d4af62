// The separable 22-bit convolution stage, shared by the engines whose uint8
// resize is a weighted sum per axis with uint8 between passes (Pillow's
// Resample.c, and torch's int16 path scaled to 22 bits): each engine computes
// its weights; this stage runs the conv_horizontal / conv_vertical kernels in
// the engine's pass order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engines/engine.hpp"
#include "engines/stage.hpp"

namespace pixelpact::detail {

// Fixed-point weights for outputs [out_begin, out_end) of one axis (the
// kernels' ConvAxis). `first` holds absolute input indices until rebased.
struct ConvWeights {
  int ksize = 0;
  std::vector<std::int32_t> first;
  std::vector<std::int32_t> count;
  std::vector<std::int32_t> weight;  // (out_end - out_begin) x ksize

  // Smallest and one-past-largest input index the outputs read.
  int input_begin() const;
  int input_end() const;
  void rebase(int input_origin);  // make `first` relative to input_origin
};

// A band of output rows that a two-pass resize runs through both passes before
// the next band, so the intermediate rows stay in cache. Rows count from
// out_rect.y0 (out_*) and from the first pass's output tile (mid_*): horizontal
// first, the intermediate rows the band's vertical taps read (input rows of
// in_rect); vertical first, the band's own rows.
struct ConvBand {
  int out_begin = 0, out_end = 0;
  int mid_begin = 0, mid_end = 0;
};

class ConvStage : public Stage {
 public:
  bool need_horizontal = false, need_vertical = false, vertical_first = false;
  // Pillow's RGBA resize: with 4 working channels (alpha 'premultiply') the
  // stage resamples a premultiplied copy (RGBA -> RGBa -> resize -> RGBA).
  bool premultiply_rgba = false;
  ConvWeights horizontal, vertical;  // rebased to the tiles they read
  // Both passes: the bands, in order, and the most intermediate rows one needs.
  std::vector<ConvBand> bands;
  int band_mid_rows = 0;
  // Horizontal first: vertical.first rebased to the first row of its band's
  // intermediate (the second pass reads a band buffer, not the whole tile).
  std::vector<std::int32_t> band_first;

  // The passes write their packed output, so they can write it into the tensor;
  // the RGBA premultiply path never can (the tensor has 3 channels, not 4).
  bool writes_into_output() const override { return need_horizontal || need_vertical; }
  Tile run(const Tile& in, const StageContext& context) const override;

 private:
  Tile resample(const Tile& in, const StageContext& context) const;
};

// Weights of outputs [out_begin, out_end) of one axis resampled from in_size to
// out_size, absolute input indices.
using AxisWeightsFn = std::function<ConvWeights(int in_size, int out_size, int out_begin, int out_end)>;

// The stage for `request` with the engine's weights and pass order.
std::unique_ptr<ConvStage> plan_conv_stage(const ResampleRequest& request, bool vertical_first,
                                           bool premultiply_rgba, const AxisWeightsFn& weights);

}  // namespace pixelpact::detail
