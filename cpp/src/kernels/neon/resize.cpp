// NEON (AArch64) Pillow resample passes. Byte-identical to
// kernels/reference/resize.cpp, which is the specification:
//   out = clip8((2^21 + sum_k in[k] * w[k]) >> 22)
// with uint8 inputs and signed 22-bit weights.
//
// Exactness: every lane computes the reference's int32 products and sums for one
// output byte. Inputs are widened u8 -> u16 -> u32 (vmovl, zero extension, so the
// bits are those of a non-negative int32) and accumulated with vmlaq_n_s32, a
// plain 32-bit multiply-add: p * w fits int32 (|w| < 2^23, p <= 255) and the
// reference proves the running sum never leaves int32, so the lane holds exactly
// the reference's accumulator. The clip is an arithmetic shift (vshrq_n_s32 is
// floor, like >> on int32), a saturating narrow to int16 that loses nothing
// (|acc >> 22| < 2^10), then a saturating narrow to uint8: clamp to [0, 255].
// No floating point anywhere.
//
// Vertical pass: an output row is a weighted sum of whole input rows, so a vector
// holds 16 consecutive bytes of a row (channels need no special care). A row
// whose length is not a multiple of 16 ends with one vector that overlaps the
// previous one: those bytes are computed twice, identically, and nothing outside
// the row is read or written. Rows shorter than 16 bytes use 8-byte vectors the
// same way, and rows shorter than 8 bytes are scalar.
// Horizontal pass: a block of 16 input rows is transposed (byte columns become
// 16-byte vectors, one lane per row), convolved along what are now contiguous
// vectors, and the block of results transposed back (the layout of the x86
// kernels, x86/conv_generic.inl, with NEON trn transposes).
// Pixel layouts other than `channels` bytes in a pixel of at most 4 bytes (e.g. a
// horizontally flipped view) fall back to the reference kernel.
#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "kernels/kernels.hpp"

namespace pixelpact::kernels::neon {
namespace {

constexpr std::int32_t kBias = 1 << (kConvPrecisionBits - 1);
constexpr int kBlockRows = 16;
static_assert(kBlockRows == kConvRowGroup, "callers size their row splits by kConvRowGroup");
// Byte columns transposed at a time (keeps both buffers in L1/L2, no allocation).
constexpr int kStripColumns = 1024;
constexpr int kStripOutputs = 256;

inline bool pixel_layout_supported(std::ptrdiff_t pixel_stride, int channels) {
  return pixel_stride >= channels && pixel_stride <= 4 && channels >= 1 && channels <= 4;
}

// ---- 16 int32 lanes: one accumulator per byte of a 16-byte vector ----------

struct Acc16 {
  int32x4_t v0, v1, v2, v3;
};

inline Acc16 acc16_bias() {
  const int32x4_t b = vdupq_n_s32(kBias);
  return {b, b, b, b};
}

// lanes += zero_extend(p[i]) * w
inline Acc16 acc16_madd(Acc16 a, const std::uint8_t* p, std::int32_t w) {
  const uint8x16_t px = vld1q_u8(p);
  const uint16x8_t lo = vmovl_u8(vget_low_u8(px));
  const uint16x8_t hi = vmovl_high_u8(px);
  a.v0 = vmlaq_n_s32(a.v0, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(lo))), w);
  a.v1 = vmlaq_n_s32(a.v1, vreinterpretq_s32_u32(vmovl_high_u16(lo)), w);
  a.v2 = vmlaq_n_s32(a.v2, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(hi))), w);
  a.v3 = vmlaq_n_s32(a.v3, vreinterpretq_s32_u32(vmovl_high_u16(hi)), w);
  return a;
}

// clip8(lane >> 22) for 8 lanes.
inline uint8x8_t clip8(int32x4_t lo, int32x4_t hi) {
  const int16x8_t s = vcombine_s16(vqmovn_s32(vshrq_n_s32(lo, kConvPrecisionBits)),
                                   vqmovn_s32(vshrq_n_s32(hi, kConvPrecisionBits)));
  return vqmovun_s16(s);
}

inline uint8x16_t acc16_clip(Acc16 a) { return vcombine_u8(clip8(a.v0, a.v1), clip8(a.v2, a.v3)); }

// ---- 8 int32 lanes, for rows of 8..15 bytes ---------------------------------

struct Acc8 {
  int32x4_t v0, v1;
};

