// AVX-512 tensor writer: 16 pixels per step. The per-channel 256-entry table is
// read with two-source permutes (32 entries each) and blends on index bits 5-7,
// so every output is exactly lut[c * 256 + byte], as in the reference writer. A
// FloatChain (float32 arithmetic proven equal to its table): the same correctly
// rounded operations in the same order, 16 lanes, up to 4 registers at a time,
// for float32 or float16 output.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/half.hpp"
#include "kernels/kernels.hpp"
#include "kernels/x86/chain_lanes.hpp"
#include "kernels/x86/write_spans.hpp"

namespace pixelpact::kernels::avx512 {
namespace {

// Extracts one channel of 16 pixels (pixel stride 1, 3 or 4) as 16 int32 indices.
// Byte (x, c) is at p[x * stride + c] for every stride, including 1: a pixel
// stride below the channel count is a view of overlapping pixels, not GRAY.
class ChannelReader {
 public:
  ChannelReader(int pixel_stride, int channel) : ps_(pixel_stride), channel_(channel) {
    const char z = static_cast<char>(0x80);
    const char s = static_cast<char>(channel);
    // ps == 3: each 128-bit lane gets the 12 bytes of its 4 pixels, then byte 3i + s.
    pick_ = _mm512_broadcast_i32x4(_mm_setr_epi8(s, z, z, z, static_cast<char>(s + 3), z, z, z,
                                                 static_cast<char>(s + 6), z, z, z, static_cast<char>(s + 9), z, z, z));
    lanes_ = _mm512_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9, 10, 11, 12);
  }

  // n valid pixels at p (n <= 16); bytes past them are never read.
  __m512i read(const std::uint8_t* p, int n) const {
    if (ps_ == 1) {
      return _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << n) - 1), p + channel_));
    }
    // Up to the last pixel's byte of this channel and no further: the bytes after
    // it may lie past the end of the caller's buffer, and a masked load suppresses
    // faults only on the bytes its mask leaves out.
    const int bytes = (n - 1) * ps_ + channel_ + 1;
    const __mmask64 mask = bytes >= 64 ? ~__mmask64{0} : ((__mmask64{1} << bytes) - 1);
    const __m512i v = _mm512_maskz_loadu_epi8(mask, p);
    if (ps_ == 4) return _mm512_and_si512(_mm512_srli_epi32(v, 8 * channel_), _mm512_set1_epi32(0xff));
    return _mm512_shuffle_epi8(_mm512_permutexvar_epi32(lanes_, v), pick_);
  }

 private:
  int ps_, channel_;
  __m512i pick_, lanes_;
};

inline __m512 lookup_f32(const float* lut, __m512i idx) {
  __m512 r[8];
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_permutex2var_ps(_mm512_loadu_ps(lut + 32 * i), idx, _mm512_loadu_ps(lut + 32 * i + 16));
  }
  const __mmask16 b5 = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(32));
  const __mmask16 b6 = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(64));
  const __mmask16 b7 = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(128));
  const __m512 s0 = _mm512_mask_blend_ps(b5, r[0], r[1]), s1 = _mm512_mask_blend_ps(b5, r[2], r[3]);
  const __m512 s2 = _mm512_mask_blend_ps(b5, r[4], r[5]), s3 = _mm512_mask_blend_ps(b5, r[6], r[7]);
  return _mm512_mask_blend_ps(b7, _mm512_mask_blend_ps(b6, s0, s1), _mm512_mask_blend_ps(b6, s2, s3));
}

// A 256-entry float table held in 16 registers.
struct Table32 {
  __m512 t[16];
  explicit Table32(const float* lut) {
    for (int i = 0; i < 16; ++i) t[i] = _mm512_loadu_ps(lut + 16 * i);
  }
  __m512 lookup(__m512i idx) const {
    __m512 r[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm512_permutex2var_ps(t[2 * i], idx, t[2 * i + 1]);
    const __mmask16 b5 = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(32));
    const __mmask16 b6 = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(64));
    const __mmask16 b7 = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(128));
    const __m512 s0 = _mm512_mask_blend_ps(b5, r[0], r[1]), s1 = _mm512_mask_blend_ps(b5, r[2], r[3]);
    const __m512 s2 = _mm512_mask_blend_ps(b5, r[4], r[5]), s3 = _mm512_mask_blend_ps(b5, r[6], r[7]);
    return _mm512_mask_blend_ps(b7, _mm512_mask_blend_ps(b6, s0, s1), _mm512_mask_blend_ps(b6, s2, s3));
  }
};

