#include "plan/elementwise.hpp"

#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels/half.hpp"

namespace pixelpact::detail {
namespace {

// values[i] = op(values[i], v) in T for every i: one loop per operation, so the
// compiler vectorizes it.
template <typename T>
void apply_row(ArithOp op, double* values, std::size_t n, T v) {
  switch (op) {
    case ArithOp::Add: for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<T>(values[i]) + v; break;
    case ArithOp::Sub: for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<T>(values[i]) - v; break;
    case ArithOp::Mul: for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<T>(values[i]) * v; break;
    case ArithOp::Div: for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<T>(values[i]) / v; break;
    case ArithOp::Cast: break;
  }
}

// The whole chain for one byte value. float64 results reach float16 through
// float32, as torch's Tensor.half() does on a float64 tensor.
float chain_to_float(const Contract& c, int channel, int byte) {
  if (!c.has_float) return static_cast<float>(byte);
  // byte is exactly representable in the current dtype
  return static_cast<float>(run_chain(c, channel, byte, 0, c.arithmetic.size()));
}

// The contract's chain as a FloatChain, if each of its steps computes in
// float32 (a cast changes nothing in a float32 value) and there are few enough.
bool float32_steps(const Contract& c, kernels::FloatChain& chain) {
  if (!c.has_float) return true;  // the bytes as floats: no steps
  for (const ArithStep& a : c.arithmetic) {
    if (a.op == ArithOp::Cast) continue;
    if (a.dtype != DType::Float32 || chain.steps == kernels::FloatChain::kMaxSteps) return false;
    using Op = kernels::FloatChain::Op;
    chain.op[chain.steps] = a.op == ArithOp::Add ? Op::Add : a.op == ArithOp::Sub ? Op::Sub
                            : a.op == ArithOp::Mul ? Op::Mul : Op::Div;
    for (int ch = 0; ch < 3; ++ch) chain.operand[chain.steps][ch] = static_cast<float>(a.value[ch]);
    ++chain.steps;
  }
  return true;
}

bool zero_or_normal(float v) { return v == 0.0f || std::fpclassify(v) == FP_NORMAL; }

// Whether `chain` gives exactly `table` (3 x 256 entries: float32 values, or the
// float16 bits of float16 output) with every operand, intermediate and result
// zero or a normal number: no infinity or NaN, and no subnormal that a
// flush-to-zero mode on another thread could change. A float16 result must be
// zero or normal too (subnormal halves are left to the table for the same reason).
template <typename T>
bool proven_equal(const kernels::FloatChain& chain, const std::vector<T>& table) {
  for (int s = 0; s < chain.steps; ++s)
    for (int ch = 0; ch < 3; ++ch)
      if (!zero_or_normal(chain.operand[s][ch])) return false;
  for (int ch = 0; ch < 3; ++ch) {
    for (int b = 0; b < 256; ++b) {
      kernels::FloatChain prefix = chain;
      for (prefix.steps = 0; prefix.steps <= chain.steps; ++prefix.steps) {
        if (!zero_or_normal(prefix.apply(ch, static_cast<float>(b)))) return false;
      }
      const float value = chain.apply(ch, static_cast<float>(b));
      T result;
      if constexpr (std::is_same_v<T, float>) {
        result = value;
      } else {
        result = kernels::float_to_half_bits(value);
        const std::uint16_t magnitude = result & 0x7fffu;
        if (magnitude != 0 && (magnitude < 0x0400u || magnitude >= 0x7c00u)) return false;  // subnormal, inf
      }
      if (std::memcmp(&result, &table[ch * 256 + b], sizeof result) != 0) return false;
    }
  }
  return true;
}

}  // namespace

void run_chain_row(const Contract& c, int channel, double* values, std::size_t n, std::size_t begin,
                   std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) {
    const ArithStep& a = c.arithmetic[i];
    if (a.op == ArithOp::Cast) {
      if (a.dtype == DType::Float32) {
        for (std::size_t k = 0; k < n; ++k) values[k] = static_cast<float>(values[k]);
      }
    } else if (a.dtype == DType::Float64) {
      apply_row<double>(a.op, values, n, a.value[channel]);
    } else {
      apply_row<float>(a.op, values, n, static_cast<float>(a.value[channel]));
    }
  }
}

double run_chain(const Contract& c, int channel, double x, std::size_t begin, std::size_t end) {
  run_chain_row(c, channel, &x, 1, begin, end);
  return x;
}

ElementwiseTables build_elementwise_tables(const Contract& c) {
  ElementwiseTables t;
  if (c.has_float_resize) {
    t.before_resize.resize(3 * 256);
    for (int ch = 0; ch < 3; ++ch)
      for (int b = 0; b < 256; ++b)
        t.before_resize[ch * 256 + b] = static_cast<float>(run_chain(c, ch, b, 0, c.arithmetic_before_resize));
  }
  // Per-channel values are listed in output channel order.
  switch (c.output_dtype) {
    case DType::UInt8:
      t.u8.resize(3 * 256);
      for (int ch = 0; ch < 3; ++ch)
        for (int b = 0; b < 256; ++b) t.u8[ch * 256 + b] = static_cast<std::uint8_t>(b);
      break;
    case DType::Float16:
      t.u16.resize(3 * 256);
      for (int ch = 0; ch < 3; ++ch)
        for (int b = 0; b < 256; ++b) t.u16[ch * 256 + b] = kernels::float_to_half_bits(chain_to_float(c, ch, b));
      t.has_chain = float32_steps(c, t.chain) && proven_equal(t.chain, t.u16);
      break;
    case DType::Float32:
      t.f32.resize(3 * 256);
      for (int ch = 0; ch < 3; ++ch)
        for (int b = 0; b < 256; ++b) t.f32[ch * 256 + b] = chain_to_float(c, ch, b);
      t.has_chain = float32_steps(c, t.chain) && proven_equal(t.chain, t.f32);
      break;
    case DType::Float64:
      throw Error(ErrorCode::Internal, "/output/dtype", "float64 output is not implemented");
  }
  return t;
}

}  // namespace pixelpact::detail
