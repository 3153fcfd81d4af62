// AVX2 tensor writers. float32: 8 pixels per step, each channel's 256-entry
// table read with vgatherdps, so every output is exactly lut[c * 256 + byte], as
// in the reference writer. A FloatChain (float32 arithmetic proven equal to its
// table): the same correctly rounded operations in the same order, on 8 lanes,
// in blocks of up to 8 registers, for float32 or (F16C) float16 output. uint8: a
// contract with uint8 output has identity tables (no arithmetic), so the writer
// copies bytes in the output's channel order. float16 (bits): the table is copied
// into a padded buffer so that vpgatherdd's 32-bit reads of 16-bit entries stay
// inside it.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/half.hpp"
#include "kernels/kernels.hpp"
#include "kernels/x86/chain_lanes.hpp"
#include "kernels/x86/write_spans.hpp"

namespace pixelpact::kernels::avx2 {
namespace {

// Channel `channel` of 8 pixels at p (pixel stride 1, 3 or 4) as 8 int32
// indices. Byte (x, c) is at p[x * stride + c] for every stride, including 1 (a
// pixel stride below the channel count is a view of overlapping pixels). Reads
// only the bytes of those 8 pixels: the next byte may be past the caller's buffer.
class ChannelReader {
 public:
  ChannelReader(int pixel_stride, int channel) : ps_(pixel_stride), channel_(channel) {
    const char z = static_cast<char>(0x80);
    auto pick = [&](int first) {
      const char s = static_cast<char>(first + channel);
      return _mm_setr_epi8(s, z, z, z, static_cast<char>(s + 3), z, z, z, static_cast<char>(s + 6), z, z, z,
                           static_cast<char>(s + 9), z, z, z);
    };
    // ps == 3: pixels 0-3 are bytes 0-11 of the load at p; pixels 4-7 start at
    // byte 4 of the load at p + 8 (which ends at the 24th byte, the last one).
    pick_low_ = pick(0);
    pick_high_ = pick(4);
  }

  __m256i read(const std::uint8_t* p) const {
    if (ps_ == 1) return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + channel_)));
    if (ps_ == 4) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      return _mm256_and_si256(_mm256_srli_epi32(v, 8 * channel_), _mm256_set1_epi32(0xff));
    }
    const __m128i low = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), pick_low_);
    const __m128i high = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)), pick_high_);
    return _mm256_set_m128i(high, low);
  }

 private:
  int ps_, channel_;
  __m128i pick_low_, pick_high_;
};

using x86::for_each_span;

bool strides_supported(const TensorWrite& w) {
  return w.src_rows == 0 || w.src_pixel_stride == 1 || w.src_pixel_stride == 3 || w.src_pixel_stride == 4;
}

// The gathered writers (float32, float16 bits): lookup(c, indices, dst) stores
// channel c's table entries for 8 pixels at dst[0..8).
template <typename T, typename Lookup>
void write_gathered(const TensorWrite& w, const T* lut, T* out, Lookup lookup) {
  const int ps = static_cast<int>(w.src_pixel_stride);
  const std::ptrdiff_t plane = w.plane();
  const ChannelReader readers[3] = {ChannelReader(ps, w.source_channel[0]), ChannelReader(ps, w.source_channel[1]),
                                    ChannelReader(ps, w.source_channel[2])};
  auto at = [&](std::ptrdiff_t pixel, int c) { return w.planar ? c * plane + pixel : pixel * 3 + c; };
  for_each_span(
      w,
      [&](int y, int xa, int xb) {
        for (int x = xa; x < xb; ++x) {
          const std::ptrdiff_t pixel = static_cast<std::ptrdiff_t>(y) * w.width + x;
          for (int c = 0; c < 3; ++c) out[at(pixel, c)] = lut[c * 256 + w.pad[w.source_channel[c]]];
        }
      },
      [&](int y, const std::uint8_t* src, int xa, int xb) {
        const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(y) * w.width;
        int x = xa;
        if (w.planar) {
          for (int c = 0; c < 3; ++c) {
            T* dst = out + c * plane + row;
            for (x = xa; x + 8 <= xb; x += 8) {
              lookup(c, readers[c].read(src + static_cast<std::ptrdiff_t>(x - xa) * ps), dst + x);
            }
          }
        } else {
          alignas(32) T lanes[3][8];
          for (; x + 8 <= xb; x += 8) {
            const std::uint8_t* p = src + static_cast<std::ptrdiff_t>(x - xa) * ps;
            for (int c = 0; c < 3; ++c) lookup(c, readers[c].read(p), lanes[c]);
            T* dst = out + (row + x) * 3;
            for (int k = 0; k < 8; ++k) {
              dst[3 * k] = lanes[0][k];
              dst[3 * k + 1] = lanes[1][k];
              dst[3 * k + 2] = lanes[2][k];
            }
          }
        }
        for (; x < xb; ++x) {  // the last pixels of the span, fewer than 8
          const std::uint8_t* p = src + static_cast<std::ptrdiff_t>(x - xa) * ps;
          for (int c = 0; c < 3; ++c) out[at(row + x, c)] = lut[c * 256 + p[w.source_channel[c]]];
        }
      });
}

}  // namespace

