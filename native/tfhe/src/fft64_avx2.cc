// fft64 kernels for CPUs with AVX2 and FMA (chosen at run time by fft64.cc, so the
// addon itself is built for baseline x86-64 and runs on any machine of that kind).
#include <immintrin.h>

#include <cstring>
#include <vector>

#include "tfhe.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace privlab_tfhe {
namespace avx2_impl {

struct S {
  using D = __m256d;
  static constexpr const char* name = "avx2-fma";
  static D load(const double* p) { return _mm256_load_pd(p); }
  static void store(double* p, D v) { _mm256_store_pd(p, v); }
  static D zero() { return _mm256_setzero_pd(); }
  static D add(D a, D b) { return _mm256_add_pd(a, b); }
  static D sub(D a, D b) { return _mm256_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D fmadd(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }    // a b + c
  static D fmsub(D a, D b, D c) { return _mm256_fmsub_pd(a, b, c); }    // a b - c
  static D fnmadd(D a, D b, D c) { return _mm256_fnmadd_pd(a, b, c); }  // c - a b
  static void transpose(D& a, D& b, D& c, D& d) {
    const D t0 = _mm256_unpacklo_pd(a, b), t1 = _mm256_unpackhi_pd(a, b);
    const D t2 = _mm256_unpacklo_pd(c, d), t3 = _mm256_unpackhi_pd(c, d);
    a = _mm256_permute2f128_pd(t0, t2, 0x20);
    b = _mm256_permute2f128_pd(t1, t3, 0x20);
    c = _mm256_permute2f128_pd(t0, t2, 0x31);
    d = _mm256_permute2f128_pd(t1, t3, 0x31);
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

#pragma GCC pop_options