inline __m256i lookup_u16(const std::uint16_t* lut, __m512i idx32) {
  const __m512i idx = _mm512_castsi256_si512(_mm512_cvtepi32_epi16(idx32));
  __m512i r[4];
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm512_permutex2var_epi16(_mm512_loadu_si512(lut + 64 * i), idx, _mm512_loadu_si512(lut + 64 * i + 32));
  }
  const __m512i bits = _mm512_cvtepu16_epi32(_mm512_castsi512_si256(idx));
  const __mmask16 b6 = _mm512_test_epi32_mask(bits, _mm512_set1_epi32(64));
  const __mmask16 b7 = _mm512_test_epi32_mask(bits, _mm512_set1_epi32(128));
  const __m256i s0 = _mm256_mask_blend_epi16(b6, _mm512_castsi512_si256(r[0]), _mm512_castsi512_si256(r[1]));
  const __m256i s1 = _mm256_mask_blend_epi16(b6, _mm512_castsi512_si256(r[2]), _mm512_castsi512_si256(r[3]));
  return _mm256_mask_blend_epi16(b7, s0, s1);
}

// Interleaves three channel vectors of 16 floats into 3 * n floats at dst.
inline void store_interleaved_f32(float* dst, __m512 v0, __m512 v1, __m512 v2, int n) {
  alignas(64) static const struct Tables {
    int idx01[3][16];
    int idx2[3][16];
    __mmask16 from2[3];
    Tables() {
      for (int k = 0; k < 3; ++k) {
        from2[k] = 0;
        for (int l = 0; l < 16; ++l) {
          const int e = 16 * k + l, c = e % 3, px = e / 3;
          idx01[k][l] = c == 1 ? 16 + px : px;
          idx2[k][l] = px;
          if (c == 2) from2[k] = static_cast<__mmask16>(from2[k] | (1u << l));
        }
      }
    }
  } t;
  const int total = 3 * n;
  for (int k = 0; k < 3 && 16 * k < total; ++k) {
    const __m512 a = _mm512_permutex2var_ps(v0, _mm512_load_si512(t.idx01[k]), v1);
    const __m512 b = _mm512_permutexvar_ps(_mm512_load_si512(t.idx2[k]), v2);
    const __m512 o = _mm512_mask_blend_ps(t.from2[k], a, b);
    const int m = total - 16 * k;
    _mm512_mask_storeu_ps(dst + 16 * k, m >= 16 ? __mmask16{0xffff} : static_cast<__mmask16>((1u << m) - 1), o);
  }
}

bool layout_supported(const TensorWrite& w) {
  return w.src_rows == 0 || w.src_pixel_stride == 1 || w.src_pixel_stride == 3 || w.src_pixel_stride == 4;
}

using x86::for_each_span;

// Padding: out = value(c, pad byte) for output channel c.
template <typename T, typename Value>
void fill_span(const TensorWrite& w, T* out, int y, int xa, int xb, Value value_of) {
  const std::ptrdiff_t plane = w.plane();
  for (int x = xa; x < xb; ++x) {
    const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(y) * w.width + x;
    for (int c = 0; c < 3; ++c) {
      const T value = value_of(c, w.pad[w.source_channel[c]]);
      if (w.planar) out[c * plane + at] = value;
      else out[at * 3 + c] = value;
    }
  }
}

// Float vectors of 16 lanes, for x86::ChainLanes.
struct Floats16 {
  using Vector = __m512;
  static Vector set1(float v) { return _mm512_set1_ps(v); }
  static Vector add(Vector a, Vector b) { return _mm512_add_ps(a, b); }
  static Vector sub(Vector a, Vector b) { return _mm512_sub_ps(a, b); }
  static Vector mul(Vector a, Vector b) { return _mm512_mul_ps(a, b); }
  static Vector div(Vector a, Vector b) { return _mm512_div_ps(a, b); }
};
using ChainLanes = x86::ChainLanes<Floats16>;