inline Acc8 acc8_madd(Acc8 a, const std::uint8_t* p, std::int32_t w) {
  const uint16x8_t px = vmovl_u8(vld1_u8(p));
  a.v0 = vmlaq_n_s32(a.v0, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(px))), w);
  a.v1 = vmlaq_n_s32(a.v1, vreinterpretq_s32_u32(vmovl_high_u16(px)), w);
  return a;
}

// ---- vertical -----------------------------------------------------------------

// 16 output bytes at `dst` from the 16-byte columns at `top` (rows `stride` apart).
inline uint8x16_t vertical16(const std::uint8_t* top, std::ptrdiff_t stride, const std::int32_t* w,
                             int count) {
  Acc16 a = acc16_bias();
  for (int k = 0; k < count; ++k, top += stride) a = acc16_madd(a, top, w[k]);
  return acc16_clip(a);
}

inline uint8x8_t vertical8(const std::uint8_t* top, std::ptrdiff_t stride, const std::int32_t* w,
                           int count) {
  Acc8 a = {vdupq_n_s32(kBias), vdupq_n_s32(kBias)};
  for (int k = 0; k < count; ++k, top += stride) a = acc8_madd(a, top, w[k]);
  return clip8(a.v0, a.v1);
}

// Bytes [0, span) of an output row: the weighted sum of `count` input rows.
void vertical_row(const std::uint8_t* top, std::ptrdiff_t in_row_stride, const std::int32_t* w,
                  int count, int span, std::uint8_t* dst) {
  if (span >= 16) {
    int b = 0;
    // Four vectors per pass over the input rows: 16 accumulators in registers.
    for (; b + 64 <= span; b += 64) {
      Acc16 a0 = acc16_bias(), a1 = acc16_bias(), a2 = acc16_bias(), a3 = acc16_bias();
      const std::uint8_t* p = top + b;
      for (int k = 0; k < count; ++k, p += in_row_stride) {
        a0 = acc16_madd(a0, p, w[k]);
        a1 = acc16_madd(a1, p + 16, w[k]);
        a2 = acc16_madd(a2, p + 32, w[k]);
        a3 = acc16_madd(a3, p + 48, w[k]);
      }
      vst1q_u8(dst + b, acc16_clip(a0));
      vst1q_u8(dst + b + 16, acc16_clip(a1));
      vst1q_u8(dst + b + 32, acc16_clip(a2));
      vst1q_u8(dst + b + 48, acc16_clip(a3));
    }
    for (; b + 16 <= span; b += 16) vst1q_u8(dst + b, vertical16(top + b, in_row_stride, w, count));
    if (b < span) {  // overlapping last vector
      b = span - 16;
      vst1q_u8(dst + b, vertical16(top + b, in_row_stride, w, count));
    }
    return;
  }
  if (span >= 8) {
    vst1_u8(dst, vertical8(top, in_row_stride, w, count));
    vst1_u8(dst + span - 8, vertical8(top + span - 8, in_row_stride, w, count));
    return;
  }
  for (int b = 0; b < span; ++b) {
    std::int32_t acc = kBias;
    const std::uint8_t* p = top + b;
    for (int k = 0; k < count; ++k, p += in_row_stride) acc += *p * w[k];
    dst[b] = static_cast<std::uint8_t>(std::clamp<std::int32_t>(acc >> kConvPrecisionBits, 0, 255));
  }
}

// ---- transposes -------------------------------------------------------------

// out[c][r] = in[r][c] for 16 x 16 bytes, in registers. Stage s (element size
// 2^s bytes) exchanges bit s of the row index with bit s of the column index
// between rows r and r + 2^s; after four stages every bit is exchanged.
inline void transpose16x16(uint8x16_t m[16]) {
  for (int r = 0; r < 16; r += 2) {
    const uint8x16_t a = m[r], b = m[r + 1];
    m[r] = vtrn1q_u8(a, b);
    m[r + 1] = vtrn2q_u8(a, b);
  }
  for (int r = 0; r < 16; r += 4) {
    for (int h = 0; h < 2; ++h) {
      const uint16x8_t a = vreinterpretq_u16_u8(m[r + h]), b = vreinterpretq_u16_u8(m[r + h + 2]);
      m[r + h] = vreinterpretq_u8_u16(vtrn1q_u16(a, b));
      m[r + h + 2] = vreinterpretq_u8_u16(vtrn2q_u16(a, b));
    }
  }
  for (int r = 0; r < 16; r += 8) {
    for (int h = 0; h < 4; ++h) {
      const uint32x4_t a = vreinterpretq_u32_u8(m[r + h]), b = vreinterpretq_u32_u8(m[r + h + 4]);
      m[r + h] = vreinterpretq_u8_u32(vtrn1q_u32(a, b));
      m[r + h + 4] = vreinterpretq_u8_u32(vtrn2q_u32(a, b));
    }
  }
  for (int h = 0; h < 8; ++h) {
    const uint64x2_t a = vreinterpretq_u64_u8(m[h]), b = vreinterpretq_u64_u8(m[h + 8]);
    m[h] = vreinterpretq_u8_u64(vtrn1q_u64(a, b));
    m[h + 8] = vreinterpretq_u8_u64(vtrn2q_u64(a, b));
  }
}

