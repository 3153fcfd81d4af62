// OpenCV 2-tap horizontal pass (INTER_LINEAR, INTER_LINEAR_EXACT, AREA emulated
// by linear) for x86, shared by the AVX2 and AVX-512 files. No gathers: like
// OpenCV's HResizeLinearVec_8u32s, each output pixel loads the 8 bytes at its
// first tap (both taps' channels, for 3 channels) and one vpmaddwd of the
// (p0, p1) and (w0, w1) int16 pairs gives h = p0 * w0 + p1 * w1 exactly in int32
// (pixels <= 255, |w| <= 2049: no saturation). The plan's per-element tables
// (kernels::OpencvTaps) guarantee the second tap is the byte `channels` after
// the first (or has weight 0) and that the 8 bytes from the first tap's pixel
// lie inside the row for the first simd_elements elements; pixels past that,
// and the last pixel (its 4-lane store would spill one element), use the
// scalar rule.
// Include inside the ISA namespace after <immintrin.h>, <cstring> and
// "../kernels.hpp".

namespace {

inline std::int32_t opencv_scalar_element(const std::uint8_t* line, std::ptrdiff_t ps, int channels,
                                          const OpencvTaps& taps, int e) {
  const int x = e / channels, c = e % channels;
  const std::int32_t* idx = taps.index + 2 * x;
  const std::int32_t* w = taps.weight + 2 * x;
  return line[idx[0] * ps + c] * w[0] + line[idx[1] * ps + c] * w[1];
}

inline int u16_at(const std::uint8_t* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

}  // namespace

void opencv_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                       std::ptrdiff_t in_pixel_stride, int rows, int channels,
                       const OpencvTaps& taps, int out_width, std::int32_t* out,
                       std::ptrdiff_t out_row_stride) {
  if (taps.ksize != 2 || taps.element_offset == nullptr || in_pixel_stride != channels ||
      (channels != 1 && channels != 3)) {
    reference::opencv_horizontal(in, in_row_stride, in_pixel_stride, rows, channels, taps, out_width, out,
                                 out_row_stride);
    return;
  }
  const int elements = out_width * channels;
  const int simd = taps.simd_elements;
  const std::int32_t* off = taps.element_offset;
  const std::int32_t* wts = taps.element_weights;
  // Rows are visited inside the pixel loops, so the tables are read once for all rows.
  int e = 0;
  if (channels == 3) {
    // Two pixels x, x + 1 per step: bytes a0..a7 at x's first tap and b0..b7 at
    // x + 1's, in both 128-bit lanes; pairs (a0,a3) (a1,a4) (a2,a5) (b0,b3) |
    // (b1,b4) (b2,b5) and two spares whose results later pixels (or the scalar
    // tail) overwrite.
    const __m256i pairs2 = _mm256_setr_epi8(0, -128, 3, -128, 1, -128, 4, -128, 2, -128, 5, -128, 8, -128, 11, -128,
                                            9, -128, 12, -128, 10, -128, 13, -128, 11, -128, 14, -128, 11, -128, 14, -128);
    for (; e + 5 < simd && e + 8 <= elements; e += 6) {
      const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wts + e));
      const std::ptrdiff_t oa = off[e], ob = off[e + 3];
      for (int y = 0; y < rows; ++y) {
        const std::uint8_t* line = in + y * in_row_stride;
        const __m128i ab = _mm_castpd_si128(
            _mm_loadh_pd(_mm_castsi128_pd(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(line + oa))),
                         reinterpret_cast<const double*>(line + ob)));
        const __m256i v = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(ab), pairs2);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + y * out_row_stride + e), _mm256_madd_epi16(v, w));
      }
    }
    // One pixel per step: pairs (b0,b3) (b1,b4) (b2,b5) and a spare (b3,b6).
    const __m128i pairs = _mm_setr_epi8(0, -128, 3, -128, 1, -128, 4, -128, 2, -128, 5, -128, 3, -128, 6, -128);
    for (; e + 2 < simd && e + 4 <= elements; e += 3) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wts + e));
      for (int y = 0; y < rows; ++y) {
        const __m128i v = _mm_shuffle_epi8(
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in + y * in_row_stride + off[e])), pairs);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + y * out_row_stride + e), _mm_madd_epi16(v, w));
      }
    }
  } else {
    // 4 outputs: the byte pairs (p0, p1) at each first tap, widened to int16.
    for (; e + 4 <= simd; e += 4) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wts + e));
      for (int y = 0; y < rows; ++y) {
        const std::uint8_t* line = in + y * in_row_stride;
        __m128i v = _mm_cvtsi32_si128(u16_at(line + off[e]));
        v = _mm_insert_epi16(v, u16_at(line + off[e + 1]), 1);
        v = _mm_insert_epi16(v, u16_at(line + off[e + 2]), 2);
        v = _mm_insert_epi16(v, u16_at(line + off[e + 3]), 3);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + y * out_row_stride + e),
                         _mm_madd_epi16(_mm_cvtepu8_epi16(v), w));
      }
    }
  }
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* line = in + y * in_row_stride;
    std::int32_t* dst = out + y * out_row_stride;
    for (int i = e; i < elements; ++i) dst[i] = opencv_scalar_element(line, in_pixel_stride, channels, taps, i);
  }
}