// The chain writers: for each run of up to 16K pixels of a span, the chain on
// channel c of pixel 16i + lane in r[c][i], then store(r, pixel, n) writes the
// n pixels; scalar(c, byte) gives padding. int32 to float32 is exact for bytes,
// as the reference's static_cast<float>; lanes past n compute on zeros and are
// not stored.
template <typename T, typename Store, typename Scalar>
void write_chain(const TensorWrite& w, const FloatChain& chain, T* out, Store store, Scalar scalar) {
  const int ps = static_cast<int>(w.src_pixel_stride);
  const ChannelReader readers[3] = {ChannelReader(ps, w.source_channel[0]), ChannelReader(ps, w.source_channel[1]),
                                    ChannelReader(ps, w.source_channel[2])};
  const ChainLanes lanes[3] = {ChainLanes(chain, 0), ChainLanes(chain, 1), ChainLanes(chain, 2)};
  auto write = [&](auto registers, std::ptrdiff_t pixel, const std::uint8_t* p, int n) {
    constexpr int K = decltype(registers)::value;
    __m512 r[3][K];
    for (int c = 0; c < 3; ++c) {
      for (int i = 0; i < K; ++i) {
        const int count = std::max(0, std::min(16, n - 16 * i));
        r[c][i] = _mm512_cvtepi32_ps(count ? readers[c].read(p + 16 * i * ps, count) : _mm512_setzero_si512());
      }
      lanes[c].apply(r[c]);
    }
    for (int i = 0; i < K && 16 * i < n; ++i) store(r[0][i], r[1][i], r[2][i], pixel + 16 * i, std::min(16, n - 16 * i));
  };
  for_each_span(
      w, [&](int y, int xa, int xb) { fill_span(w, out, y, xa, xb, scalar); },
      [&](int y, const std::uint8_t* src, int xa, int xb) {
        const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(y) * w.width;
        int x = xa;
        auto p = [&] { return src + static_cast<std::ptrdiff_t>(x - xa) * ps; };
        for (; x + 64 <= xb; x += 64) write(std::integral_constant<int, 4>{}, row + x, p(), 64);
        for (; x < xb; x += 16) write(std::integral_constant<int, 1>{}, row + x, p(), std::min(16, xb - x));
      });
}

inline __mmask16 first_lanes(int n) {
  return n >= 16 ? __mmask16{0xffff} : static_cast<__mmask16>((1u << n) - 1);
}

}  // namespace

void write_tensor_f32_chain(const TensorWrite& w, const FloatChain& chain, float* out) {
  if (!layout_supported(w)) return reference::write_tensor_f32_chain(w, chain, out);
  const std::ptrdiff_t plane = w.plane();
  write_chain(
      w, chain, out,
      [&](__m512 v0, __m512 v1, __m512 v2, std::ptrdiff_t pixel, int n) {
        if (!w.planar) return store_interleaved_f32(out + pixel * 3, v0, v1, v2, n);
        const __mmask16 m = first_lanes(n);
        _mm512_mask_storeu_ps(out + pixel, m, v0);
        _mm512_mask_storeu_ps(out + plane + pixel, m, v1);
        _mm512_mask_storeu_ps(out + 2 * plane + pixel, m, v2);
      },
      [&chain](int c, std::uint8_t b) { return chain.apply(c, static_cast<float>(b)); });
}

