// The elementwise steps (to_float, cast, add, sub, mul, div, normalize) and the
// dtype conversion as per-channel 256-entry lookup tables: a precision decision,
// made once per contract in scalar code with the reference's exact operation
// order, so every ISA's writer only looks values up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "contract/contract.hpp"
#include "kernels/write.hpp"

namespace pixelpact::detail {

// Per output channel c, entry c * 256 + byte: the value of that byte after the
// elementwise chain, in the output dtype (float16 as its bit pattern). Only the
// table of the contract's output dtype is filled.
struct ElementwiseTables {
  std::vector<std::uint8_t> u8;
  std::vector<std::uint16_t> u16;
  std::vector<float> f32;
  // float32 or float16 output whose chain is float32 arithmetic: the values of
  // `f32` or `u16`, proven on every entry, as operations a SIMD writer computes
  // without tables (for float16, then rounded to nearest even).
  bool has_chain = false;
  kernels::FloatChain chain;
  // Contracts with a float resize: the float32 value of every byte after the
  // elementwise steps before the resize (the rest run per element, run_chain).
  std::vector<float> before_resize;
};

// Throws Error(Internal) for an output dtype without a writer (float64).
ElementwiseTables build_elementwise_tables(const Contract& contract);

// Steps arithmetic[begin, end) of the contract on `x` (exact in the current
// dtype), for output channel `channel`: each step in its dtype (to_float's, or
// the last cast's) with its operand cast to that dtype first (as torch does with
// a Python scalar or a float32 mean/std tensor, and numpy with a float32 array).
// A cast to float32 rounds the value.
double run_chain(const Contract& contract, int channel, double x, std::size_t begin, std::size_t end);

// run_chain on each of values[0, n), one step over all of them at a time: the
// same operations on each value, in a loop the compiler can vectorize.
void run_chain_row(const Contract& contract, int channel, double* values, std::size_t n, std::size_t begin,
                   std::size_t end);

}  // namespace pixelpact::detail
