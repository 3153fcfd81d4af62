// Arguments of the separable uint8 convolution kernels (conv_horizontal,
// conv_vertical): Pillow's arithmetic, also used by engine 'torch' on uint8.
#pragma once

#include <cstdint>

namespace pixelpact::kernels {

// One axis of a separable uint8 -> uint8 convolution in 22-bit fixed point
// (Pillow's precision). For output index i (counted from the first computed):
//   out[i] = clip8((2^21 + sum_{k < count[i]} in[first[i] + k] * weight[i * ksize + k]) >> 22)
// `first` is relative to the first input element the kernel is given. An engine
// with fewer bits (torch's int16 weights at precision p) scales its weights by
// 2^(22 - p): the sum scales by the same power of two, so the shifted result is
// the same integer.
struct ConvAxis {
  int ksize = 0;                    // weights per output (the row pitch of `weight`)
  const std::int32_t* first = nullptr;
  const std::int32_t* count = nullptr;
  const std::int32_t* weight = nullptr;
};

constexpr int kConvPrecisionBits = 22;

// conv_horizontal's SIMD levels convolve rows in groups of this many (transposed
// 16 x 16 bytes at a time); a partial group costs as much as a whole one, so a
// caller splitting the rows of an image over several calls cuts at multiples of it.
constexpr int kConvRowGroup = 16;

}  // namespace pixelpact::kernels
