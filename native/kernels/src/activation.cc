// Elementwise activations and their gradients. Plain loops that gcc vectorises at -O3;
// the transcendental ones (sigmoid, tanh, elu) call the C library per element.
#include <cmath>
#include "kernels.h"

namespace privlab {

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
      for (std::size_t i = 0; i < n; ++i) y[i] = 1.f / (1.f + std::exp(-x[i]));
      return;
    case Activation::Elu:
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i] >= 0.f ? x[i] : std::expm1(x[i]);
      return;
    case Activation::Tanh:
      for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
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
