// privlab's TFHE evaluator: the core_crypto operations on TFHE-rs-compatible
// LWE/GLWE/GGSW data over the native torus Z/2^64. One .cc file per operation,
// named like TFHE-rs's core_crypto algorithms so a reader finds each step by name.
//
// NOT AUDITED: this is a research implementation. It is not constant time, has had
// no side-channel review, and its noise behaviour is checked only by the project's
// tests (error rate vs. the noise model).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace privlab_tfhe {

// The parameters the server needs (no secret material, no noise distributions).
struct PbsParams {
  uint32_t lwe_dimension = 0;      // n: small key (input of the blind rotation)
  uint32_t glwe_dimension = 0;     // k
  uint32_t polynomial_size = 0;    // N (power of two)
  uint32_t pbs_base_log = 0;
  uint32_t pbs_level = 0;
  uint32_t ks_base_log = 0;
  uint32_t ks_level = 0;
  size_t big_lwe_dimension() const { return size_t(glwe_dimension) * polynomial_size; }
};

// ---- aligned storage ---------------------------------------------------------------
// Doubles on 64-byte boundaries (whole cache lines; the SIMD kernels use aligned loads).
class AlignedDoubles {
 public:
  AlignedDoubles() = default;
  explicit AlignedDoubles(size_t n) { resize(n); }
  ~AlignedDoubles() { std::free(data_); }
  AlignedDoubles(const AlignedDoubles&) = delete;
  AlignedDoubles& operator=(const AlignedDoubles&) = delete;
  void resize(size_t n) {
    std::free(data_);
    data_ = nullptr;
    size_ = n;
    const size_t bytes = ((n * sizeof(double) + 63) / 64) * 64;
    if (bytes && !(data_ = static_cast<double*>(std::aligned_alloc(64, bytes)))) throw std::bad_alloc();
  }
  double* data() { return data_; }
  const double* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  double* data_ = nullptr;
  size_t size_ = 0;
};

// ---- fft64: negacyclic products through an N/2-point complex FFT -------------------
// A real polynomial a of degree < N is folded to z_j = (a_j + i a_{j+N/2}) w^j with
// w = exp(i pi / N); an N/2-point DFT of z evaluates a at the odd 2N-th roots of unity
// w^(4k+1), which is what a product modulo X^N + 1 needs. Values go through double
// precision as in TFHE-rs's fft64 backend: digits are small, key values are full 64-bit
// torus elements whose low bits are lost (that loss is part of the PBS noise).
// The transform is our own (fft64_kernels.h: radix-4, no bit reversal, twist and torus
// conversion fused into the first and last steps), compiled for AVX-512, for AVX2+FMA and
// for plain x86-64 and chosen at run time. A Fourier polynomial is fourier_doubles() = N
// doubles in an internal order of its kernel set (see fft64_kernels.h), 64-byte aligned.

// Twiddle tables of one size (owned by Fft64).
struct FftTables {
  size_t m = 0;                          // N/2 complex points
  const double* twist = nullptr;         // exp(i pi t / N), W-blocked
  const double* untwist = nullptr;       // conj(twist) 2^-64 / m, W-blocked
  const double* pass_twiddles[32] = {};  // per FFT step, in the order the forward uses them
  size_t passes = 0;
  bool radix2_last = false;              // the vertical step above the last stages is radix 2
};

