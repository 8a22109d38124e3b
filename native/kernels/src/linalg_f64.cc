// Double-precision linear algebra for FID's matrix square root: LAPACK's divide-and-conquer
// symmetric eigensolver (dsyevd, from OpenBLAS's LAPACK) and BLAS dgemm. ml-matrix's
// JavaScript eigensolver takes minutes at the 2048 dimensions of Inception features;
// these take about a second.
#include <cblas.h>
#include <vector>
#include "kernels.h"

extern "C" void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
                        const int* lwork, int* iwork, const int* liwork, int* info);

namespace privlab {

int SymmetricEigen(double* a, int n, double* w, bool vectors) {
  if (n == 0) return 0;
  const char jobz = vectors ? 'V' : 'N', uplo = 'L';
  int lwork = -1, liwork = -1, info = 0, iworkSize = 0;
  double workSize = 0;
  dsyevd_(&jobz, &uplo, &n, a, &n, w, &workSize, &lwork, &iworkSize, &liwork, &info);
  if (info != 0) return info;
  lwork = static_cast<int>(workSize);
  liwork = iworkSize;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<int> iwork(static_cast<std::size_t>(liwork));
  dsyevd_(&jobz, &uplo, &n, a, &n, w, work.data(), &lwork, iwork.data(), &liwork, &info);
  return info;
}

void GemmF64(const double* a, const double* b, double* c, int m, int n, int k, bool transA, bool transB) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0, a, transA ? m : k, b,
              transB ? k : n, 0.0, c, n);
}

}  // namespace privlab
