// Pillow convolution passes for x86 SIMD, written once against a small set of
// lane primitives that each ISA file defines before including this file:
//
//   struct Acc;                                   // 16 int32 lanes
//   Acc acc_bias();                               // all lanes 2^21
//   Acc acc_madd(Acc, const uint8_t* p16, int32_t w);  // lanes += zx(p16[i]) * w
//   void acc_store_clip(Acc, uint8_t* dst16);     // dst16[i] = clip8(lane >> 22)
//
// The arithmetic is the reference's (kernels/reference/resize.cpp) exactly: the
// same int32 products and sums in the same order per output, so the bytes are
// identical; only which outputs share a vector differs.
//
// Vertical pass: an output row is a weighted sum of whole input rows, so the
// lanes are 16 consecutive bytes of a row (channels need no special care).
// Horizontal pass: a block of 16 input rows is transposed (byte columns become
// 16-byte vectors, one lane per row), convolved along what are now contiguous
// vectors, and the block of results transposed back.
// Include inside the ISA's namespace, after <algorithm>, <cstring> and
// "../x86/transpose.hpp".

namespace {

constexpr int kBlockRows = 16;
// Byte columns transposed at a time (keeps both buffers in L1/L2, no allocation).
constexpr int kStripColumns = 1024;
constexpr int kStripOutputs = 256;

inline bool pixel_layout_supported(std::ptrdiff_t pixel_stride, int channels) {
  return pixel_stride >= channels && pixel_stride <= 4 && channels >= 1 && channels <= 4;
}

// Bytes [0, span) of out_row = clip8 of the weighted rows; scalar tail.
void vertical_row(const std::uint8_t* top, std::ptrdiff_t in_row_stride, const std::int32_t* w,
                  int count, int span, std::uint8_t* dst) {
  int b = 0;
  for (; b + 64 <= span; b += 64) {
    Acc a0 = acc_bias(), a1 = acc_bias(), a2 = acc_bias(), a3 = acc_bias();
    const std::uint8_t* p = top + b;
    for (int k = 0; k < count; ++k, p += in_row_stride) {
      a0 = acc_madd(a0, p, w[k]);
      a1 = acc_madd(a1, p + 16, w[k]);
      a2 = acc_madd(a2, p + 32, w[k]);
      a3 = acc_madd(a3, p + 48, w[k]);
    }
    acc_store_clip(a0, dst + b);
    acc_store_clip(a1, dst + b + 16);
    acc_store_clip(a2, dst + b + 32);
    acc_store_clip(a3, dst + b + 48);
  }
  for (; b + 16 <= span; b += 16) {
    Acc a = acc_bias();
    const std::uint8_t* p = top + b;
    for (int k = 0; k < count; ++k, p += in_row_stride) a = acc_madd(a, p, w[k]);
    acc_store_clip(a, dst + b);
  }
  for (; b < span; ++b) {
    std::int32_t acc = 1 << (kPillowPrecisionBits - 1);
    const std::uint8_t* p = top + b;
    for (int k = 0; k < count; ++k, p += in_row_stride) acc += *p * w[k];
    dst[b] = static_cast<std::uint8_t>(std::clamp<std::int32_t>(acc >> kPillowPrecisionBits, 0, 255));
  }
}

}  // namespace

void pillow_vertical(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                     std::ptrdiff_t in_pixel_stride, int width, int channels,
                     const PillowAxis& axis, int out_rows, std::uint8_t* out,
                     std::ptrdiff_t out_row_stride) {
  if (!pixel_layout_supported(in_pixel_stride, channels)) {
    reference::pillow_vertical(in, in_row_stride, in_pixel_stride, width, channels, axis, out_rows,
                               out, out_row_stride);
    return;
  }
  const bool packed = in_pixel_stride == channels;
  // Padded pixels (e.g. RGBx) are computed whole in chunks, then compacted.
  constexpr int kChunkPixels = 512;
  alignas(64) std::uint8_t chunk[kChunkPixels * 4];
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
      for (int x = 0; x < n; ++x)
        for (int c = 0; c < channels; ++c) dst[(x0 + x) * channels + c] = chunk[x * in_pixel_stride + c];
    }
  }
}

