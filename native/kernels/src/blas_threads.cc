// OpenBLAS's own worker threads do the GEMMs. Their number is a process-wide setting;
// the JS side picks it (PRIVLAB_BLAS_THREADS, default: all cores) because on a 2-core
// machine Node's main thread and OpenBLAS's workers share the same cores.
#include <cblas.h>
#include "kernels.h"

namespace privlab {

void SetBlasThreads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int BlasThreads() { return openblas_get_num_threads(); }
const char* BlasConfig() { return openblas_get_config(); }

}  // namespace privlab
