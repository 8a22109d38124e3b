// SIMD kernels for CPUs with AVX2 and FMA (chosen at run time by fft64.cc, so the addon
// itself is built for baseline x86-64 and runs on any machine of that kind).
#include <immintrin.h>

#include <cstring>
#include <vector>

#include "keyswitch_rows.h"
#include "tfhe.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace privlab_tfhe {
namespace avx2_impl {

struct S {
  using D = __m256d;
  static constexpr const char* name = "avx2";  // (AVX2 and FMA)
  static constexpr size_t W = 4;
  static D load(const double* p) { return _mm256_load_pd(p); }
  static D set1(double x) { return _mm256_set1_pd(x); }
  static void store(double* p, D v) { _mm256_store_pd(p, v); }
  static D zero() { return _mm256_setzero_pd(); }
  static D add(D a, D b) { return _mm256_add_pd(a, b); }
  static D sub(D a, D b) { return _mm256_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D fmadd(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }    // a b + c
  static D fmsub(D a, D b, D c) { return _mm256_fmsub_pd(a, b, c); }    // a b - c
  static D fnmadd(D a, D b, D c) { return _mm256_fnmadd_pd(a, b, c); }  // c - a b
  static void transpose(D* v) {  // 4x4
    const D t0 = _mm256_unpacklo_pd(v[0], v[1]), t1 = _mm256_unpackhi_pd(v[0], v[1]);
    const D t2 = _mm256_unpacklo_pd(v[2], v[3]), t3 = _mm256_unpackhi_pd(v[2], v[3]);
    v[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    v[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    v[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    v[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
  }
  // out[0..3] += round(2^64 t) mod 2^64, to a multiple of 2^12 (see fft64.cc).
  static void torus_add(uint64_t* out, D t) {
    const D f = _mm256_sub_pd(t, _mm256_round_pd(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    const D v = _mm256_fmadd_pd(f, _mm256_set1_pd(0x1p52), _mm256_set1_pd(6755399441055744.0));
    const __m256i r = _mm256_slli_epi64(
        _mm256_sub_epi64(_mm256_castpd_si256(v), _mm256_set1_epi64x(0x4338000000000000LL)), 12);
    __m256i* o = reinterpret_cast<__m256i*>(out);
    _mm256_storeu_si256(o, _mm256_add_epi64(_mm256_loadu_si256(o), r));
  }
};

}  // namespace avx2_impl
}  // namespace privlab_tfhe

#define KERNEL_NS avx2_impl
#include "fft64_kernels.h"
#undef KERNEL_NS

namespace privlab_tfhe {
namespace avx2_impl {

// out +-= factor * row modulo 2^64. Key-switch digits are small: a power-of-two factor
// is a shift; any other factor below 2^32 takes two 32x32->64 multiplies per lane,
// factor * row = factor * lo + (factor * hi) << 32.
template <bool NEGATE, bool SHIFT>
static void add_scaled_row_t(uint64_t* out, const uint64_t* row, size_t width, uint64_t factor) {
  const __m256i f = _mm256_set1_epi64x(int64_t(factor));
  const __m128i sh = _mm_cvtsi32_si128(__builtin_ctzll(factor));
  size_t x = 0;
  for (; x + 4 <= width; x += 4) {
    const __m256i r = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + x));
    __m256i prod;
    if (SHIFT) {
      prod = _mm256_sll_epi64(r, sh);
    } else {
      const __m256i lo = _mm256_mul_epu32(r, f), hi = _mm256_mul_epu32(_mm256_srli_epi64(r, 32), f);
      prod = _mm256_add_epi64(lo, _mm256_slli_epi64(hi, 32));
    }
    __m256i* o = reinterpret_cast<__m256i*>(out + x);
    const __m256i cur = _mm256_loadu_si256(o);
    _mm256_storeu_si256(o, NEGATE ? _mm256_sub_epi64(cur, prod) : _mm256_add_epi64(cur, prod));
  }
  for (; x < width; ++x) out[x] = NEGATE ? out[x] - factor * row[x] : out[x] + factor * row[x];
}

static void add_scaled_row(uint64_t* out, const uint64_t* row, size_t width, uint64_t factor, bool negate) {
  if (factor == 0) return;
  const bool power_of_two = (factor & (factor - 1)) == 0;
  if (!power_of_two && (factor >> 32) != 0) {  // not a key-switch digit; plain scalar products
    const uint64_t f = negate ? uint64_t(0) - factor : factor;
    for (size_t x = 0; x < width; ++x) out[x] += f * row[x];
    return;
  }
  if (negate) {
    if (power_of_two) add_scaled_row_t<true, true>(out, row, width, factor);
    else add_scaled_row_t<true, false>(out, row, width, factor);
  } else {
    if (power_of_two) add_scaled_row_t<false, true>(out, row, width, factor);
    else add_scaled_row_t<false, false>(out, row, width, factor);
  }
}

const SimdKernels kernels = {S::name, S::W, forward, backward_add_torus, multiply_accumulate, decompose_rotated_difference,
                             subtract_digit_rows_by_row<add_scaled_row>};

}  // namespace avx2_impl
}  // namespace privlab_tfhe

#pragma GCC pop_options
