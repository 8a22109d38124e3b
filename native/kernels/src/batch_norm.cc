// Batch normalisation over the rows of a [rows, channels] matrix (NHWC with rows = N·H·W),
// with the batch's own statistics, and its gradient. Sums are accumulated in double: a
// channel of a 16x16 map over a batch is a few hundred to tens of thousands of floats, and
// the gradient's two means are differences of nearly equal sums.
#include <cmath>
#include <vector>
#include "kernels.h"

namespace privlab {

void BatchNormForward(const float* x, int rows, int channels, const float* gamma, const float* beta, float epsilon,
                      float* y, float* mean, float* invStd) {
  std::vector<double> sum(channels, 0.0), sq(channels, 0.0);
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<std::size_t>(r) * channels;
    for (int c = 0; c < channels; ++c) sum[c] += xr[c];
  }
  for (int c = 0; c < channels; ++c) sum[c] /= rows;
  // Two passes (mean, then squared deviations): the one-pass E[x²] − E[x]² loses the
  // variance of channels whose mean is large against their spread.
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<std::size_t>(r) * channels;
    for (int c = 0; c < channels; ++c) {
      const double d = xr[c] - sum[c];
      sq[c] += d * d;
    }
  }
  std::vector<float> scale(channels), shift(channels);
  for (int c = 0; c < channels; ++c) {
    const double is = 1.0 / std::sqrt(sq[c] / rows + epsilon);
    mean[c] = static_cast<float>(sum[c]);
    invStd[c] = static_cast<float>(is);
    scale[c] = static_cast<float>(gamma[c] * is);
    shift[c] = static_cast<float>(beta[c] - sum[c] * gamma[c] * is);
  }
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<std::size_t>(r) * channels;
    float* yr = y + static_cast<std::size_t>(r) * channels;
    for (int c = 0; c < channels; ++c) yr[c] = xr[c] * scale[c] + shift[c];
  }
}

void BatchNormBackward(const float* dy, const float* x, const float* mean, const float* invStd, const float* gamma, int rows,
                       int channels, float* dx, float* dgamma, float* dbeta) {
  std::vector<double> sdy(channels, 0.0), sdyx(channels, 0.0);
  for (int r = 0; r < rows; ++r) {
    const float* dr = dy + static_cast<std::size_t>(r) * channels;
    const float* xr = x + static_cast<std::size_t>(r) * channels;
    for (int c = 0; c < channels; ++c) {
      sdy[c] += dr[c];
      sdyx[c] += static_cast<double>(dr[c]) * ((xr[c] - mean[c]) * invStd[c]);
    }
  }
  // dx = γσ⁻¹·(dy − Σdy/M − x̂·Σdy·x̂/M) = a·dy + b·x + k per channel.
  std::vector<float> a(channels), b(channels), k(channels);
  for (int c = 0; c < channels; ++c) {
    dbeta[c] = static_cast<float>(sdy[c]);
    dgamma[c] = static_cast<float>(sdyx[c]);
    const double g = static_cast<double>(gamma[c]) * invStd[c];
    const double meanDy = sdy[c] / rows, meanDyX = sdyx[c] / rows;
    a[c] = static_cast<float>(g);
    b[c] = static_cast<float>(-g * meanDyX * invStd[c]);
    k[c] = static_cast<float>(-g * (meanDy - meanDyX * invStd[c] * mean[c]));
  }
  for (int r = 0; r < rows; ++r) {
    const float* dr = dy + static_cast<std::size_t>(r) * channels;
    const float* xr = x + static_cast<std::size_t>(r) * channels;
    float* out = dx + static_cast<std::size_t>(r) * channels;
    for (int c = 0; c < channels; ++c) out[c] = a[c] * dr[c] + b[c] * xr[c] + k[c];
  }
}

}  // namespace privlab