void write_tensor_f32(const TensorWrite& w, const float* lut, float* out) {
  if (!strides_supported(w)) return reference::write_tensor_f32(w, lut, out);
  write_gathered(w, lut, out, [&](int c, __m256i idx, float* dst) {
    _mm256_storeu_ps(dst, _mm256_i32gather_ps(lut + 256 * c, idx, 4));
  });
}

namespace {

// Float vectors of 8 lanes, for x86::ChainLanes.
struct Floats8 {
  using Vector = __m256;
  static Vector set1(float v) { return _mm256_set1_ps(v); }
  static Vector add(Vector a, Vector b) { return _mm256_add_ps(a, b); }
  static Vector sub(Vector a, Vector b) { return _mm256_sub_ps(a, b); }
  static Vector mul(Vector a, Vector b) { return _mm256_mul_ps(a, b); }
  static Vector div(Vector a, Vector b) { return _mm256_div_ps(a, b); }
};
using ChainLanes = x86::ChainLanes<Floats8>;

// The chain writers: each value is the chain on 8 lanes of one channel in K
// registers; store(dst, v) writes 8 of them as T, scalar(c, byte) one value (for
// padding and the last pixels of a span).
template <typename T, typename Store, typename Scalar>
void write_chain(const TensorWrite& w, const FloatChain& chain, T* out, Store store, Scalar scalar) {
  const int ps = static_cast<int>(w.src_pixel_stride);
  const std::ptrdiff_t plane = w.plane();
  const ChannelReader readers[3] = {ChannelReader(ps, w.source_channel[0]), ChannelReader(ps, w.source_channel[1]),
                                    ChannelReader(ps, w.source_channel[2])};
  const ChainLanes lanes[3] = {ChainLanes(chain, 0), ChainLanes(chain, 1), ChainLanes(chain, 2)};
  auto at = [&](std::ptrdiff_t pixel, int c) { return w.planar ? c * plane + pixel : pixel * 3 + c; };
  // Output pixels [pixel, pixel + 8K), read from p, in K registers per channel.
  // int32 to float32 is exact for bytes, as the reference's static_cast<float>.
  auto write = [&](auto registers, std::ptrdiff_t pixel, const std::uint8_t* p) {
    constexpr int K = decltype(registers)::value;
    alignas(32) T values[3][8 * K];
    for (int c = 0; c < 3; ++c) {
      __m256 r[K];
      for (int i = 0; i < K; ++i) r[i] = _mm256_cvtepi32_ps(readers[c].read(p + static_cast<std::ptrdiff_t>(8 * i) * ps));
      lanes[c].apply(r);
      for (int i = 0; i < K; ++i) store(w.planar ? out + c * plane + pixel + 8 * i : values[c] + 8 * i, r[i]);
    }
    if (w.planar) return;
    T* dst = out + pixel * 3;
    for (int k = 0; k < 8 * K; ++k) {
      dst[3 * k] = values[0][k];
      dst[3 * k + 1] = values[1][k];
      dst[3 * k + 2] = values[2][k];
    }
  };
  for_each_span(
      w,
      [&](int y, int xa, int xb) {
        for (int x = xa; x < xb; ++x) {
          const std::ptrdiff_t pixel = static_cast<std::ptrdiff_t>(y) * w.width + x;
          for (int c = 0; c < 3; ++c) out[at(pixel, c)] = scalar(c, w.pad[w.source_channel[c]]);
        }
      },
      [&](int y, const std::uint8_t* src, int xa, int xb) {
        const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(y) * w.width;
        int x = xa;
        auto p = [&] { return src + static_cast<std::ptrdiff_t>(x - xa) * ps; };
        for (; x + 64 <= xb; x += 64) write(std::integral_constant<int, 8>{}, row + x, p());
        // The rest of the 8-pixel vectors in at most three blocks: 4, 2, 1.
        if (x + 32 <= xb) write(std::integral_constant<int, 4>{}, row + x, p()), x += 32;
        if (x + 16 <= xb) write(std::integral_constant<int, 2>{}, row + x, p()), x += 16;
        if (x + 8 <= xb) write(std::integral_constant<int, 1>{}, row + x, p()), x += 8;
        for (; x < xb; ++x) {  // the last pixels of the span, fewer than 8
          for (int c = 0; c < 3; ++c) out[at(row + x, c)] = scalar(c, p()[w.source_channel[c]]);
        }
      });
}

}  // namespace

