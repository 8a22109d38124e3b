// Threads for the GEMMs: a process-wide setting the JS side picks (PRIVLAB_BLAS_THREADS,
// default: all cores), shared by Node's main thread and the GEMM workers (parallel_gemm.cc).
#include <cblas.h>
#include "kernels.h"
#include "parallel_gemm.h"

namespace privlab {

void SetBlasThreads(int n, bool pool) { SetGemmThreads(n, pool); }
int BlasThreads() { return GemmThreads(); }
bool BlasPoolThreading() { return GemmPoolThreading(); }
const char* BlasConfig() { return openblas_get_config(); }

}  // namespace privlab
