// fft64: twiddle tables, the run-time choice of kernels, and polynomial helpers (see
// tfhe.h; the transform itself is in fft64_kernels.h).
//
// Precision: twiddles are cos/sin computed in long double and rounded once. The
// backward transform returns each coefficient rounded to a multiple of 2^12 of the
// torus (|x/2^64| reduced to [-1/2, 1/2] and converted with 52 fractional bits): far
// below the transform's own rounding error, which for a product of a digit polynomial
// (|d| < 2^22) with a full torus polynomial is around 2^38 (native/tfhe/tools/fft_check).
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "tfhe.h"

namespace privlab_tfhe {

bool kernels_supported(const SimdKernels& k) {
  __builtin_cpu_init();  // (the checks include the OS saving the wider registers)
  if (&k == &avx512_impl::kernels)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  if (&k == &avx2_impl::kernels) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return &k == &generic_impl::kernels;
}

namespace {
const SimdKernels* const kAll[] = {&avx512_impl::kernels, &avx2_impl::kernels, &generic_impl::kernels};
}

std::vector<const char*> supported_kernel_names() {
  std::vector<const char*> names;
  for (const SimdKernels* k : kAll)
    if (kernels_supported(*k)) names.push_back(k->name);
  return names;
}

const SimdKernels& kernels_by_name(const char* name) {
  const std::string want = std::strcmp(name, "avx2-fma") == 0 ? "avx2" : name;  // the name until 2026-11
  for (const SimdKernels* k : kAll) {
    if (want != k->name) continue;
    if (!kernels_supported(*k)) throw std::invalid_argument(std::string("TFHE kernels '") + name + "' are not supported by this CPU");
    return *k;
  }
  throw std::invalid_argument(std::string("unknown TFHE kernels '") + name + "' (expected avx512, avx2 or generic)");
}

const SimdKernels& selected_kernels() {
  static const SimdKernels* chosen = [] {
    const char* force = std::getenv("PRIVLAB_TFHE_SIMD");
    if (force && *force) return &kernels_by_name(force);
    for (const SimdKernels* k : kAll)
      if (kernels_supported(*k)) return k;
    return &generic_impl::kernels;
  }();
  return *chosen;
}

namespace {
const long double kPi = 3.141592653589793238462643383279502884L;

// Stores exp(i angle) at complex index t of a W-blocked array.
void put(double* blocked, size_t w, size_t t, long double angle, double scale = 1.0) {
  blocked[2 * w * (t / w) + t % w] = double(cosl(angle)) * scale;
  blocked[2 * w * (t / w) + w + t % w] = double(sinl(angle)) * scale;
}
}  // namespace

Fft64::Fft64(size_t polynomial_size, const SimdKernels& kernels)
    : n_(polynomial_size), m_(polynomial_size / 2), k_(&kernels) {
  if (n_ < 128 || (n_ & (n_ - 1)) != 0) throw std::invalid_argument("polynomial size must be a power of two >= 128");
  const size_t w = k_->lanes;
  // tables: twist, untwist (2m doubles each), radix-4 steps (3s doubles each, the last
  // at span 2W) or a radix-2 step at span W (2W doubles): see fft64_kernels.h
  std::vector<size_t> spans;
  for (size_t s = m_ / 2; s >= 2 * w; s /= 4) spans.push_back(s);
  const bool radix2 = spans.back() == 4 * w;  // the next span is W
  size_t total = 4 * m_ + (radix2 ? 2 * w : 0);
  for (size_t s : spans) total += 3 * s;
  storage_.resize(total);
  double* p = storage_.data();
  t_.m = m_;
  t_.twist = p;
  t_.untwist = p + 2 * m_;
  for (size_t t = 0; t < m_; ++t) {
    const long double angle = kPi * (long double)t / (long double)n_;
    put(p, w, t, angle);
    put(p + 2 * m_, w, t, -angle, 0x1p-64 / double(m_));  // exact power-of-two scaling
  }
  p += 4 * m_;
  t_.passes = 0;
  for (size_t s : spans) {
    // for j < s/2 in blocks of W: w1, w2, w3 = W_m^(k j m / 2s), angle pi k j / s
    t_.pass_twiddles[t_.passes++] = p;
    for (size_t g = 0; g < s / 2; g += w, p += 6 * w)
      for (size_t l = 0; l < w; ++l)
        for (size_t k = 1; k <= 3; ++k) put(p + 2 * w * (k - 1), w, l, kPi * (long double)(k * (g + l)) / (long double)s);
  }
  t_.radix2_last = radix2;
  if (radix2) {
    t_.pass_twiddles[t_.passes++] = p;
    for (size_t l = 0; l < w; ++l) put(p, w, l, kPi * (long double)l / (long double)w);  // exp(i pi j / W)
  }
}

void Fft64::forward_torus(const uint64_t* in, double* fourier) const {
  AlignedDoubles a(n_);
  for (size_t x = 0; x < n_; ++x) a.data()[x] = double(int64_t(in[x]));
  forward(a.data(), fourier);
}

std::shared_ptr<const Fft64> fft_for_size(size_t polynomial_size, const SimdKernels& kernels) {
  static std::mutex lock;
  static std::map<std::pair<size_t, const SimdKernels*>, std::shared_ptr<const Fft64>> cache;
  std::lock_guard<std::mutex> g(lock);
  const auto id = std::make_pair(polynomial_size, &kernels);
  auto it = cache.find(id);
  if (it != cache.end()) return it->second;
  auto fft = std::make_shared<const Fft64>(polynomial_size, kernels);
  cache[id] = fft;
  return fft;
}

void polynomial_wrapping_monic_mul(const uint64_t* in, uint64_t* out, size_t n, size_t power) {
  // X^power with power in [0, 2N): X^N = -1.
  const bool negate = power >= n;
  const size_t p = negate ? power - n : power;
  // coefficients i < n - p move to i + p with sign (negate); the rest wrap with the other sign
  for (size_t i = 0; i + p < n; ++i) out[i + p] = negate ? uint64_t(0) - in[i] : in[i];
  for (size_t i = n - p; i < n; ++i) out[i + p - n] = negate ? in[i] : uint64_t(0) - in[i];
}

}  // namespace privlab_tfhe
