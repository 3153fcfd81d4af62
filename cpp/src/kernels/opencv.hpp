// Arguments of engine 'opencv''s kernels (cv2.resize; kernels/reference/
// opencv_resize.cpp, tables built by engines/opencv/tables.cpp).
#pragma once

#include <cstdint>

namespace pixelpact::kernels {

// OpenCV cv2.resize taps of one axis: output i reads inputs index[i * ksize + k]
// (already clamped to the image, relative to the first input element given) with
// integer weights weight[i * ksize + k].
struct OpencvTaps {
  int ksize = 0;
  const std::int32_t* index = nullptr;
  const std::int32_t* weight = nullptr;
  // Horizontal 2-tap passes only, precomputed by the plan for packed pixels
  // (pixel stride == channels), for SIMD kernels (the reference ignores them):
  // per output element e = x * channels + c, the byte offset of its first tap,
  // and both weights as an int16 pair (w0 low, w1 high). For the first
  // `simd_elements` elements the second tap is the byte at offset + channels
  // (or has weight 0) and the 8 bytes from its pixel's first byte lie inside
  // the row.
  const std::int32_t* element_offset = nullptr;
  const std::int32_t* element_weights = nullptr;
  int simd_elements = 0;
};

// OpenCV INTER_AREA spans of one axis: output i reads count[i] consecutive
// inputs from first[i]; `weight` (Area only, ksize per output) holds the float
// weights, `block` (AreaFast only) the integer factor (count < block: a block
// cut by the image border).
struct OpencvSpans {
  int ksize = 0;
  const std::int32_t* first = nullptr;
  const std::int32_t* count = nullptr;
  const float* weight = nullptr;
  int block = 0;
};

}  // namespace pixelpact::kernels
