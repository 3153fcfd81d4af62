// Arguments of the tensor writers (write_tensor_u8/u16/f32).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pixelpact::kernels {

// Final writer: colour order, per-channel lookup table (the whole elementwise
// chain and the dtype conversion, precomputed by plan/elementwise.cpp) and
// layout, in one pass.
//   value(y, x, c) = lut[c * 256 + pixel(y, x)[source_channel[c]]]
// where pixel(y, x) is the source pixel if (y, x) lies in the stored rectangle
// [src_y0, src_y0 + src_rows) x [src_x0, src_x0 + src_cols), and the pixel `pad`
// otherwise (padding; working channel order like the source pixels). Output is
// 3 channels, planar (C, H, W) or interleaved (H, W, C), C-contiguous. T is the
// output element type (uint16 for float16 bits).
struct TensorWrite {
  const std::uint8_t* src = nullptr;  // pixel (src_y0, src_x0)
  std::ptrdiff_t src_row_stride = 0;
  std::ptrdiff_t src_pixel_stride = 0;
  int src_y0 = 0, src_x0 = 0, src_rows = 0, src_cols = 0;
  int source_channel[3] = {0, 1, 2};
  std::uint8_t pad[3] = {0, 0, 0};
  int height = 0, width = 0;
  bool planar = true;
  // Elements from one channel plane to the next when planar; 0 = height * width.
  // A band of rows of a larger tensor (an image split across threads) writes
  // with the whole tensor's plane size.
  std::ptrdiff_t plane_elements = 0;

  std::ptrdiff_t plane() const {
    return plane_elements != 0 ? plane_elements : static_cast<std::ptrdiff_t>(height) * width;
  }
};

// An elementwise chain that float32 arithmetic computes exactly as the contract
// states it: value = float(byte), then each step value = value op operand[c] in
// float32, correctly rounded, in order (no contraction into FMA). The plan makes
// one only when it reproduces the chain's table bit for bit on all 3 x 256
// inputs with every intermediate zero or normal, so flush-to-zero modes cannot
// tell the two apart (plan/elementwise.cpp). SIMD writers compute it in a few
// instructions per vector instead of a table read per value.
struct FloatChain {
  enum class Op : std::uint8_t { Add, Sub, Mul, Div };
  static constexpr int kMaxSteps = 8;
  int steps = 0;
  Op op[kMaxSteps] = {};
  float operand[kMaxSteps][3] = {};  // per output channel

  // The specification every writer follows, for output channel c.
  float apply(int c, float value) const {
    for (int s = 0; s < steps; ++s) {
      const float v = operand[s][c];
      switch (op[s]) {
        case Op::Add: value = value + v; break;
        case Op::Sub: value = value - v; break;
        case Op::Mul: value = value * v; break;
        case Op::Div: value = value / v; break;
      }
    }
    return value;
  }
};

}  // namespace pixelpact::kernels