// One implementation of the SIMD kernels (kernels_avx512.cc, kernels_avx2.cc,
// kernels_generic.cc): the FFT and the loops around it (fft64_kernels.h), and the key
// switch's row updates. Fourier polynomials are in the kernel's own W-blocked layout
// (W = lanes), so data transformed by one kernel is only ever used with that kernel.
struct SimdKernels {
  const char* name;
  size_t lanes;  // W: doubles per vector, complex values per block of the Fourier layout
  // coefficients (N doubles) -> Fourier polynomial; meanwhile [prefetch, + count doubles)
  // is requested into cache (null: nothing)
  void (*forward)(const FftTables&, const double* coefficients, double* fourier, const double* prefetch, size_t count);
  // out += torus(inverse transform of fourier); fourier is destroyed; prefetch as above
  void (*backward_add_torus)(const FftTables&, double* fourier, uint64_t* out, const double* prefetch, size_t count);
  // out[c] = sum_r fd[r] * key[.][r][c] point-wise (key: per 4 points, rows x cols blocks of 8 doubles)
  void (*multiply_accumulate)(const double* fd, size_t rows, const double* key, size_t cols, size_t m, double* out);
  // digits (levels x N doubles, most significant level first) of X^power a - a
  void (*decompose_rotated_difference)(const uint64_t* a, size_t n, size_t power, uint32_t base_log, uint32_t levels,
                                       double* digits);
  // the key switch's update: outs[b][x] -= sum_r digits[r count + b] rows[r width + x]
  // modulo 2^64 (b < count, r < nrows, x < width); meanwhile [prefetch, + prefetch_words)
  // is requested into cache (null: nothing)
  void (*subtract_digit_rows)(uint64_t* const* outs, size_t count, const int64_t* digits, const uint64_t* rows,
                              size_t nrows, size_t width, const uint64_t* prefetch, size_t prefetch_words);
};
namespace avx512_impl {
extern const SimdKernels kernels;
}
namespace avx2_impl {
extern const SimdKernels kernels;
}
namespace generic_impl {
extern const SimdKernels kernels;
}
// Whether this CPU (and OS) can run a kernel set: AVX-512 F/DQ/BW/VL, AVX2+FMA, always.
bool kernels_supported(const SimdKernels& k);
// The kernel set called `name` ("avx512", "avx2" (also "avx2-fma"), "generic"); throws
// std::invalid_argument for another name or one this CPU cannot run.
const SimdKernels& kernels_by_name(const char* name);
// Names of the kernel sets this CPU can run, fastest first.
std::vector<const char*> supported_kernel_names();
// The default: PRIVLAB_TFHE_SIMD (a name as above) when set, else the fastest set this
// CPU supports (AVX-512, then AVX2+FMA, then generic). Forcing lets tests run every
// kernel on one machine.
const SimdKernels& selected_kernels();

class Fft64 {
 public:
  explicit Fft64(size_t polynomial_size, const SimdKernels& kernels = selected_kernels());
  Fft64(const Fft64&) = delete;
  Fft64& operator=(const Fft64&) = delete;

  size_t polynomial_size() const { return n_; }
  size_t fourier_size() const { return m_; }
  size_t fourier_doubles() const { return 2 * m_; }
  const char* simd() const { return k_->name; }
  const SimdKernels& kernels() const { return *k_; }
  const FftTables& tables() const { return t_; }
  // Forward transform of N coefficients given as doubles.
  void forward(const double* coefficients, double* fourier, const double* prefetch = nullptr, size_t count = 0) const {
    k_->forward(t_, coefficients, fourier, prefetch, count);
  }
  // Forward transform of a torus polynomial (u64 read as signed, i.e. centred).
  void forward_torus(const uint64_t* in, double* fourier) const;
  // Inverse transform of `fourier` (destroyed), rounded and added modulo 2^64 into out.
  void backward_add_torus(double* fourier, uint64_t* out, const double* prefetch = nullptr, size_t count = 0) const {
    k_->backward_add_torus(t_, fourier, out, prefetch, count);
  }

 private:
  size_t n_, m_;
  const SimdKernels* k_;
  AlignedDoubles storage_;
  FftTables t_;
};

// Shared transforms per polynomial size and kernel set (tables are made once and only
// read after).
std::shared_ptr<const Fft64> fft_for_size(size_t polynomial_size, const SimdKernels& kernels = selected_kernels());

