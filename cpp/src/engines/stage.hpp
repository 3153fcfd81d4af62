// Stages: what planning produces and execution runs. A plan (plan/plan.hpp) is a
// list of uint8 stages, each planned for one input size with every precomputed
// number it needs, and optionally one float stage. Engines provide the resample
// stages (engine.hpp); crops are generic (plan/crop_stage.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "image/rect.hpp"
#include "image/scratch.hpp"
#include "image/tile.hpp"
#include "kernels/kernels.hpp"

namespace pixelpact::detail {

// What a stage runs with.
struct StageContext {
  int channels = 3;  // working channels: 1 (GRAY), 3, or 4 (alpha 'premultiply')
  Scratch& scratch;
  const kernels::KernelTable& kernels;
  // Non-null only when the stage said writes_into_output() and its packed output
  // (rows of out_rect.cols() * channels bytes, no gaps) is exactly the tensor:
  // it writes there instead of into scratch.
  std::uint8_t* output = nullptr;
};

// A uint8 stage: computes `out_rect` (a rectangle of its out_h x out_w output
// that later stages read) from `in_rect` (the rectangle of its input that those
// pixels need). Planned backwards from the output, so a stage computes only
// what survives later crops.
class Stage {
 public:
  virtual ~Stage() = default;

  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  Rect in_rect, out_rect;

  // A crop only relabels coordinates and reads whatever tile it is given. Every
  // other stage reads a tile holding in_rect with its origin at in_rect's corner
  // (the executor hands it a packed copy when the tile is not that).
  virtual bool relabels() const { return false; }
  // Whether run() can write its packed output straight into the tensor
  // (StageContext::output) when that output is exactly the tensor.
  virtual bool writes_into_output() const { return false; }
  // Runs on `in` and returns the tile holding out_rect (in scratch, or `in`
  // itself when the stage copies nothing).
  virtual Tile run(const Tile& in, const StageContext& context) const = 0;
};

// A stage on float32 planes (a resize after to_float): one plane of in_h x in_w
// packed floats to one of out_h x out_w, run once per channel.
class FloatStage {
 public:
  virtual ~FloatStage() = default;

  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  // The input rows and columns run() reads, ascending, or empty for all of them: the
  // executor converts only those samples to float (rows_read x cols_read) and leaves
  // the rest of the plane unwritten, so a stage must list every sample it reads.
  std::vector<int> rows_read, cols_read;
  // The plane run() reads: plane_h x plane_w floats, 0 = in_h / in_w. A stage whose
  // indices address only the samples read (rows_read[i] at row i, cols_read[j]
  // at column j) sets them to those lists' sizes: the executor then converts
  // into a dense plane of just those samples.
  int plane_h = 0, plane_w = 0;

  // Floats of work memory run() needs (the same buffer serves every plane).
  virtual std::size_t work_floats() const { return 0; }
  virtual void run(const float* in, float* out, float* work, const kernels::KernelTable& kernels) const = 0;
};

}  // namespace pixelpact::detail
