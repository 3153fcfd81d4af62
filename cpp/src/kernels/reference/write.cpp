// Scalar reference tensor writers. Every elementwise operation of the contract
// has been folded into a per-channel 256-entry table (plan/elementwise.cpp), so
// writing is a lookup: exact by construction, whatever the float arithmetic was.
// The chain writers compute a float32 chain instead (FloatChain::apply), then
// round to float16 for write_tensor_f16_chain.
#include <cstdint>

#include "kernels/half.hpp"
#include "kernels/kernels.hpp"

namespace pixelpact::kernels::reference {
namespace {

// out = value(c, byte) for output channel c of every pixel.
template <typename T, typename Value>
void write_tensor(const TensorWrite& w, T* out, Value value) {
  const std::ptrdiff_t plane = w.plane();
  for (int y = 0; y < w.height; ++y) {
    const bool row_stored = y >= w.src_y0 && y < w.src_y0 + w.src_rows;
    for (int x = 0; x < w.width; ++x) {
      const bool stored = row_stored && x >= w.src_x0 && x < w.src_x0 + w.src_cols;
      const std::uint8_t* p =
          stored ? w.src + (y - w.src_y0) * w.src_row_stride + (x - w.src_x0) * w.src_pixel_stride
                 : w.pad;
      const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(y) * w.width + x;
      for (int c = 0; c < 3; ++c) {
        const T v = value(c, p[w.source_channel[c]]);
        if (w.planar) out[c * plane + at] = v;
        else out[at * 3 + c] = v;
      }
    }
  }
}

template <typename T>
void write_table(const TensorWrite& w, const T* lut, T* out) {
  write_tensor(w, out, [lut](int c, std::uint8_t byte) { return lut[c * 256 + byte]; });
}

}  // namespace

void write_tensor_u8(const TensorWrite& w, const std::uint8_t* lut, std::uint8_t* out) {
  write_table(w, lut, out);
}
void write_tensor_u16(const TensorWrite& w, const std::uint16_t* lut, std::uint16_t* out) {
  write_table(w, lut, out);
}
void write_tensor_f32(const TensorWrite& w, const float* lut, float* out) {
  write_table(w, lut, out);
}
void write_tensor_f32_chain(const TensorWrite& w, const FloatChain& chain, float* out) {
  write_tensor(w, out, [&chain](int c, std::uint8_t byte) { return chain.apply(c, static_cast<float>(byte)); });
}
void write_tensor_f16_chain(const TensorWrite& w, const FloatChain& chain, std::uint16_t* out) {
  write_tensor(w, out, [&chain](int c, std::uint8_t byte) {
    return float_to_half_bits(chain.apply(c, static_cast<float>(byte)));
  });
}

}  // namespace pixelpact::kernels::reference