// ---- decomposition (signed, balanced digits, closest representable) --------------
// Digits d_j (j = 0 most significant) with a ~= sum_j d_j 2^(64 - base_log (j+1)),
// |d_j| <= 2^(base_log-1).
inline void signed_decompose(uint64_t a, uint32_t base_log, uint32_t level, int64_t* digits) {
  const uint32_t kept = base_log * level;
  const uint32_t shift = 64 - kept;
  uint64_t rep = shift == 0 ? a : ((a >> (shift - 1)) + 1) >> 1;  // round to the kept bits
  const uint64_t base = uint64_t(1) << base_log;
  const uint64_t half = base >> 1;
  for (int j = int(level) - 1; j >= 0; --j) {
    uint64_t d = rep & (base - 1);
    rep >>= base_log;
    if (d > half || (d == half && (rep & 1))) {
      digits[j] = int64_t(d) - int64_t(base);
      rep += 1;
    } else {
      digits[j] = int64_t(d);
    }
  }
}


// ---- polynomial helpers ------------------------------------------------------------
// out = X^power * in modulo X^N + 1, power in [0, 2N).
void polynomial_wrapping_monic_mul(const uint64_t* in, uint64_t* out, size_t n, size_t power);

// ---- modulus_switch ---------------------------------------------------------------
// Round a torus value to log_modulus bits: result in [0, 2^log_modulus).
inline uint64_t modulus_switch(uint64_t x, uint32_t log_modulus) {
  const uint64_t mask = (log_modulus >= 64) ? ~uint64_t(0) : ((uint64_t(1) << log_modulus) - 1);
  return (((x >> (64 - log_modulus - 1)) + 1) >> 1) & mask;
}
// Mean-corrected ("centred") modulus switch of an LWE ciphertext under a binary key:
// the rounding errors of the mask are known, and with key bits of mean 1/2 their
// expected effect, sum(err_i)/2, is added back to the body before rounding; this halves
// the variance of the modulus-switch noise (n/48 instead of n/24 in 2N units).
// `body_offset` is added to the body first (the half-box shift of the lookup encoding).
void lwe_ciphertext_centered_modulus_switch(const uint64_t* lwe, size_t lwe_dimension, uint64_t body_offset,
                                            uint32_t log_modulus, uint32_t* out_mask, uint32_t* out_body);

// ---- server key ---------------------------------------------------------------------
struct ServerKey {
  PbsParams params;
  // Bootstrapping key in the Fourier domain, laid out in the order the external product
  // reads it: for each small-key bit i, for each block of W Fourier points (W: the
  // kernels' lanes), for each GGSW row (GLWE polynomial r, level j: row r*levels + j),
  // for each output column c in [0, k+1), 2W doubles (W re, W im). One GGSW is one
  // contiguous stream.
  AlignedDoubles bsk_fourier;
  // Key-switching key big -> small: for each big-key coefficient i, level j, an LWE
  // ciphertext of size n+1 encrypting s_big[i] * 2^(64 - ks_base_log (j+1)).
  std::vector<uint64_t> ksk;
  std::shared_ptr<const Fft64> fft;

  size_t ggsw_doubles() const {
    const size_t k1 = params.glwe_dimension + 1;
    return k1 * params.pbs_level * k1 * params.polynomial_size;
  }
  const double* ggsw(size_t i) const { return bsk_fourier.data() + i * ggsw_doubles(); }
};
// Build from the standard-domain bootstrapping key (u64, TFHE-rs GGSW layout as
// described in src/fhe/core/lwe_bootstrap_key_generation.ts) and the key-switching key;
// the key's operations run on `kernels` (its Fourier key is in their layout).
std::unique_ptr<ServerKey> make_server_key(const PbsParams& p, const uint64_t* bsk, size_t bsk_len,
                                           const uint64_t* ksk, size_t ksk_len,
                                           const SimdKernels& kernels = selected_kernels());
size_t standard_bsk_len(const PbsParams& p);
size_t ksk_len(const PbsParams& p);

