#include "kernels.h"

namespace privlab {

void SumRows(const float* x, int rows, int cols, float* out) {
  for (int j = 0; j < cols; ++j) out[j] = 0.f;
  // Row by row so that the inner loop runs over contiguous memory and vectorises.
  for (int i = 0; i < rows; ++i) {
    const float* row = x + static_cast<std::size_t>(i) * cols;
    for (int j = 0; j < cols; ++j) out[j] += row[j];
  }
}

void SumCols(const float* x, int rows, int cols, float* out) {
  for (int i = 0; i < rows; ++i) {
    const float* row = x + static_cast<std::size_t>(i) * cols;
    float s = 0.f;
    for (int j = 0; j < cols; ++j) s += row[j];
    out[i] = s;
  }
}

}  // namespace privlab
