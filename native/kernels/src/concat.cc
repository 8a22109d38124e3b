// Channel concatenation of NHWC tensors and its gradient, a split: with the channels as the
// columns of a [rows, channels] matrix, each row is copied piece by piece.
#include "kernels.h"

namespace privlab {

void SplitColumns(const float* x, int rows, int cols, const int* widths, int parts, float* const* outs) {
  for (int r = 0; r < rows; ++r) {
    const float* src = x + static_cast<std::size_t>(r) * cols;
    for (int p = 0; p < parts; ++p) {
      const int w = widths[p];
      float* dst = outs[p] + static_cast<std::size_t>(r) * w;
      for (int j = 0; j < w; ++j) dst[j] = src[j];
      src += w;
    }
  }
}

void ConcatColumns(const float* const* ins, const int* widths, int parts, int rows, float* out) {
  int cols = 0;
  for (int p = 0; p < parts; ++p) cols += widths[p];
  for (int r = 0; r < rows; ++r) {
    float* dst = out + static_cast<std::size_t>(r) * cols;
    for (int p = 0; p < parts; ++p) {
      const int w = widths[p];
      const float* src = ins[p] + static_cast<std::size_t>(r) * w;
      for (int j = 0; j < w; ++j) dst[j] = src[j];
      dst += w;
    }
  }
}

}  // namespace privlab
