// Kernel entry points. Kernels are internal: they trust their arguments (the plan
// validated everything), never allocate, never throw, never print.
//
// Pixel buffers are uint8 with channel stride 1; rows and pixels may have any
// byte stride (negative included). Every kernel has one scalar reference here
// (kernels/reference/) that is the specification; SIMD variants live beside it
// in per-ISA folders and must produce identical bytes.
#pragma once

#include <cstddef>
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

// OpenCV cv2.resize taps of one axis (engine "opencv", kernels/reference/
// opencv_resize.cpp): output i reads inputs index[i * ksize + k] (already clamped
// to the image, relative to the first input element given) with integer weights
// weight[i * ksize + k].
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

// torch's float32 resize of one plane (engine "torch" after to_float; kernels/
// reference/torch_float_resize.cpp, built by torch_coefficients.cpp). Per axis
// and output i: `taps` input indices index[i * taps + k] (clamped to the plane)
// and float weights weight[i * taps + k]; for Area, first[i] and count[i] of the
// pooling window.
enum class TorchFloatKind {
  LinearGeneric,       // upsample_generic_Nd_kernel_impl<2, HelperInterpLinear>
  LinearChannelsLast,  // cpu_upsample_linear_channels_last (output h + w <= 128)
  Cubic,               // upsample_generic_Nd_kernel_impl<2, HelperInterpCubic>
  Area,                // cpu_adaptive_avg_pool2d
  Antialias,           // separable_upsample_generic_Nd_kernel_impl (antialias=True)
};
struct TorchFloatAxis {
  int taps = 0;
  const std::int32_t* index = nullptr;
  const float* weight = nullptr;
  const std::int32_t* first = nullptr;  // Area, Antialias (weights at weight[i * taps])
  const std::int32_t* count = nullptr;  // Area, Antialias
};
struct TorchFloatResize {
  TorchFloatKind kind = TorchFloatKind::LinearGeneric;
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  TorchFloatAxis y, x;
  float* scratch = nullptr;  // Antialias: in_h * out_w floats (the horizontal pass)
};

// Final writer: colour order, per-channel lookup table (the whole elementwise
// chain and the dtype conversion, precomputed) and layout, in one pass.
//   value(y, x, c) = lut[c * 256 + pixel(y, x)[source_channel[c]]]
// where pixel(y, x) is the source pixel if (y, x) lies in the stored rectangle
// [src_y0, src_y0 + src_rows) x [src_x0, src_x0 + src_cols), and the pixel `pad`
// otherwise (padding; working channel order like the source pixels). Output is 3 channels, planar (C, H, W) or interleaved
// (H, W, C), C-contiguous. T is the output element type (uint16 for float16 bits).
struct TensorWrite {
  const std::uint8_t* src = nullptr;  // pixel (src_y0, src_x0)
  std::ptrdiff_t src_row_stride = 0;
  std::ptrdiff_t src_pixel_stride = 0;
  int src_y0 = 0, src_x0 = 0, src_rows = 0, src_cols = 0;
  int source_channel[3] = {0, 1, 2};
  std::uint8_t pad[3] = {0, 0, 0};
  int height = 0, width = 0;
  bool planar = true;
};

// The kernels of one instruction set. Every table has every entry; an ISA that
// has no faster version of a kernel points at the reference one.
struct KernelTable {
  const char* name;  // "reference", "avx2", "avx512", "neon"

  // Horizontal pass: for each of `rows` rows, out_width outputs along x.
  void (*conv_horizontal)(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                            std::ptrdiff_t in_pixel_stride, int rows, int channels,
                            const ConvAxis& axis, int out_width, std::uint8_t* out,
                            std::ptrdiff_t out_row_stride);

  // Vertical pass: out_rows output rows, each `width` pixels wide; output row i
  // reads input rows first[i] .. first[i] + count[i] - 1.
  void (*conv_vertical)(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                          std::ptrdiff_t in_pixel_stride, int width, int channels,
                          const ConvAxis& axis, int out_rows, std::uint8_t* out,
                          std::ptrdiff_t out_row_stride);

