// Every SIMD kernel set this CPU runs against the generic one, on the same random
// inputs, where the arithmetic is exact and so the results must be bit-identical:
// - decompose_rotated_difference (integer digits as doubles), levels 1..4 and a 5-level
//   decomposition (the coefficient-by-coefficient path), every rotation class;
// - subtract_digit_rows (the key switch: integers modulo 2^64), batches of 1..9 and row
//   widths with and without a tail;
// - multiply_accumulate on integer-valued Fourier data small enough that every product
//   and sum is exact in double precision, whatever the order (|values| < 2^20, < 2^44
//   after the sums), placed in each kernel's W-blocked layout.
// (The FFT itself is floating point; fft_check bounds its error.) Prints one line per
// check and exits non-zero on any mismatch.
//   kernel_check [seed]
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <vector>

#include "../src/tfhe.h"

using namespace privlab_tfhe;

static std::vector<const SimdKernels*> others() {
  std::vector<const SimdKernels*> ks;
  for (const char* name : supported_kernel_names())
    if (&kernels_by_name(name) != &generic_impl::kernels) ks.push_back(&kernels_by_name(name));
  return ks;
}

static int failures = 0;
static void report(const char* what, const SimdKernels& k, size_t mismatches, size_t total) {
  std::printf("%-8s %-44s %zu / %zu values differ\n", k.name, what, mismatches, total);
  if (mismatches) ++failures;
}

static void check_decompose(const SimdKernels& k, std::mt19937_64& rng) {
  const size_t n = 2048;
  AlignedDoubles a_ref(5 * n), a_got(5 * n);
  std::vector<uint64_t> poly(n);
  size_t bad = 0, total = 0;
  for (uint32_t levels : {1u, 2u, 3u, 4u, 5u})
    for (uint32_t base_log : {levels == 5 ? 12u : 23u / levels + 1, 3u}) {
      for (size_t power : {size_t(1), size_t(7), n - 1, n, n + 5, 2 * n - 1, size_t(rng() % (2 * n - 1) + 1)}) {
        for (auto& x : poly) x = rng();
        generic_impl::kernels.decompose_rotated_difference(poly.data(), n, power, base_log, levels, a_ref.data());
        k.decompose_rotated_difference(poly.data(), n, power, base_log, levels, a_got.data());
        for (size_t x = 0; x < levels * n; ++x) bad += a_ref.data()[x] != a_got.data()[x];
        total += levels * n;
      }
    }
  report("decompose_rotated_difference (levels 1..5)", k, bad, total);
}

static void check_keyswitch_rows(const SimdKernels& k, std::mt19937_64& rng) {
  size_t bad = 0, total = 0;
  for (size_t width : {size_t(864), size_t(865), size_t(13), size_t(1), size_t(32), size_t(40)})
    for (size_t count : {size_t(1), size_t(3), size_t(4), size_t(5), size_t(9)}) {
      const size_t nrows = 37;
      std::vector<uint64_t> rows(nrows * width), ref(count * width), got;
      std::vector<int64_t> digits(nrows * count);
      for (auto& x : rows) x = rng();
      for (auto& x : ref) x = rng();
      for (auto& d : digits) d = int64_t(rng() % 9) - 4;  // base 2^3 digits, zeros included
      digits[0] = int64_t(1) << 40;                        // and one large factor
      got = ref;
      std::vector<uint64_t*> outs_ref(count), outs_got(count);
      for (size_t b = 0; b < count; ++b) outs_ref[b] = ref.data() + b * width, outs_got[b] = got.data() + b * width;
      generic_impl::kernels.subtract_digit_rows(outs_ref.data(), count, digits.data(), rows.data(), nrows, width, nullptr, 0);
      k.subtract_digit_rows(outs_got.data(), count, digits.data(), rows.data(), nrows, width, rows.data(), rows.size());
      for (size_t x = 0; x < ref.size(); ++x) bad += ref[x] != got[x];
      total += ref.size();
    }
  report("subtract_digit_rows (key switch)", k, bad, total);
}

// value v of complex point t (natural index) of polynomial `poly` into a W-blocked array
static void place(double* f, size_t w, size_t t, double re, double im) {
  f[2 * w * (t / w) + t % w] = re;
  f[2 * w * (t / w) + w + t % w] = im;
}

static void check_multiply_accumulate(const SimdKernels& k, std::mt19937_64& rng) {
  const size_t m = 1024;
  size_t bad = 0, total = 0;
  for (size_t cols : {size_t(1), size_t(2), size_t(3), size_t(5)})
    for (size_t levels : {size_t(1), size_t(2)}) {
      const size_t rows = cols * levels;
      std::vector<double> fd_re(rows * m), fd_im(rows * m), key_re(rows * cols * m), key_im(rows * cols * m);
      auto small = [&] { return double(int64_t(rng() % (1u << 20)) - (1 << 19)); };
      for (size_t x = 0; x < rows * m; ++x) fd_re[x] = small(), fd_im[x] = small();
      for (size_t x = 0; x < rows * cols * m; ++x) key_re[x] = small(), key_im[x] = small();
      std::vector<double> out[2];
      for (int which = 0; which < 2; ++which) {
        const SimdKernels& kk = which ? k : generic_impl::kernels;
        const size_t w = kk.lanes;
        AlignedDoubles fd(rows * 2 * m), key(rows * cols * 2 * m), o(cols * 2 * m);
        for (size_t r = 0; r < rows; ++r)
          for (size_t t = 0; t < m; ++t) place(fd.data() + r * 2 * m, w, t, fd_re[r * m + t], fd_im[r * m + t]);
        // key: per block of W points, rows x cols blocks of 2W doubles
        for (size_t r = 0; r < rows; ++r)
          for (size_t c = 0; c < cols; ++c)
            for (size_t t = 0; t < m; ++t) {
              double* blk = key.data() + (t / w) * rows * cols * 2 * w + (r * cols + c) * 2 * w;
              blk[t % w] = key_re[(r * cols + c) * m + t];
              blk[w + t % w] = key_im[(r * cols + c) * m + t];
            }
        kk.multiply_accumulate(fd.data(), rows, key.data(), cols, m, o.data());
        for (size_t c = 0; c < cols; ++c)
          for (size_t t = 0; t < m; ++t) {
            const double* p = o.data() + c * 2 * m + 2 * w * (t / w);
            out[which].push_back(p[t % w]);
            out[which].push_back(p[w + t % w]);
          }
      }
      for (size_t x = 0; x < out[0].size(); ++x) bad += out[0][x] != out[1][x];
      total += out[0].size();
    }
  report("multiply_accumulate (exact integer data)", k, bad, total);
}

int main(int argc, char** argv) {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  const auto ks = others();
  if (ks.empty()) std::puts("only the generic kernels run on this CPU: nothing to compare");
  for (const SimdKernels* k : ks) {
    std::mt19937_64 rng(seed);
    check_decompose(*k, rng);
    check_keyswitch_rows(*k, rng);
    check_multiply_accumulate(*k, rng);
  }
  std::puts(failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
