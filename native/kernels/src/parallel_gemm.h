#pragma once
#include <cblas.h>

namespace privlab {

// Threads for matrix products. With `pool`, Sgemm() shares each product among the caller and
// n − 1 workers of its own, OpenBLAS running single-threaded; without, OpenBLAS runs n threads
// itself. The two kinds of threading never nest.
void SetGemmThreads(int n, bool pool);
int GemmThreads();
bool GemmPoolThreading();

// C = op(A)·op(B) + beta·C, row-major, shared among GemmThreads() threads (see parallel_gemm.cc).
void Sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
           float beta, float* c, int ldc);

}  // namespace privlab
