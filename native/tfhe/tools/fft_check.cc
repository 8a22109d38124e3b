// Precision check of the negacyclic FFT product against exact integer arithmetic:
// random torus polynomials times random digit polynomials (|d| <= 2^(B-1)), the error of
// forward x forward -> backward modulo 2^64, RMS and maximum in bits. Exits non-zero if
// the RMS error exceeds a bound (2^40 for N = 2048, B = 23: FFTW's plans gave 2^37.8
// there; one more bit per doubling of N or B) or a kernel build (AVX-512, AVX2, each
// when the CPU has it) differs from the generic one by more than the bound allows
// (RMS difference 2^0.5 times it, maximum 2^3 times it).
//   fft_check [N] [base_log] [trials]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "../src/tfhe.h"

using namespace privlab_tfhe;

struct Result {
  double rms_bits, max_bits;
};

static Result check(const SimdKernels& k, size_t n, unsigned base_log, int trials, std::vector<uint64_t>* first) {
  Fft64 fft(n, k);  // tables in the kernels' layout
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
  const double bound = 40 + std::max(0.0, std::log2(double(n) / 2048)) + std::max(0, int(base_log) - 23);
  std::vector<uint64_t> reference;  // the generic kernels' product, first trial
  bool ok = true;
  for (const char* name : {"generic", "avx2", "avx512"}) {
    const SimdKernels* k = nullptr;
    try {
      k = &kernels_by_name(name);
    } catch (const std::invalid_argument&) {
      std::printf("%-8s: not supported by this CPU, skipped\n", name);
      continue;
    }
    std::vector<uint64_t> got;
    const Result r = check(*k, n, base_log, trials, &got);
    std::printf("%-8s: rms error 2^%.2f  max 2^%.2f\n", name, r.rms_bits, r.max_bits);
    ok = ok && r.rms_bits < bound;
    if (reference.empty()) {
      reference = got;
      continue;
    }
    // Two kernels' errors are independent roundings of the same size: their difference
    // has an RMS within sqrt(2) of the bound, and its maximum over n values stays
    // within 2^2.5 RMS (a Gaussian exceeds 5.7 sigma with probability ~1e-8).
    double sq = 0, mx = 0;
    for (size_t i = 0; i < n; ++i) {
      const double e = double(int64_t(got[i] - reference[i]));
      sq += e * e;
      mx = std::max(mx, std::fabs(e));
    }
    const double rms_diff = 0.5 * std::log2(sq / double(n) + 1), max_diff = std::log2(mx + 1);
    std::printf("%-8s vs generic: rms difference 2^%.2f  max 2^%.2f\n", name, rms_diff, max_diff);
    ok = ok && rms_diff < bound + 0.5 && max_diff < bound + 3;
  }
  std::puts(ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
