// fft64: negacyclic polynomial transforms over double precision (see tfhe.h).
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

#include "tfhe.h"

namespace privlab_tfhe {

namespace {
std::mutex planner_lock;  // FFTW's planner is not thread safe; execution is.

// x mod 2^64, rounded to the nearest integer, for |x| well beyond 2^64. Subtracting the
// nearest multiple of 2^64 is exact in double arithmetic (the result is a multiple of
// ulp(x) no larger than 2^63), and the remaining value converts to a signed integer.
inline uint64_t torus_from_double(double x) {
  const double wraps = std::nearbyint(x * 0x1p-64);
  const double r = std::nearbyint(x - wraps * 0x1p64);
  if (r >= 0x1p63) return uint64_t(int64_t(r - 0x1p64));
  return uint64_t(int64_t(r));
}
}  // namespace

FourierBuffer::FourierBuffer(size_t n) : len(n) {
  data = static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * (n ? n : 1)));
  if (!data) throw std::bad_alloc();
}
FourierBuffer::~FourierBuffer() { fftw_free(data); }

Fft64::Fft64(size_t polynomial_size) : n_(polynomial_size), m_(polynomial_size / 2) {
  if (n_ < 4 || (n_ & (n_ - 1)) != 0) throw std::invalid_argument("polynomial size must be a power of two >= 4");
  twist_re_.resize(m_);
  twist_im_.resize(m_);
  for (size_t j = 0; j < m_; ++j) {
    const double angle = M_PI * double(j) / double(n_);
    twist_re_[j] = std::cos(angle);
    twist_im_[j] = std::sin(angle);
  }
  FourierBuffer tmp(m_);
  std::lock_guard<std::mutex> g(planner_lock);
  // In-place plans; every buffer we execute on comes from fftw_malloc (same alignment).
  to_fourier_ = fftw_plan_dft_1d(int(m_), tmp.data, tmp.data, FFTW_BACKWARD, FFTW_MEASURE);
  from_fourier_ = fftw_plan_dft_1d(int(m_), tmp.data, tmp.data, FFTW_FORWARD, FFTW_MEASURE);
  if (!to_fourier_ || !from_fourier_) throw std::runtime_error("FFTW could not plan the transform");
}

Fft64::~Fft64() {
  std::lock_guard<std::mutex> g(planner_lock);
  if (to_fourier_) fftw_destroy_plan(to_fourier_);
  if (from_fourier_) fftw_destroy_plan(from_fourier_);
}

// int64 -> double without a scalar conversion (AVX2 has none for 64-bit lanes): for
// |v| < 2^51, adding the bit pattern of 1.5*2^52 and subtracting that double is exact.
static inline double small_i64_to_double(int64_t v) {
  const int64_t magic_bits = 0x4338000000000000LL;  // 1.5 * 2^52
  double d;
  const int64_t b = v + magic_bits;
  std::memcpy(&d, &b, sizeof d);
  return d - 6755399441055744.0;
}

void Fft64::forward_i64(const int64_t* __restrict in, fftw_complex* out) const {
  double* __restrict o = reinterpret_cast<double*>(out);
  const double* __restrict tr = twist_re_.data();
  const double* __restrict ti = twist_im_.data();
  for (size_t j = 0; j < m_; ++j) {
    const double re = small_i64_to_double(in[j]), im = small_i64_to_double(in[j + m_]);
    o[2 * j] = re * tr[j] - im * ti[j];
    o[2 * j + 1] = re * ti[j] + im * tr[j];
  }
  fftw_execute_dft(to_fourier_, out, out);
}

void Fft64::forward_torus(const uint64_t* in, fftw_complex* out) const {
  for (size_t j = 0; j < m_; ++j) {
    const double re = double(int64_t(in[j])), im = double(int64_t(in[j + m_]));
    out[j][0] = re * twist_re_[j] - im * twist_im_[j];
    out[j][1] = re * twist_im_[j] + im * twist_re_[j];
  }
  fftw_execute_dft(to_fourier_, out, out);
}

// x/2^64 reduced to [-1/2, 1/2] (exact: power-of-two scaling, then subtracting the
// nearest integer), then times 2^64 as an integer, assembled from two 32-bit halves so
// that every step has a vector instruction (double -> int32 conversions).
static inline uint64_t torus_from_double_fast(double x) {
  const double t = x * 0x1p-64;
  const double frac = t - std::nearbyint(t);
  const double hi = std::nearbyint(frac * 0x1p32);
  const double lo = std::nearbyint(frac * 0x1p64 - hi * 0x1p32);
  return (uint64_t(int64_t(int32_t(hi))) << 32) + uint64_t(int64_t(int32_t(lo)));
}

void Fft64::backward_add_torus(fftw_complex* in, uint64_t* __restrict out) const {
  fftw_execute_dft(from_fourier_, in, in);
  const double scale = 1.0 / double(m_);
  const double* __restrict v = reinterpret_cast<const double*>(in);
  const double* __restrict tr = twist_re_.data();
  const double* __restrict ti = twist_im_.data();
  for (size_t j = 0; j < m_; ++j) {
    // multiply by conj(twist) / m
    const double re = v[2 * j], im = v[2 * j + 1];
    const double a = tr[j] * scale, b = ti[j] * scale;
    out[j] += torus_from_double_fast(re * a + im * b);
    out[j + m_] += torus_from_double_fast(im * a - re * b);
  }
}

std::shared_ptr<const Fft64> fft_for_size(size_t polynomial_size) {
  static std::mutex lock;
  static std::map<size_t, std::shared_ptr<const Fft64>> cache;
  std::lock_guard<std::mutex> g(lock);
  auto it = cache.find(polynomial_size);
  if (it != cache.end()) return it->second;
  auto fft = std::make_shared<const Fft64>(polynomial_size);
  cache[polynomial_size] = fft;
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