  // Nearest-neighbour gather: out[y][x] = in[src_y[y]][src_x[x]], or 0 where an
  // index is -1 (Pillow leaves such pixels black).
  void (*gather_nearest)(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                         std::ptrdiff_t in_pixel_stride, int channels, const std::int32_t* src_y,
                         int out_rows, const std::int32_t* src_x, int out_width, std::uint8_t* out,
                         std::ptrdiff_t out_row_stride);

  void (*write_tensor_u8)(const TensorWrite& w, const std::uint8_t* lut, std::uint8_t* out);
  void (*write_tensor_u16)(const TensorWrite& w, const std::uint16_t* lut, std::uint16_t* out);
  void (*write_tensor_f32)(const TensorWrite& w, const float* lut, float* out);

  // OpenCV (kernels/reference/opencv_resize.cpp). Horizontal pass to int32 rows:
  //   out[y][i * channels + c] = sum_k in[y][index_ik][c] * weight_ik
  void (*opencv_horizontal)(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                            std::ptrdiff_t in_pixel_stride, int rows, int channels,
                            const OpencvTaps& taps, int out_width, std::int32_t* out,
                            std::ptrdiff_t out_row_stride);
  // INTER_LINEAR vertical pass (VResizeLinear<uchar>), `elements` int32 per row:
  //   out = uint8((((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16) + 2) >> 2)
  void (*opencv_vertical_linear)(const std::int32_t* in, std::ptrdiff_t in_row_stride, int elements,
                                 const OpencvTaps& taps, int out_rows, std::uint8_t* out,
                                 std::ptrdiff_t out_row_stride);
  // Fixed-point vertical pass: out = sat_u8((sum_k h_k * b_k + 2^(shift-1)) >> shift)
  void (*opencv_vertical_fixed)(const std::int32_t* in, std::ptrdiff_t in_row_stride, int elements,
                                const OpencvTaps& taps, int shift, int out_rows, std::uint8_t* out,
                                std::ptrdiff_t out_row_stride);
  // INTER_CUBIC vertical pass (VResizeCubic<uchar> + VResizeCubicVec_32s8u): the
  // first `float_elements` of each row in float, the rest in int (shift 22).
  void (*opencv_vertical_cubic)(const std::int32_t* in, std::ptrdiff_t in_row_stride, int elements,
                                const OpencvTaps& taps, int float_elements, int out_rows,
                                std::uint8_t* out, std::ptrdiff_t out_row_stride);
  // INTER_AREA, non-integer factors: float rows, then float vertical sums.
  void (*opencv_area_horizontal)(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                                 std::ptrdiff_t in_pixel_stride, int rows, int channels,
                                 const OpencvSpans& x, int out_width, float* out,
                                 std::ptrdiff_t out_row_stride);
  void (*opencv_area_vertical)(const float* in, std::ptrdiff_t in_row_stride, int elements,
                               const OpencvSpans& y, int out_rows, std::uint8_t* out,
                               std::ptrdiff_t out_row_stride);
  // torch float32 resize of one packed plane (in_h x in_w -> out_h x out_w).
  void (*torch_float_resize)(const TorchFloatResize& r, const float* in, float* out);
  // INTER_AREA, integer factors (resizeAreaFast_): block sums.
  void (*opencv_area_fast)(const std::uint8_t* in, std::ptrdiff_t in_row_stride,
                           std::ptrdiff_t in_pixel_stride, int channels, const OpencvSpans& y,
                           int out_rows, const OpencvSpans& x, int out_width, std::uint8_t* out,
                           std::ptrdiff_t out_row_stride);
};