void write_tensor_f32_chain(const TensorWrite& w, const FloatChain& chain, float* out) {
  if (!strides_supported(w)) return reference::write_tensor_f32_chain(w, chain, out);
  write_chain(
      w, chain, out, [](float* dst, __m256 v) { _mm256_storeu_ps(dst, v); },
      [&chain](int c, std::uint8_t byte) { return chain.apply(c, static_cast<float>(byte)); });
}

void write_tensor_f16_chain(const TensorWrite& w, const FloatChain& chain, std::uint16_t* out) {
  if (!strides_supported(w)) return reference::write_tensor_f16_chain(w, chain, out);
  // vcvtps2ph rounds to nearest even, as float_to_half_bits; the plan keeps
  // subnormal halves (where flush-to-zero could matter) on the table.
  write_chain(
      w, chain, out,
      [](std::uint16_t* dst, __m256 v) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
      },
      [&chain](int c, std::uint8_t byte) { return float_to_half_bits(chain.apply(c, static_cast<float>(byte))); });
}

void write_tensor_u16(const TensorWrite& w, const std::uint16_t* lut, std::uint16_t* out) {
  if (!strides_supported(w)) return reference::write_tensor_u16(w, lut, out);
  // A 32-bit read of the last entry would take two bytes past the table.
  alignas(32) std::uint16_t table[3 * 256 + 2] = {};
  std::memcpy(table, lut, 3 * 256 * sizeof(std::uint16_t));
  write_gathered(w, lut, out, [&](int c, __m256i idx, std::uint16_t* dst) {
    const __m256i v = _mm256_and_si256(
        _mm256_i32gather_epi32(reinterpret_cast<const int*>(table + 256 * c), idx, 2), _mm256_set1_epi32(0xffff));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst),
                     _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
  });
}

void write_tensor_u8(const TensorWrite& w, const std::uint8_t* lut, std::uint8_t* out) {
  bool identity = true;
  for (int i = 0; i < 3 * 256 && identity; ++i) identity = lut[i] == static_cast<std::uint8_t>(i & 255);
  if (!identity || !strides_supported(w)) return reference::write_tensor_u8(w, lut, out);
  const int ps = static_cast<int>(w.src_pixel_stride);
  const std::ptrdiff_t plane = w.plane();
  const int s0 = w.source_channel[0], s1 = w.source_channel[1], s2 = w.source_channel[2];
  // Packed RGB pixels written as they are (HWC, same channel order): a copy.
  const bool copy = !w.planar && ps == 3 && s0 == 0 && s1 == 1 && s2 == 2;
  ChannelReader readers[3] = {ChannelReader(ps, s0), ChannelReader(ps, s1), ChannelReader(ps, s2)};
  for_each_span(
      w,
      [&](int y, int xa, int xb) {
        for (int x = xa; x < xb; ++x) {
          const std::ptrdiff_t pixel = static_cast<std::ptrdiff_t>(y) * w.width + x;
          for (int c = 0; c < 3; ++c) {
            const std::uint8_t value = lut[c * 256 + w.pad[w.source_channel[c]]];
            if (w.planar) out[c * plane + pixel] = value;
            else out[pixel * 3 + c] = value;
          }
        }
      },
      [&](int y, const std::uint8_t* src, int xa, int xb) {
        const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(y) * w.width;
        if (copy) {
          std::memcpy(out + (row + xa) * 3, src, static_cast<std::size_t>(xb - xa) * 3);
          return;
        }
        int x = xa;
        if (w.planar) {
          // 8 indices (int32) narrowed to 8 bytes per step and channel.
          for (int c = 0; c < 3; ++c) {
            std::uint8_t* dst = out + c * plane + row;
            for (x = xa; x + 8 <= xb; x += 8) {
              const __m256i v = readers[c].read(src + static_cast<std::ptrdiff_t>(x - xa) * ps);
              const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
              _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + x), _mm_packus_epi16(words, words));
            }
          }
        }
        for (; x < xb; ++x) {
          const std::uint8_t* p = src + static_cast<std::ptrdiff_t>(x - xa) * ps;
          const std::ptrdiff_t pixel = row + x;
          for (int c = 0; c < 3; ++c) {
            if (w.planar) out[c * plane + pixel] = p[w.source_channel[c]];
            else out[pixel * 3 + c] = p[w.source_channel[c]];
          }
        }
      });
}

}  // namespace pixelpact::kernels::avx2
