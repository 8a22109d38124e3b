// Binary elementwise ops where one operand repeats cyclically over the other: same shape
// (period = size), a scalar (period 1), or a row vector over a matrix (period = row length).
// The loops run period by period so that the inner loop is contiguous and vectorises.
#include "kernels.h"

namespace privlab {
namespace {

template <typename Op>
void Cyclic(const float* big, std::size_t n, const float* small, std::size_t period, bool smallFirst, float* out, Op op) {
  for (std::size_t base = 0; base < n; base += period) {
    const float* x = big + base;
    float* y = out + base;
    if (smallFirst) {
      for (std::size_t j = 0; j < period; ++j) y[j] = op(small[j], x[j]);
    } else {
      for (std::size_t j = 0; j < period; ++j) y[j] = op(x[j], small[j]);
    }
  }
}

}  // namespace

void BinaryCyclic(BinaryOp opCode, const float* a, std::size_t aLen, const float* b, std::size_t bLen, float* out) {
  const bool aBig = aLen >= bLen;
  const float* big = aBig ? a : b;
  const float* small = aBig ? b : a;
  const std::size_t n = aBig ? aLen : bLen;
  const std::size_t period = aBig ? bLen : aLen;
  const bool smallFirst = !aBig;
  switch (opCode) {
    case BinaryOp::Add: Cyclic(big, n, small, period, smallFirst, out, [](float p, float q) { return p + q; }); break;
    case BinaryOp::Sub: Cyclic(big, n, small, period, smallFirst, out, [](float p, float q) { return p - q; }); break;
    case BinaryOp::Mul: Cyclic(big, n, small, period, smallFirst, out, [](float p, float q) { return p * q; }); break;
    case BinaryOp::Div: Cyclic(big, n, small, period, smallFirst, out, [](float p, float q) { return p / q; }); break;
  }
}

}  // namespace privlab
