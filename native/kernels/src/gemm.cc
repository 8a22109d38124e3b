#include <cblas.h>
#include <cmath>
#include "kernels.h"
#include "parallel_gemm.h"

namespace privlab {

void BatchGemm(const GemmShape& s, const float* a, const float* b, float* c) {
  const int lda = s.transA ? s.m : s.k;
  const int ldb = s.transB ? s.k : s.n;
  const std::size_t strideC = static_cast<std::size_t>(s.m) * s.n;
  const CBLAS_TRANSPOSE ta = s.transA ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = s.transB ? CblasTrans : CblasNoTrans;
  if (s.k == 0) {  // empty inner dimension: the product is all zeros (BLAS would leave C alone)
    for (std::size_t i = 0; i < strideC * s.batch; ++i) c[i] = 0.f;
    return;
  }
  // When every batch entry shares B (stride 0) and A is not transposed, the A matrices stacked
  // are one [batch·m, k] matrix: one tall GEMM instead of `batch` small ones.
  if (s.batch > 1 && s.strideB == 0 && !s.transA && s.strideA == static_cast<std::size_t>(s.m) * s.k) {
    Sgemm(CblasNoTrans, tb, s.batch * s.m, s.n, s.k, a, lda, b, ldb, 0.f, c, s.n);
    return;
  }
  for (int i = 0; i < s.batch; ++i) {
    Sgemm(ta, tb, s.m, s.n, s.k, a + i * s.strideA, lda, b + i * s.strideB, ldb, 0.f, c + i * strideC, s.n);
  }
}

void BiasActivation(float* c, int batch, int m, int n, const float* bias, BiasKind kind, Activation act, float alpha) {
  const std::size_t rows = static_cast<std::size_t>(batch) * m;
  if (kind != BiasKind::None) {
    for (std::size_t r = 0; r < rows; ++r) {
      float* row = c + r * n;
      const float* bv;
      switch (kind) {
        case BiasKind::Scalar: {
          const float s = bias[0];
          for (int j = 0; j < n; ++j) row[j] += s;
          continue;
        }
        case BiasKind::PerColumn: bv = bias; break;
        case BiasKind::PerMatrix: bv = bias + (r % m) * n; break;
        default: bv = bias + r * n; break;  // Full
      }
      for (int j = 0; j < n; ++j) row[j] += bv[j];
    }
  }
  if (act != Activation::Linear) ActivationForward(c, c, rows * n, act, alpha);
}

}  // namespace privlab
