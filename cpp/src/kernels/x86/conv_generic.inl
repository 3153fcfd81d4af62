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
static_assert(kBlockRows == kConvRowGroup, "callers size their row splits by kConvRowGroup");
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
    std::int32_t acc = 1 << (kConvPrecisionBits - 1);
    const std::uint8_t* p = top + b;
    for (int k = 0; k < count; ++k, p += in_row_stride) acc += *p * w[k];
    dst[b] = static_cast<std::uint8_t>(std::clamp<std::int32_t>(acc >> kConvPrecisionBits, 0, 255));
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
  alignas(64) std::uint8_t columns[kStripColumns + 64][kBlockRows];
  alignas(64) std::uint8_t results[kStripOutputs * 4 + 16][kBlockRows];
  alignas(64) static const std::uint8_t zero_row[kStripColumns + 64] = {};

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
      x86::transpose_rows(src, nbytes, columns);
      // 2. Convolve along the transposed rows: one vector = 16 input rows.
      for (int x = x0; x < x1; ++x) {
        const std::int32_t* w = axis.weight + static_cast<std::ptrdiff_t>(x) * axis.ksize;
        const std::uint8_t* p = columns[(axis.first[x] - col_begin) * ps];
        const int n = axis.count[x];
        std::uint8_t* dst = results[(x - x0) * channels];
        if (channels == 3) {
          Acc a0 = acc_bias(), a1 = acc_bias(), a2 = acc_bias();
          for (int k = 0; k < n; ++k, p += ps * kBlockRows) {
            a0 = acc_madd(a0, p, w[k]);
            a1 = acc_madd(a1, p + kBlockRows, w[k]);
            a2 = acc_madd(a2, p + 2 * kBlockRows, w[k]);
          }
          acc_store_clip(a0, dst);
          acc_store_clip(a1, dst + kBlockRows);
          acc_store_clip(a2, dst + 2 * kBlockRows);
        } else {
          for (int c = 0; c < channels; ++c) {
            Acc a = acc_bias();
            for (int k = 0; k < n; ++k) a = acc_madd(a, p + (k * ps + c) * kBlockRows, w[k]);
            acc_store_clip(a, dst + c * kBlockRows);
          }
        }
      }
      // 3. Transpose back: out[r0 + r][x0 * channels + j] = results[j][r].
      for (int j = 0; j < nresults; j += 16) {
        const std::uint8_t* back[kBlockRows];
        for (int r = 0; r < 16; ++r) back[r] = results[j + r];
        alignas(16) std::uint8_t block[16][16];
        x86::transpose16x16(back, block[0], 16);
        std::uint8_t* dst = out + r0 * out_row_stride + x0 * channels + j;
        if (nresults - j >= 16) {
          for (int r = 0; r < nrows; ++r) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + r * out_row_stride),
                             _mm_load_si128(reinterpret_cast<const __m128i*>(block[r])));
          }
        } else {
          for (int r = 0; r < nrows; ++r) std::memcpy(dst + r * out_row_stride, block[r], nresults - j);
        }
      }
    }
    x0 = x1;
  }
}
