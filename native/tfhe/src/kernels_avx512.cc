// SIMD kernels for CPUs with AVX-512 F/DQ/BW/VL (chosen at run time by fft64.cc: only
// this file is compiled for AVX-512, so the addon still loads and runs on any x86-64
// machine). Eight doubles per vector: the Fourier layout is 8-blocked (fft64_kernels.h).
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "tfhe.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")
// GCC 12's unpack intrinsics start from _mm512_undefined_pd(), which -Wall reports as
// possibly uninitialized once inlined: a false alarm (every lane is written).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace privlab_tfhe {
namespace avx512_impl {

struct S {
  using D = __m512d;
  static constexpr const char* name = "avx512";
  static constexpr size_t W = 8;
  static D load(const double* p) { return _mm512_load_pd(p); }
  static void store(double* p, D v) { _mm512_store_pd(p, v); }
  static D set1(double x) { return _mm512_set1_pd(x); }
  static D zero() { return _mm512_setzero_pd(); }
  static D add(D a, D b) { return _mm512_add_pd(a, b); }
  static D sub(D a, D b) { return _mm512_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm512_mul_pd(a, b); }
  static D fmadd(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }    // a b + c
  static D fmsub(D a, D b, D c) { return _mm512_fmsub_pd(a, b, c); }    // a b - c
  static D fnmadd(D a, D b, D c) { return _mm512_fnmadd_pd(a, b, c); }  // c - a b
  // 8x8: v[k] lane l becomes v[l] lane k (pairs of lanes, then 128-bit quarters, twice)
  static void transpose(D* v) {
    const D t0 = _mm512_unpacklo_pd(v[0], v[1]), t1 = _mm512_unpackhi_pd(v[0], v[1]);
    const D t2 = _mm512_unpacklo_pd(v[2], v[3]), t3 = _mm512_unpackhi_pd(v[2], v[3]);
    const D t4 = _mm512_unpacklo_pd(v[4], v[5]), t5 = _mm512_unpackhi_pd(v[4], v[5]);
    const D t6 = _mm512_unpacklo_pd(v[6], v[7]), t7 = _mm512_unpackhi_pd(v[6], v[7]);
    // quarters (0, 2) of a then of b: 0x88; quarters (1, 3): 0xDD
    const D u0 = _mm512_shuffle_f64x2(t0, t2, 0x88), u1 = _mm512_shuffle_f64x2(t0, t2, 0xDD);
    const D u2 = _mm512_shuffle_f64x2(t1, t3, 0x88), u3 = _mm512_shuffle_f64x2(t1, t3, 0xDD);
    const D u4 = _mm512_shuffle_f64x2(t4, t6, 0x88), u5 = _mm512_shuffle_f64x2(t4, t6, 0xDD);
    const D u6 = _mm512_shuffle_f64x2(t5, t7, 0x88), u7 = _mm512_shuffle_f64x2(t5, t7, 0xDD);
    v[0] = _mm512_shuffle_f64x2(u0, u4, 0x88);
    v[4] = _mm512_shuffle_f64x2(u0, u4, 0xDD);
    v[1] = _mm512_shuffle_f64x2(u2, u6, 0x88);
    v[5] = _mm512_shuffle_f64x2(u2, u6, 0xDD);
    v[2] = _mm512_shuffle_f64x2(u1, u5, 0x88);
    v[6] = _mm512_shuffle_f64x2(u1, u5, 0xDD);
    v[3] = _mm512_shuffle_f64x2(u3, u7, 0x88);
    v[7] = _mm512_shuffle_f64x2(u3, u7, 0xDD);
  }
  // out[0..7] += round(2^64 t) mod 2^64, to a multiple of 2^12 (as the AVX2 kernels; see fft64.cc).
  static void torus_add(uint64_t* out, D t) {
    const D f = _mm512_sub_pd(t, _mm512_roundscale_pd(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    const D v = _mm512_fmadd_pd(f, _mm512_set1_pd(0x1p52), _mm512_set1_pd(6755399441055744.0));
    const __m512i r = _mm512_slli_epi64(
        _mm512_sub_epi64(_mm512_castpd_si512(v), _mm512_set1_epi64(0x4338000000000000LL)), 12);
    _mm512_storeu_si512(out, _mm512_add_epi64(_mm512_loadu_si512(out), r));
  }
};

}  // namespace avx512_impl
}  // namespace privlab_tfhe

#define KERNEL_NS avx512_impl
#include "fft64_kernels.h"
#undef KERNEL_NS

namespace privlab_tfhe {
namespace avx512_impl {

// The key switch's update as a small matrix product: for ITEMS ciphertexts at once and
// 32 output words (4 vectors) at a time, the sums over all rows of the tile stay in
// registers (ITEMS x 4 accumulators) and reach memory once; each row word is loaded once
// per item group and multiplied by the items' digits (vpmullq: the low 64 bits of the
// product, so the result is exact modulo 2^64 as in the other kernels). The tail of a
// row (width mod 8 words) goes under a mask. Meanwhile the next tile is prefetched, a
// slice per 32 words.
template <size_t ITEMS>
static void subtract_rows_items(uint64_t* const* outs, size_t count, const int64_t* digits, const uint64_t* rows,
                                size_t nrows, size_t width, const uint64_t* pf, size_t pf_words) {
  const size_t chunks = (width + 31) / 32, per = pf ? (pf_words + chunks - 1) / chunks : 0;
  for (size_t x = 0, c = 0; x < width; x += 32, ++c) {
    for (size_t w = c * per; w < (c + 1) * per && w < pf_words; w += 8) _mm_prefetch((const char*)(pf + w), _MM_HINT_T1);
    const size_t left = std::min<size_t>(32, width - x);
    __mmask8 mask[4];
    for (size_t v = 0; v < 4; ++v) {
      const size_t n = left > 8 * v ? std::min<size_t>(8, left - 8 * v) : 0;
      mask[v] = __mmask8((1u << n) - 1);
    }
    __m512i acc[ITEMS][4];
    for (size_t i = 0; i < ITEMS; ++i)
      for (size_t v = 0; v < 4; ++v) acc[i][v] = _mm512_setzero_si512();
    if (left == 32) {
      for (size_t r = 0; r < nrows; ++r) {
        const uint64_t* row = rows + r * width + x;
        __m512i rv[4];
        for (size_t v = 0; v < 4; ++v) rv[v] = _mm512_loadu_si512(row + 8 * v);
        for (size_t i = 0; i < ITEMS; ++i) {
          const __m512i d = _mm512_set1_epi64(digits[r * count + i]);
          for (size_t v = 0; v < 4; ++v) acc[i][v] = _mm512_add_epi64(acc[i][v], _mm512_mullo_epi64(rv[v], d));
        }
      }
    } else {
      for (size_t r = 0; r < nrows; ++r) {
        const uint64_t* row = rows + r * width + x;
        for (size_t i = 0; i < ITEMS; ++i) {
          const __m512i d = _mm512_set1_epi64(digits[r * count + i]);
          for (size_t v = 0; v < 4; ++v)
            if (mask[v])
              acc[i][v] = _mm512_add_epi64(acc[i][v], _mm512_mullo_epi64(_mm512_maskz_loadu_epi64(mask[v], row + 8 * v), d));
        }
      }
    }
    for (size_t i = 0; i < ITEMS; ++i)
      for (size_t v = 0; v < 4; ++v) {
        if (!mask[v]) continue;
        uint64_t* o = outs[i] + x + 8 * v;
        _mm512_mask_storeu_epi64(o, mask[v], _mm512_sub_epi64(_mm512_maskz_loadu_epi64(mask[v], o), acc[i][v]));
      }
  }
}

static void subtract_digit_rows(uint64_t* const* outs, size_t count, const int64_t* digits, const uint64_t* rows,
                                size_t nrows, size_t width, const uint64_t* pf, size_t pf_words) {
  // items in groups of up to 4 (16 accumulators); only the first group prefetches
  for (size_t b = 0; b < count; b += 4, pf = nullptr) {
    const size_t items = std::min<size_t>(4, count - b);
    const int64_t* d = digits + b;
    switch (items) {
      case 4: subtract_rows_items<4>(outs + b, count, d, rows, nrows, width, pf, pf_words); break;
      case 3: subtract_rows_items<3>(outs + b, count, d, rows, nrows, width, pf, pf_words); break;
      case 2: subtract_rows_items<2>(outs + b, count, d, rows, nrows, width, pf, pf_words); break;
      default: subtract_rows_items<1>(outs + b, count, d, rows, nrows, width, pf, pf_words); break;
    }
  }
}

const SimdKernels kernels = {S::name, S::W, forward, backward_add_torus, multiply_accumulate, decompose_rotated_difference,
                             subtract_digit_rows};

}  // namespace avx512_impl
}  // namespace privlab_tfhe

#pragma GCC diagnostic pop
#pragma GCC pop_options
