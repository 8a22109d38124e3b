// Precision check of the negacyclic FFT product against exact integer arithmetic:
// random torus polynomials times random digit polynomials (|d| <= 2^(B-1)), the error of
// forward x forward -> backward modulo 2^64, RMS and maximum in bits. Exits non-zero if
// the RMS error exceeds a bound (2^40 for N = 2048, B = 23: FFTW's plans gave 2^37.8
// there; one more bit per doubling of N or B) or the two kernel builds (AVX2, generic)
// disagree by more than twice that.
//   fft_check [N] [base_log] [trials]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <random>
#include <vector>

#include "../src/tfhe.h"

using namespace privlab_tfhe;

struct Result {
  double rms_bits, max_bits;
};

static Result check(const SimdKernels& k, size_t n, unsigned base_log, int trials, std::vector<uint64_t>* first) {
  Fft64 fft(n);  // tables only; the kernels come from `k`
  std::mt19937_64 rng(7);
  double sq = 0, mx = 0;
  size_t cnt = 0;
  AlignedDoubles fb(n), fd(n), a(n), out(n);
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<uint64_t> b(n), ex(n, 0), got(n, 0);
    std::vector<int64_t> d(n);
    for (auto& x : b) x = rng();
    const int64_t half = int64_t(1) << (base_log - 1);
    for (auto& x : d) x = int64_t(rng() % uint64_t(2 * half + 1)) - half;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) {
        const uint64_t p = b[i] * uint64_t(d[j]);
        if (i + j < n) ex[i + j] += p;
        else ex[i + j - n] -= p;
      }
    for (size_t x = 0; x < n; ++x) a.data()[x] = double(int64_t(b[x]));
    k.forward(fft.tables(), a.data(), fb.data(), nullptr, 0);
    for (size_t x = 0; x < n; ++x) a.data()[x] = double(d[x]);
    k.forward(fft.tables(), a.data(), fd.data(), nullptr, 0);
    k.multiply_accumulate(fd.data(), 1, fb.data(), 1, n / 2, out.data());
    k.backward_add_torus(fft.tables(), out.data(), got.data(), nullptr, 0);
    for (size_t i = 0; i < n; ++i) {
      const double e = double(int64_t(got[i] - ex[i]));
      sq += e * e;
      mx = std::max(mx, std::fabs(e));
      ++cnt;
    }
    if (first && trial == 0) *first = got;
  }
  return {0.5 * std::log2(sq / double(cnt)), std::log2(mx)};
}

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2048;
  const unsigned base_log = argc > 2 ? unsigned(std::strtoul(argv[2], nullptr, 10)) : 23;
  const int trials = argc > 3 ? std::atoi(argv[3]) : 20;
  // the multiply_accumulate key layout for 1 row x 1 column is the plain Fourier layout
  std::vector<uint64_t> g1, g2;
  const double bound = 40 + std::max(0.0, std::log2(double(n) / 2048)) + std::max(0, int(base_log) - 23);
  const Result g = check(generic_impl::kernels, n, base_log, trials, &g1);
  std::printf("generic : rms error 2^%.2f  max 2^%.2f\n", g.rms_bits, g.max_bits);
  bool ok = g.rms_bits < bound;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    const Result a = check(avx2_impl::kernels, n, base_log, trials, &g2);
    std::printf("avx2-fma: rms error 2^%.2f  max 2^%.2f\n", a.rms_bits, a.max_bits);
    double diff = 0;
    for (size_t i = 0; i < n; ++i) diff = std::max(diff, std::fabs(double(int64_t(g1[i] - g2[i]))));
    std::printf("max |avx2 - generic| 2^%.2f\n", std::log2(diff + 1));
    ok = ok && a.rms_bits < bound && std::log2(diff + 1) < bound + 1;
  }
  std::puts(ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