void write_tensor_f16_chain(const TensorWrite& w, const FloatChain& chain, std::uint16_t* out) {
  if (!layout_supported(w)) return reference::write_tensor_f16_chain(w, chain, out);
  const std::ptrdiff_t plane = w.plane();
  // vcvtps2ph rounds to nearest even, as float_to_half_bits; the plan keeps
  // subnormal halves (where flush-to-zero could matter) on the table.
  write_chain(
      w, chain, out,
      [&](__m512 v0, __m512 v1, __m512 v2, std::ptrdiff_t pixel, int n) {
        const __m256i h[3] = {_mm512_cvtps_ph(v0, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                              _mm512_cvtps_ph(v1, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                              _mm512_cvtps_ph(v2, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
        if (w.planar) {
          for (int c = 0; c < 3; ++c) _mm256_mask_storeu_epi16(out + c * plane + pixel, first_lanes(n), h[c]);
          return;
        }
        alignas(32) std::uint16_t lanes[3][16];
        for (int c = 0; c < 3; ++c) _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[c]), h[c]);
        std::uint16_t* dst = out + pixel * 3;
        for (int i = 0; i < n; ++i)
          for (int c = 0; c < 3; ++c) dst[i * 3 + c] = lanes[c][i];
      },
      [&chain](int c, std::uint8_t b) { return float_to_half_bits(chain.apply(c, static_cast<float>(b))); });
}

void write_tensor_f32(const TensorWrite& w, const float* lut, float* out) {
  if (!layout_supported(w)) return reference::write_tensor_f32(w, lut, out);
  const int ps = static_cast<int>(w.src_pixel_stride);
  const std::ptrdiff_t plane = w.plane();
  const ChannelReader readers[3] = {ChannelReader(ps, w.source_channel[0]), ChannelReader(ps, w.source_channel[1]),
                                    ChannelReader(ps, w.source_channel[2])};
  for_each_span(
      w, [&](int y, int xa, int xb) { fill_span(w, out, y, xa, xb, [lut](int c, std::uint8_t b) { return lut[c * 256 + b]; }); },
      [&](int y, const std::uint8_t* src, int xa, int xb) {
        const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(y) * w.width;
        if (w.planar) {
          // One channel at a time, so its whole table stays in registers.
          for (int c = 0; c < 3; ++c) {
            const Table32 table(lut + 256 * c);
            float* dst = out + c * plane + row;
            for (int x = xa; x < xb; x += 16) {
              const int n = std::min(16, xb - x);
              const __mmask16 m = n == 16 ? __mmask16{0xffff} : static_cast<__mmask16>((1u << n) - 1);
              _mm512_mask_storeu_ps(dst + x, m, table.lookup(readers[c].read(src + (x - xa) * ps, n)));
            }
          }
          return;
        }
        for (int x = xa; x < xb; x += 16) {
          const int n = std::min(16, xb - x);
          const std::uint8_t* p = src + (x - xa) * ps;
          __m512 v[3];
          for (int c = 0; c < 3; ++c) v[c] = lookup_f32(lut + 256 * c, readers[c].read(p, n));
          store_interleaved_f32(out + (row + x) * 3, v[0], v[1], v[2], n);
        }
      });
}

namespace {

// The narrow writers (float16 bits, bytes): `lookup(c, indices)` gives channel
// c of 16 pixels as a vector of T, which is stored through a lane array.
template <typename T, typename Lookup>
void write_narrow(const TensorWrite& w, const T* lut, T* out, Lookup lookup, bool copy_rows = false) {
  const int ps = static_cast<int>(w.src_pixel_stride);
  const std::ptrdiff_t plane = w.plane();
  const ChannelReader readers[3] = {ChannelReader(ps, w.source_channel[0]), ChannelReader(ps, w.source_channel[1]),
                                    ChannelReader(ps, w.source_channel[2])};
  for_each_span(
      w, [&](int y, int xa, int xb) { fill_span(w, out, y, xa, xb, [lut](int c, std::uint8_t b) { return lut[c * 256 + b]; }); },
      [&](int y, const std::uint8_t* src, int xa, int xb) {
        if (copy_rows) {  // the source row already is the output row
          std::memcpy(out + (static_cast<std::ptrdiff_t>(y) * w.width + xa) * 3, src,
                      static_cast<std::size_t>(xb - xa) * 3 * sizeof(T));
          return;
        }
        for (int x = xa; x < xb; x += 16) {
          const int n = std::min(16, xb - x);
          const std::uint8_t* p = src + (x - xa) * ps;
          const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(y) * w.width + x;
          alignas(32) T lanes[3][16];
          for (int c = 0; c < 3; ++c) lookup(c, readers[c].read(p, n), lanes[c]);
          if (w.planar) {
            for (int c = 0; c < 3; ++c) std::memcpy(out + c * plane + at, lanes[c], n * sizeof(T));
          } else {
            T* dst = out + at * 3;
            for (int i = 0; i < n; ++i)
              for (int c = 0; c < 3; ++c) dst[i * 3 + c] = lanes[c][i];
          }
        }
      });
}

}  // namespace

void write_tensor_u16(const TensorWrite& w, const std::uint16_t* lut, std::uint16_t* out) {
  if (!layout_supported(w)) return reference::write_tensor_u16(w, lut, out);
  write_narrow(w, lut, out, [&](int c, __m512i idx, std::uint16_t* lanes) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), lookup_u16(lut + 256 * c, idx));
  });
}

void write_tensor_u8(const TensorWrite& w, const std::uint8_t* lut, std::uint8_t* out) {
  // Valid contracts only have identity byte tables (uint8 output has no arithmetic).
  bool identity = true;
  for (int i = 0; i < 3 * 256 && identity; ++i) identity = lut[i] == static_cast<std::uint8_t>(i & 255);
  if (!identity || !layout_supported(w)) return reference::write_tensor_u8(w, lut, out);
  // Packed RGB pixels written as they are (HWC, same channel order): a copy.
  const bool copy = !w.planar && w.src_pixel_stride == 3 && w.source_channel[0] == 0 &&
                    w.source_channel[1] == 1 && w.source_channel[2] == 2;
  write_narrow(
      w, lut, out,
      [](int, __m512i idx, std::uint8_t* lanes) {
        _mm_store_si128(reinterpret_cast<__m128i*>(lanes), _mm512_cvtepi32_epi8(idx));
      },
      copy);
}

}  // namespace pixelpact::kernels::avx512