// INTER_AREA with factors 2 x 2 (also INTER_LINEAR and INTER_LINEAR_EXACT at
// exactly 1/2): whole blocks are (a + b + c + d + 2) >> 2 in 16-bit lanes (at
// most 4 * 255 + 2), like ResizeAreaFastVec_SIMD_8u; everything else (other
// factors, blocks cut by the border, other layouts) is the reference kernel.
void opencv_area_fast(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                      std::ptrdiff_t in_pixel_stride, int channels, const OpencvSpans& ys,
                      int out_rows, const OpencvSpans& xs, int out_width, std::uint8_t* out,
                      std::ptrdiff_t out_row_stride) {
  if (xs.block != 2 || ys.block != 2 || in_pixel_stride != channels || (channels != 1 && channels != 3) ||
      out_width == 0) {
    reference::opencv_area_fast(in, in_row_stride, in_pixel_stride, channels, ys, out_rows, xs, out_width, out,
                                out_row_stride);
    return;
  }
  // Leading outputs that are whole, consecutive blocks, and how many of them a
  // 16-byte load at their first byte keeps inside the row.
  const int row_bytes = (xs.first[out_width - 1] + xs.count[out_width - 1]) * channels;
  int whole = 0;
  while (whole < out_width && xs.count[whole] == 2 && xs.first[whole] == xs.first[0] + 2 * whole) ++whole;
  const __m128i two = _mm_set1_epi16(2);
  const __m128i ones = _mm_set1_epi8(1);
  const __m128i first_px = _mm_setr_epi8(0, 1, 2, 6, 7, 8, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128);
  const __m128i second_px = _mm_setr_epi8(3, 4, 5, 9, 10, 11, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128);
  for (int y = 0; y < out_rows; ++y) {
    const OpencvSpans row_y{ys.ksize, ys.first + y, ys.count + y, nullptr, ys.block};
    if (ys.count[y] != 2) {
      reference::opencv_area_fast(in, in_row_stride, in_pixel_stride, channels, row_y, 1, xs, out_width,
                                  out + y * out_row_stride, out_row_stride);
      continue;
    }
    const std::uint8_t* r0 = in + ys.first[y] * in_row_stride + xs.first[0] * channels;
    const std::uint8_t* r1 = r0 + in_row_stride;
    std::uint8_t* dst = out + y * out_row_stride;
    int x = 0;
    if (channels == 1) {
      for (; x + 8 <= whole && xs.first[0] + 2 * x + 16 <= row_bytes; x += 8) {
        const __m128i a = _mm_maddubs_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + 2 * x)), ones);
        const __m128i b = _mm_maddubs_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r1 + 2 * x)), ones);
        const __m128i s = _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(a, b), two), 2);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + x), _mm_packus_epi16(s, s));
      }
    } else {
      // Two output pixels per step from the 12 bytes of their 4 input pixels; the
      // 8-byte store's 2 spare bytes are rewritten by the next step or the tail.
      for (; x + 3 <= whole && (xs.first[0] + 2 * x) * 3 + 16 <= row_bytes; x += 2) {
        const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + 6 * x));
        const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r1 + 6 * x));
        const __m128i s = _mm_add_epi16(
            _mm_add_epi16(_mm_cvtepu8_epi16(_mm_shuffle_epi8(v0, first_px)),
                          _mm_cvtepu8_epi16(_mm_shuffle_epi8(v0, second_px))),
            _mm_add_epi16(_mm_cvtepu8_epi16(_mm_shuffle_epi8(v1, first_px)),
                          _mm_cvtepu8_epi16(_mm_shuffle_epi8(v1, second_px))));
        const __m128i r = _mm_srli_epi16(_mm_add_epi16(s, two), 2);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + 3 * x), _mm_packus_epi16(r, r));
      }
    }
    if (x < out_width) {
      const OpencvSpans rest{xs.ksize, xs.first + x, xs.count + x, nullptr, xs.block};
      reference::opencv_area_fast(in, in_row_stride, in_pixel_stride, channels,
                                  row_y, 1, rest, out_width - x, dst + x * channels, out_row_stride);
    }
  }
}
