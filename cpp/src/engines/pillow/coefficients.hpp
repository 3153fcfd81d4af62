// Pillow's resampling arithmetic, computed once per plan in scalar double
// precision so that every ISA consumes the same integer weights.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/common/conv_stage.hpp"  // ConvWeights

namespace pixelpact::detail {

// Pillow's six resampling filters (Image.Resampling).
enum class PillowFilter { Nearest, Box, Bilinear, Hamming, Bicubic, Lanczos };

// Pillow release lines whose resize pixels differ (only in the order of the two
// passes, which matters because the intermediate image is uint8).
enum class PillowVersion {
  V12_1,  // 12.1 and older: always horizontal first
  V12_2,  // 12.2 and 12.3: vertical first when the image is over 100x taller than wide
  V13,    // 13.x: vertical first when the height shrinks by more than twice the width
};

// Fixed-point weights for outputs [out_begin, out_end) of one axis resampled
// from in_size to out_size with a Pillow filter (not Nearest). `first` holds
// absolute input indices.
ConvWeights pillow_axis_weights(int in_size, int out_size, PillowFilter filter, int out_begin, int out_end);

// Pillow NEAREST (Geometry.c:ImagingScaleAffine): source index of outputs
// [out_begin, out_end), or -1 where Pillow writes nothing (left black).
std::vector<std::int32_t> pillow_nearest_indices(int in_size, int out_size, int out_begin,
                                                 int out_end);

// Whether Pillow resamples vertically first (the intermediate image is uint8, so
// the order changes pixels). 13.x: when the height shrinks by more than twice as
// many pixels as the width (Resample.c:ImagingResampleInner). 12.2 and 12.3:
// when the image is more than 100 times taller than wide and the height shrinks
// (Image.py:resize calls the core twice). 12.1 and older: never.
bool pillow_vertical_first(int in_h, int in_w, int out_h, int out_w,
                           PillowVersion version = PillowVersion::V13);

}  // namespace pixelpact::detail