// Declares the kernels of one ISA namespace; each ISA folder defines the ones
// it implements and builds its `table` from them and the reference ones.
#define PIXELPACT_DECLARE_KERNELS                                                          \
  void conv_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,             \
                         std::ptrdiff_t in_pixel_stride, int rows, int channels,           \
                         const ConvAxis& axis, int out_width, std::uint8_t* out,         \
                         std::ptrdiff_t out_row_stride);                                   \
  void conv_vertical(const std::uint8_t* in, std::ptrdiff_t in_row_stride,               \
                       std::ptrdiff_t in_pixel_stride, int width, int channels,            \
                       const ConvAxis& axis, int out_rows, std::uint8_t* out,            \
                       std::ptrdiff_t out_row_stride);                                     \
  void gather_nearest(const std::uint8_t* in, std::ptrdiff_t in_row_stride,                \
                      std::ptrdiff_t in_pixel_stride, int channels, const std::int32_t* src_y, \
                      int out_rows, const std::int32_t* src_x, int out_width, std::uint8_t* out, \
                      std::ptrdiff_t out_row_stride);                                      \
  void write_tensor_u8(const TensorWrite& w, const std::uint8_t* lut, std::uint8_t* out);   \
  void write_tensor_u16(const TensorWrite& w, const std::uint16_t* lut, std::uint16_t* out); \
  void write_tensor_f32(const TensorWrite& w, const float* lut, float* out);                \
  void opencv_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,             \
                         std::ptrdiff_t in_pixel_stride, int rows, int channels,           \
                         const OpencvTaps& taps, int out_width, std::int32_t* out,         \
                         std::ptrdiff_t out_row_stride);                                   \
  void opencv_vertical_linear(const std::int32_t* in, std::ptrdiff_t in_row_stride,        \
                              int elements, const OpencvTaps& taps, int out_rows,          \
                              std::uint8_t* out, std::ptrdiff_t out_row_stride);           \
  void opencv_vertical_fixed(const std::int32_t* in, std::ptrdiff_t in_row_stride,         \
                             int elements, const OpencvTaps& taps, int shift, int out_rows, \
                             std::uint8_t* out, std::ptrdiff_t out_row_stride);            \
  void opencv_vertical_cubic(const std::int32_t* in, std::ptrdiff_t in_row_stride,         \
                             int elements, const OpencvTaps& taps, int float_elements,     \
                             int out_rows, std::uint8_t* out, std::ptrdiff_t out_row_stride); \
  void opencv_area_horizontal(const std::uint8_t* in, std::ptrdiff_t in_row_stride,        \
                              std::ptrdiff_t in_pixel_stride, int rows, int channels,      \
                              const OpencvSpans& x, int out_width, float* out,             \
                              std::ptrdiff_t out_row_stride);                              \
  void opencv_area_vertical(const float* in, std::ptrdiff_t in_row_stride, int elements,   \
                            const OpencvSpans& y, int out_rows, std::uint8_t* out,         \
                            std::ptrdiff_t out_row_stride);                                \
  void torch_float_resize(const TorchFloatResize& r, const float* in, float* out);           \
  void opencv_area_fast(const std::uint8_t* in, std::ptrdiff_t in_row_stride,              \
                        std::ptrdiff_t in_pixel_stride, int channels, const OpencvSpans& y, \
                        int out_rows, const OpencvSpans& x, int out_width, std::uint8_t* out, \
                        std::ptrdiff_t out_row_stride);                                    \
  extern const KernelTable table;

namespace reference {
PIXELPACT_DECLARE_KERNELS
}
#if defined(PIXELPACT_HAVE_AVX2)
namespace avx2 {
PIXELPACT_DECLARE_KERNELS
}
#endif
#if defined(PIXELPACT_HAVE_AVX512)
namespace avx512 {
PIXELPACT_DECLARE_KERNELS
}
#endif
#if defined(PIXELPACT_HAVE_NEON)
namespace neon {
PIXELPACT_DECLARE_KERNELS
}
#endif

}  // namespace pixelpact::kernels