// columns[j][r] = rows[r][j] for r < 16 and j < nbytes (columns has room for
// nbytes rounded up to 16). Bytes at or past nbytes of a row are never read.
void transpose_rows(const std::uint8_t* const rows[16], int nbytes, std::uint8_t (*columns)[16]) {
  uint8x16_t m[16];
  int j = 0;
  for (; j + 16 <= nbytes; j += 16) {
    for (int r = 0; r < 16; ++r) m[r] = vld1q_u8(rows[r] + j);
    transpose16x16(m);
    for (int c = 0; c < 16; ++c) vst1q_u8(columns[j + c], m[c]);
  }
  if (j < nbytes) {
    alignas(16) std::uint8_t edge[16][16] = {};
    for (int r = 0; r < 16; ++r) {
      std::memcpy(edge[r], rows[r] + j, static_cast<std::size_t>(nbytes - j));
      m[r] = vld1q_u8(edge[r]);
    }
    transpose16x16(m);
    for (int c = 0; c < 16; ++c) vst1q_u8(columns[j + c], m[c]);
  }
}

}  // namespace

void conv_vertical(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                     std::ptrdiff_t in_pixel_stride, int width, int channels,
                     const ConvAxis& axis, int out_rows, std::uint8_t* out,
                     std::ptrdiff_t out_row_stride) {
  if (!pixel_layout_supported(in_pixel_stride, channels)) {
    reference::conv_vertical(in, in_row_stride, in_pixel_stride, width, channels, axis, out_rows,
                               out, out_row_stride);
    return;
  }
  const bool packed = in_pixel_stride == channels;
  // Padded pixels (e.g. RGBx) are computed whole in chunks, then compacted.
  constexpr int kChunkPixels = 512;
  alignas(16) std::uint8_t chunk[kChunkPixels * 4];
  for (int y = 0; y < out_rows; ++y) {
    const std::int32_t* w = axis.weight + static_cast<std::ptrdiff_t>(y) * axis.ksize;
    const std::uint8_t* top = in + axis.first[y] * in_row_stride;
    std::uint8_t* dst = out + y * out_row_stride;
    if (packed) {
      vertical_row(top, in_row_stride, w, axis.count[y], width * channels, dst);
      continue;
    }
    for (int x0 = 0; x0 < width; x0 += kChunkPixels) {
      const int n = std::min(kChunkPixels, width - x0);
      // The last pixel's padding bytes may lie past the image: stop at its last channel.
      const int span = static_cast<int>((n - 1) * in_pixel_stride) + channels;
      vertical_row(top + x0 * in_pixel_stride, in_row_stride, w, axis.count[y], span, chunk);
      std::uint8_t* d = dst + x0 * channels;
      if (channels == 3 && in_pixel_stride == 4) {
        // RGBx -> RGB: 16 pixels per step with a de-interleaving load.
        int x = 0;
        for (; x + 16 <= n; x += 16) {
          const uint8x16x4_t px = vld4q_u8(chunk + x * 4);
          vst3q_u8(d + x * 3, uint8x16x3_t{{px.val[0], px.val[1], px.val[2]}});
        }
        for (; x < n; ++x) std::memcpy(d + x * 3, chunk + x * 4, 3);
        continue;
      }
      for (int x = 0; x < n; ++x)
        for (int c = 0; c < channels; ++c) d[x * channels + c] = chunk[x * in_pixel_stride + c];
    }
  }
}