// ---- per-thread scratch -------------------------------------------------------------
// Work space for up to `batch` ciphertexts bootstrapped together (see blind_rotate).
struct PbsScratch {
  explicit PbsScratch(const PbsParams& p, size_t batch = 1);
  size_t batch;
  std::vector<uint64_t> acc;        // batch GLWE accumulators, (k+1) N each
  std::vector<uint64_t> small_lwe;  // batch key-switched LWEs, n+1 each
  std::vector<uint32_t> ms_mask;    // batch modulus-switched masks, n each
  std::vector<uint32_t> ms_body;    // batch modulus-switched bodies
  AlignedDoubles digits;            // levels x N digit coefficients of one GLWE polynomial
  AlignedDoubles fourier_digits;    // (k+1) levels Fourier polynomials
  AlignedDoubles fourier_out;       // (k+1) Fourier polynomials
};

// ---- ggsw_external_product: glwe += GGSW (x) (X^power glwe - glwe), power in (0, 2N) --
// (the CMux step of the blind rotation, with the rotation fused into the decomposition)
// prefetch: the GGSW the caller uses next (or null), requested into cache a little at a
// time during this product's transforms, so that its memory traffic overlaps arithmetic.
void add_rotated_difference_external_product_assign(const ServerKey& key, size_t ggsw_index, size_t power, uint64_t* glwe,
                                                    PbsScratch& s, const double* prefetch = nullptr);
// ---- blind_rotate: acc_b <- X^(-b~ + sum a~_i s_i) * LUT_b for items b < count -------
// (modulus-switched masks and bodies in s.ms_mask / s.ms_body). The items advance
// together, key bit by key bit, so each GGSW is read from memory once for all of them.
void blind_rotate_assign(const ServerKey& key, size_t count, const uint64_t* const* luts, PbsScratch& s);
// ---- glwe_sample_extraction: the constant coefficient as an LWE under the big key ---
void extract_lwe_sample_from_glwe_ciphertext(const uint64_t* glwe, size_t k, size_t n, uint64_t* lwe_out);
// ---- lwe_keyswitch: big -> small, for `count` ciphertexts at once -------------------
// (each key-switching-key row is read once for all of them)
void keyswitch_lwe_ciphertext(const ServerKey& key, size_t count, const uint64_t* const* big_lwes,
                              uint64_t* const* small_lwes);
inline void keyswitch_lwe_ciphertext(const ServerKey& key, const uint64_t* big_lwe, uint64_t* small_lwe) {
  keyswitch_lwe_ciphertext(key, 1, &big_lwe, &small_lwe);
}
// ---- programmable_bootstrap: small LWE -> big LWE through the lookup polynomial ----
// count <= s.batch items, bootstrapped together.
void programmable_bootstrap_lwe_ciphertext(const ServerKey& key, size_t count, const uint64_t* const* small_lwes,
                                           const uint64_t* const* luts, uint64_t body_offset, uint64_t* const* big_lwes,
                                           PbsScratch& s);
inline void programmable_bootstrap_lwe_ciphertext(const ServerKey& key, const uint64_t* small_lwe, const uint64_t* lut,
                                                  uint64_t body_offset, uint64_t* big_lwe_out, PbsScratch& s) {
  programmable_bootstrap_lwe_ciphertext(key, 1, &small_lwe, &lut, body_offset, &big_lwe_out, s);
}

// ---- lwe_linear_algebra ------------------------------------------------------------
// out[o] = sum_i w[o][i] * in[i] + (0,...,0, bias[o]) for LWE ciphertexts of size `size`.
void lwe_ciphertext_linear_combination(const uint64_t* inputs, size_t count, size_t size, const int64_t* weights,
                                       uint64_t bias, uint64_t* out);

// ---- encryption helpers (client side, exact integer arithmetic) --------------------
// sum_r A_r * S_r modulo X^N + 1 for a binary GLWE key: exact, by adding rotated masks.
void glwe_mask_key_product(const uint64_t* masks, const uint64_t* key, size_t k, size_t n, uint64_t* out);
// <a, s> for a binary LWE key.
uint64_t lwe_mask_key_dot(const uint64_t* mask, const uint64_t* key, size_t n);

}  // namespace privlab_tfhe
