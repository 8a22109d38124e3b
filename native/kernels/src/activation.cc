// Elementwise activations and their gradients: plain loops that gcc vectorises at -O3.
// Sigmoid and tanh use an exp written so that it vectorises too (the C library's expf and
// tanhf are scalar calls, ~15 ns each: the generator's tanh output layer cost more than its
// bias and activation otherwise). Elu keeps the C library's expm1 (accuracy near 0).
#include <cmath>
#include <cstdint>
#include <cstring>
#include "kernels.h"

namespace privlab {
namespace {

// exp(x) for float: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-7 polynomial (the
// Cephes expf coefficients, ~1 ulp), times 2^n built in the exponent bits. Inputs are
// clamped to where the result is a normal float; NaN stays NaN.
inline float VecExp(float x) {
  const float hi = 88.3762626647949f, lo = -87.3365447505531f;
  x = x > hi ? hi : x;
  x = x < lo ? lo : x;
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  // n is in [-126, 127] after the clamp; a NaN input makes p NaN, so any exponent will do.
  const float e = n == n ? n : 0.f;
  const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(e) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float VecSigmoid(float x) { return 1.f / (1.f + VecExp(-x)); }

// tanh: an odd polynomial near 0 (where 1 − 2/(e^{2x}+1) would cancel), the exp form elsewhere.
inline float VecTanh(float x) {
  const float a = std::fabs(x);
  const float z = x * x;
  const float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z
                       - 3.33332819422e-1f) * z * x + x;
  const float big = std::copysign(1.f - 2.f / (VecExp(a + a) + 1.f), x);
  return a < 0.625f ? small : big;
}

}  // namespace

void ActivationForward(const float* x, float* y, std::size_t n, Activation act, float alpha) {
  switch (act) {
    case Activation::Linear:
      if (x != y) for (std::size_t i = 0; i < n; ++i) y[i] = x[i];
      return;
    case Activation::Relu:
      // x > 0 ? x : 0 keeps NaN as NaN (tfjs's relu does too).
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? 0.f : x[i];
      return;
    case Activation::Relu6:
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? 0.f : (x[i] > 6.f ? 6.f : x[i]);
      return;
    case Activation::LeakyRelu:
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? alpha * x[i] : x[i];
      return;
    case Activation::Sigmoid:
      for (std::size_t i = 0; i < n; ++i) y[i] = VecSigmoid(x[i]);
      return;
    case Activation::Elu:
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i] >= 0.f ? x[i] : std::expm1(x[i]);
      return;
    case Activation::Tanh:
      for (std::size_t i = 0; i < n; ++i) y[i] = VecTanh(x[i]);
      return;
  }
}

void ActivationGradFromOutput(const float* dy, const float* y, float* dx, std::size_t n, Activation act, float alpha) {
  switch (act) {
    case Activation::Linear:
      for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i];
      return;
    case Activation::Relu:
      for (std::size_t i = 0; i < n; ++i) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
      return;
    case Activation::Relu6:
      for (std::size_t i = 0; i < n; ++i) dx[i] = (y[i] > 0.f && y[i] < 6.f) ? dy[i] : 0.f;
      return;
    case Activation::LeakyRelu:
      // For 0 < alpha the output has the sign of the input, so y decides the branch.
      for (std::size_t i = 0; i < n; ++i) dx[i] = y[i] > 0.f ? dy[i] : alpha * dy[i];
      return;
    case Activation::Sigmoid:
      for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.f - y[i]);
      return;
    case Activation::Elu:
      for (std::size_t i = 0; i < n; ++i) dx[i] = y[i] > 0.f ? dy[i] : dy[i] * (y[i] + 1.f);
      return;
    case Activation::Tanh:
      for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.f - y[i] * y[i]);
      return;
  }
}

void LeakyReluGradFromInput(const float* dy, const float* x, float* dx, std::size_t n, float alpha) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = x[i] > 0.f ? dy[i] : alpha * dy[i];
}

}  // namespace privlab