void pillow_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                       std::ptrdiff_t in_pixel_stride, int rows, int channels,
                       const PillowAxis& axis, int out_width, std::uint8_t* out,
                       std::ptrdiff_t out_row_stride) {
  if (!pixel_layout_supported(in_pixel_stride, channels)) {
    reference::pillow_horizontal(in, in_row_stride, in_pixel_stride, rows, channels, axis,
                                 out_width, out, out_row_stride);
    return;
  }
  const int ps = static_cast<int>(in_pixel_stride);
  alignas(64) std::uint8_t columns[kStripColumns][kBlockRows];
  alignas(64) std::uint8_t results[kStripOutputs * 4 + 16][kBlockRows];
  alignas(16) static const std::uint8_t zero_row[kStripColumns + 16] = {};

  // Strips of outputs whose input byte columns fit the transpose buffer.
  int x0 = 0;
  while (x0 < out_width) {
    const int col_begin = axis.first[x0];
    int x1 = x0;
    int col_end = col_begin;
    while (x1 < out_width && x1 - x0 < kStripOutputs) {
      const int end = std::max(col_end, axis.first[x1] + axis.count[x1]);
      if (axis.first[x1] < col_begin || (end - col_begin) * ps > kStripColumns - 16) break;
      col_end = end;
      ++x1;
    }
    if (x1 == x0) {  // one output reads more columns than a strip holds
      reference::pillow_horizontal(in, in_row_stride, in_pixel_stride, rows, channels,
                                   PillowAxis{axis.ksize, axis.first + x0, axis.count + x0,
                                              axis.weight + static_cast<std::ptrdiff_t>(x0) * axis.ksize},
                                   1, out + x0 * channels, out_row_stride);
      ++x0;
      continue;
    }
    // Byte columns [col_begin * ps, col_begin * ps + nbytes) of each row; the last
    // pixel's padding bytes are not read (they may lie past the image).
    const int nbytes = (col_end - col_begin - 1) * ps + channels;
    const int nresults = (x1 - x0) * channels;
    for (int r0 = 0; r0 < rows; r0 += kBlockRows) {
      const int nrows = std::min(kBlockRows, rows - r0);
      // 1. Transpose: columns[j][r] = in[r0 + r][col_begin * ps + j].
      alignas(16) std::uint8_t edge[kBlockRows][16];
      for (int j = 0; j < nbytes; j += 16) {
        const std::uint8_t* src[kBlockRows];
        const int n = std::min(16, nbytes - j);
        for (int r = 0; r < kBlockRows; ++r) {
          const std::uint8_t* row = r < nrows ? in + (r0 + r) * in_row_stride + col_begin * ps + j : zero_row;
          if (n < 16 && r < nrows) {
            std::memset(edge[r], 0, 16);
            std::memcpy(edge[r], row, n);
            row = edge[r];
          }
          src[r] = row;
        }
        x86::transpose16x16(src, columns[j], kBlockRows);
      }
      // 2. Convolve along the transposed rows: one vector = 16 input rows.
      for (int x = x0; x < x1; ++x) {
        const std::int32_t* w = axis.weight + static_cast<std::ptrdiff_t>(x) * axis.ksize;
        const int base = (axis.first[x] - col_begin) * ps;
        for (int c = 0; c < channels; ++c) {
          Acc a = acc_bias();
          for (int k = 0; k < axis.count[x]; ++k) a = acc_madd(a, columns[base + k * ps + c], w[k]);
          acc_store_clip(a, results[(x - x0) * channels + c]);
        }
      }
      // 3. Transpose back: out[r0 + r][x0 * channels + j] = results[j][r].
      for (int j = 0; j < nresults; j += 16) {
        const std::uint8_t* src[kBlockRows];
        for (int r = 0; r < 16; ++r) src[r] = results[std::min(j + r, nresults + 15)];
        alignas(16) std::uint8_t block[16][16];
        x86::transpose16x16(src, block[0], 16);
        const int n = std::min(16, nresults - j);
        for (int r = 0; r < nrows; ++r) {
          std::memcpy(out + (r0 + r) * out_row_stride + x0 * channels + j, block[r], n);
        }
      }
    }
    x0 = x1;
  }
}
