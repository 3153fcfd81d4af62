// The FloatChain step loop the x86 chain writers share, over one ISA's float
// vector: `Vector` ops (a struct of static functions: Vector, set1, add, sub,
// mul, div, each one correctly rounded instruction).
#pragma once

#include "kernels/write.hpp"

namespace pixelpact::kernels::x86 {

// A FloatChain on K vectors of one channel, each step applied to all K at once:
// K independent operations per step, so the latency of a division chain
// overlaps, and one branch per step for K vectors.
template <typename Vector>
class ChainLanes {
 public:
  using V = typename Vector::Vector;

  ChainLanes(const FloatChain& chain, int c) : steps_(chain.steps) {
    for (int s = 0; s < steps_; ++s) {
      op_[s] = chain.op[s];
      operand_[s] = Vector::set1(chain.operand[s][c]);
    }
  }

  template <int K>
  void apply(V (&r)[K]) const {
    for (int s = 0; s < steps_; ++s) {
      const V k = operand_[s];
      switch (op_[s]) {
        case FloatChain::Op::Add: for (int i = 0; i < K; ++i) r[i] = Vector::add(r[i], k); break;
        case FloatChain::Op::Sub: for (int i = 0; i < K; ++i) r[i] = Vector::sub(r[i], k); break;
        case FloatChain::Op::Mul: for (int i = 0; i < K; ++i) r[i] = Vector::mul(r[i], k); break;
        case FloatChain::Op::Div: for (int i = 0; i < K; ++i) r[i] = Vector::div(r[i], k); break;
      }
    }
  }

 private:
  int steps_;
  FloatChain::Op op_[FloatChain::kMaxSteps];
  V operand_[FloatChain::kMaxSteps];
};

}  // namespace pixelpact::kernels::x86