void conv_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                       std::ptrdiff_t in_pixel_stride, int rows, int channels,
                       const ConvAxis& axis, int out_width, std::uint8_t* out,
                       std::ptrdiff_t out_row_stride) {
  if (!pixel_layout_supported(in_pixel_stride, channels)) {
    reference::conv_horizontal(in, in_row_stride, in_pixel_stride, rows, channels, axis,
                                 out_width, out, out_row_stride);
    return;
  }
  const int ps = static_cast<int>(in_pixel_stride);
  alignas(16) std::uint8_t columns[kStripColumns + 16][kBlockRows];
  alignas(16) std::uint8_t results[kStripOutputs * 4 + 16][kBlockRows];
  alignas(16) static const std::uint8_t zero_row[kStripColumns + 16] = {};

  // Strips of outputs whose input byte columns fit the transpose buffer.
  int x0 = 0;
  while (x0 < out_width) {
    const int col_begin = axis.first[x0];
    int x1 = x0;
    int col_end = col_begin;
    while (x1 < out_width && x1 - x0 < kStripOutputs) {
      const int end = std::max(col_end, axis.first[x1] + axis.count[x1]);
      if (axis.first[x1] < col_begin || (end - col_begin) * ps > kStripColumns) break;
      col_end = end;
      ++x1;
    }
    if (x1 == x0) {  // one output reads more columns than a strip holds
      reference::conv_horizontal(in, in_row_stride, in_pixel_stride, rows, channels,
                                   ConvAxis{axis.ksize, axis.first + x0, axis.count + x0,
                                              axis.weight + static_cast<std::ptrdiff_t>(x0) * axis.ksize},
                                   1, out + x0 * channels, out_row_stride);
      ++x0;
      continue;
    }
    // Byte columns [col_begin * ps, col_begin * ps + nbytes) of each row; the last
    // pixel's padding bytes are not read (they may lie past the image).
    const int nbytes = (col_end - col_begin - 1) * ps + channels;
    const int nresults = (x1 - x0) * channels;
    // Transposing back reads whole groups of 16 result rows; define the unused ones.
    std::memset(results[nresults], 0, sizeof(results[0]) * 16);
    for (int r0 = 0; r0 < rows; r0 += kBlockRows) {
      const int nrows = std::min(kBlockRows, rows - r0);
      // 1. Transpose: columns[j][r] = in[r0 + r][col_begin * ps + j].
      const std::uint8_t* src[kBlockRows];
      for (int r = 0; r < kBlockRows; ++r) {
        src[r] = r < nrows ? in + (r0 + r) * in_row_stride + col_begin * ps : zero_row;
      }
      transpose_rows(src, nbytes, columns);
      // 2. Convolve along the transposed rows: one vector = 16 input rows.
      for (int x = x0; x < x1; ++x) {
        const std::int32_t* w = axis.weight + static_cast<std::ptrdiff_t>(x) * axis.ksize;
        const std::uint8_t* p = columns[(axis.first[x] - col_begin) * ps];
        const int n = axis.count[x];
        std::uint8_t* dst = results[(x - x0) * channels];
        if (channels == 3) {
          Acc16 a0 = acc16_bias(), a1 = acc16_bias(), a2 = acc16_bias();
          for (int k = 0; k < n; ++k, p += ps * kBlockRows) {
            a0 = acc16_madd(a0, p, w[k]);
            a1 = acc16_madd(a1, p + kBlockRows, w[k]);
            a2 = acc16_madd(a2, p + 2 * kBlockRows, w[k]);
          }
          vst1q_u8(dst, acc16_clip(a0));
          vst1q_u8(dst + kBlockRows, acc16_clip(a1));
          vst1q_u8(dst + 2 * kBlockRows, acc16_clip(a2));
        } else {
          for (int c = 0; c < channels; ++c) {
            Acc16 a = acc16_bias();
            for (int k = 0; k < n; ++k) a = acc16_madd(a, p + (k * ps + c) * kBlockRows, w[k]);
            vst1q_u8(dst + c * kBlockRows, acc16_clip(a));
          }
        }
      }
      // 3. Transpose back: out[r0 + r][x0 * channels + j] = results[j][r].
      for (int j = 0; j < nresults; j += 16) {
        uint8x16_t m[16];
        for (int r = 0; r < 16; ++r) m[r] = vld1q_u8(results[j + r]);
        transpose16x16(m);
        std::uint8_t* dst = out + r0 * out_row_stride + x0 * channels + j;
        if (nresults - j >= 16) {
          for (int r = 0; r < nrows; ++r) vst1q_u8(dst + r * out_row_stride, m[r]);
        } else {
          alignas(16) std::uint8_t block[16];
          for (int r = 0; r < nrows; ++r) {
            vst1q_u8(block, m[r]);
            std::memcpy(dst + r * out_row_stride, block, static_cast<std::size_t>(nresults - j));
          }
        }
      }
    }
    x0 = x1;
  }
}

}  // namespace pixelpact::kernels::neon
