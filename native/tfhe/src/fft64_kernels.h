// fft64 kernels: the negacyclic FFT and the element-wise loops around it, written once
// over a W-lane double vector type S::D (W = S::W, 4 or 8) and compiled three times: for
// AVX-512 (kernels_avx512.cc, W = 8), AVX2+FMA (kernels_avx2.cc, W = 4) and any x86-64
// (kernels_generic.cc, W = 4); fft64.cc picks one at run time. Included only by those
// files, after they define S.
//
// Fourier layout ("W-blocked"): a polynomial's m = N/2 complex values are stored as
// m/W blocks of 2W doubles, (re[Wt..Wt+W-1], im[Wt..Wt+W-1]). The forward transform is a
// decimation-in-frequency FFT whose output order is a fixed permutation of the natural
// one (bit reversal and, in the last stage, a WxW transpose left undone); the backward
// transform takes that order back. Products of two transformed polynomials are
// point-wise, so the order never matters — and both operands always come from this same
// forward transform (the bootstrapping key is converted by it at load time), which is
// also why a Fourier polynomial made by one kernel is never given to another.
//
// Stages: with W_m = exp(2 pi i / m), a radix-4 step over span s (stages s and s/2 of the
// radix-2 DIF) maps x0..x3 at positions j, j+s/2, j+s, j+3s/2 (j < s/2) to
//   y0 = t0 + t1, y1 = (t0 - t1) w2, y2 = (t2 + t3) w1, y3 = (t2 - t3) w3
// with t0 = x0 + x2, t1 = x1 + x3, t2 = x0 - x2, t3 = i (x1 - x3), w1 = W_m^(j m / 2s),
// w2 = w1^2, w3 = w1^3. Stages whose pairs lie W or more apart are vertical steps
// (radix 4 from span m/2 down, and one radix-2 step at span W when their number is odd);
// the last log2(W) stages (spans W/2 .. 1) run inside registers on WxW-transposed
// groups of W blocks, fused with the vertical step just above them (its points are the
// same W blocks). For W = 4 those are spans 2 and 1 (twiddles 1 and i: a twiddle-free
// radix 4); for W = 8 spans 4, 2, 1 (twiddles the 8th roots of unity).
// The backward transform is the exact reverse with conjugate twiddles (result scaled by
// m, removed with the untwist). The first forward step also folds and twists the input:
// z_j = (a_j + i a_{j+m}) exp(i pi j / N); the last backward step untwists, scales and
// converts to the torus, adding into the output.

namespace privlab_tfhe {
namespace KERNEL_NS {

using D = S::D;
constexpr size_t W = S::W;       // lanes
constexpr size_t BLK = 2 * W;    // doubles per block of W complex values

// ---- complex helpers on (re, im) vector pairs --------------------------------------
struct C {
  D re, im;
};
static inline C cload(const double* p) { return {S::load(p), S::load(p + W)}; }
static inline void cstore(double* p, C c) {
  S::store(p, c.re);
  S::store(p + W, c.im);
}
static inline C cadd(C a, C b) { return {S::add(a.re, b.re), S::add(a.im, b.im)}; }
static inline C csub(C a, C b) { return {S::sub(a.re, b.re), S::sub(a.im, b.im)}; }
// a * w
static inline C cmul(C a, C w) {
  return {S::fmsub(a.re, w.re, S::mul(a.im, w.im)), S::fmadd(a.re, w.im, S::mul(a.im, w.re))};
}
// a * conj(w)
static inline C cmulc(C a, C w) {
  return {S::fmadd(a.re, w.re, S::mul(a.im, w.im)), S::fmsub(a.im, w.re, S::mul(a.re, w.im))};
}
// a + i d and a - i d
static inline C add_i(C a, C d) { return {S::sub(a.re, d.im), S::add(a.im, d.re)}; }
static inline C sub_i(C a, C d) { return {S::add(a.re, d.im), S::sub(a.im, d.re)}; }

// ---- forward ------------------------------------------------------------------------
// Radix-4 DIF butterfly on x0..x3 with twiddles w1, w2, w3 (dif4: stored as 3 blocks at tw).
static inline void dif4r(C& x0, C& x1, C& x2, C& x3, C w1, C w2, C w3) {
  const C t0 = cadd(x0, x2), t2 = csub(x0, x2), t1 = cadd(x1, x3), d = csub(x1, x3);
  x0 = cadd(t0, t1);
  x1 = cmul(csub(t0, t1), w2);
  x2 = cmul(add_i(t2, d), w1);
  x3 = cmul(sub_i(t2, d), w3);
}
static inline void dif4(C& x0, C& x1, C& x2, C& x3, const double* tw) {
  dif4r(x0, x1, x2, x3, cload(tw), cload(tw + BLK), cload(tw + 2 * BLK));
}

// Inverse of dif4 (times 4).
static inline void dit4r(C& x0, C& x1, C& x2, C& x3, C w1, C w2, C w3) {
  const C u1 = cmulc(x1, w2), u2 = cmulc(x2, w1), u3 = cmulc(x3, w3);
  const C t0 = cadd(x0, u1), t1 = csub(x0, u1), t2 = cadd(u2, u3), e = csub(u2, u3);
  x0 = cadd(t0, t2);
  x2 = csub(t0, t2);
  x1 = sub_i(t1, e);
  x3 = add_i(t1, e);
}
static inline void dit4(C& x0, C& x1, C& x2, C& x3, const double* tw) {
  dit4r(x0, x1, x2, x3, cload(tw), cload(tw + BLK), cload(tw + 2 * BLK));
}

// One vertical radix-4 step over span s on the W-blocked array f (m complex values):
// dif4 going forward, dit4 going back. Twiddle-major order: each j's twiddles are loaded
// once for all 2s-blocks (forward transform 7-8 % faster than block-major, same results).
template <bool FORWARD>
static inline void radix4_step(double* f, size_t m, size_t s, const double* tw) {
  const size_t h = s / 2;  // quarter of the 2s-block, in complex values
  const double* w = tw;
  for (size_t j = 0; j < h; j += W, w += 3 * BLK) {
    const C w1 = cload(w), w2 = cload(w + BLK), w3 = cload(w + 2 * BLK);
    for (size_t b = 0; b < m; b += 2 * s) {
      double* p = f + 2 * b;
      C x0 = cload(p + 2 * j), x1 = cload(p + 2 * (j + h)), x2 = cload(p + 2 * (j + s)), x3 = cload(p + 2 * (j + s + h));
      if (FORWARD) dif4r(x0, x1, x2, x3, w1, w2, w3);
      else dit4r(x0, x1, x2, x3, w1, w2, w3);
      cstore(p + 2 * j, x0);
      cstore(p + 2 * (j + h), x1);
      cstore(p + 2 * (j + s), x2);
      cstore(p + 2 * (j + s + h), x3);
    }
  }
}

// The vertical step fused into the last stages: radix 4 over span 2W (groups of 4
// blocks, twiddles tw: 3 blocks) or radix 2 over span W (pairs of blocks j, j+W; twiddle
// block tw = exp(i pi j / W), j < W).
enum class Pre { kRadix4, kRadix2 };

// Radix-W butterflies without cross-lane twiddles on the W vectors x (after the WxW
// transpose, vector k holds point k of every W-point group): the DIF stages of spans
// W/2 .. 1, forward; their inverse (times W), backward.
static inline C mul_i(C x) { return {S::sub(S::zero(), x.im), x.re}; }
static inline C mul_minus_i(C x) { return {x.im, S::sub(S::zero(), x.re)}; }
static inline void mul_by_root8(C& x, int k) {  // x * exp(i pi k / 4), k = 1, 2, 3
  const D r = S::set1(0.70710678118654752440);
  if (k == 2) {
    x = mul_i(x);
  } else if (k == 1) {  // (a + ib)(1 + i)/sqrt2
    x = {S::mul(S::sub(x.re, x.im), r), S::mul(S::add(x.re, x.im), r)};
  } else {  // (a + ib)(-1 + i)/sqrt2
    x = {S::mul(S::add(x.re, x.im), S::sub(S::zero(), r)), S::mul(S::sub(x.re, x.im), r)};
  }
}
static inline void mul_by_root8_conj(C& x, int k) {  // x * exp(-i pi k / 4)
  const D r = S::set1(0.70710678118654752440);
  if (k == 2) {
    x = mul_minus_i(x);
  } else if (k == 1) {  // (a + ib)(1 - i)/sqrt2
    x = {S::mul(S::add(x.re, x.im), r), S::mul(S::sub(x.im, x.re), r)};
  } else {  // (a + ib)(-1 - i)/sqrt2
    x = {S::mul(S::sub(x.im, x.re), r), S::mul(S::add(x.re, x.im), S::sub(S::zero(), r))};
  }
}

// the span-1 stage (twiddle-free, its own inverse up to a factor 2) on 8 vectors
static inline void span1(C* x) {
  for (int g = 0; g < 8; g += 2) {
    const C a = x[g], b = x[g + 1];
    x[g] = cadd(a, b);
    x[g + 1] = csub(a, b);
  }
}

static inline void dif_in_register(C* x) {
  if constexpr (W == 4) {
    const C t0 = cadd(x[0], x[2]), t2 = csub(x[0], x[2]), t1 = cadd(x[1], x[3]), d = csub(x[1], x[3]);
    x[0] = cadd(t0, t1);
    x[1] = csub(t0, t1);
    x[2] = add_i(t2, d);
    x[3] = sub_i(t2, d);
  } else {
    for (int k = 0; k < 4; ++k) {  // span 4
      const C a = x[k], b = x[k + 4];
      x[k] = cadd(a, b);
      x[k + 4] = csub(a, b);
      if (k) mul_by_root8(x[k + 4], k);
    }
    for (int g = 0; g < 8; g += 4)  // span 2
      for (int k = 0; k < 2; ++k) {
        const C a = x[g + k], b = x[g + k + 2];
        x[g + k] = cadd(a, b);
        x[g + k + 2] = k ? mul_i(csub(a, b)) : csub(a, b);
      }
    span1(x);
  }
}

static inline void dit_in_register(C* x) {
  if constexpr (W == 4) {
    const C t0 = cadd(x[0], x[1]), t1 = csub(x[0], x[1]), t2 = cadd(x[2], x[3]), e = csub(x[2], x[3]);
    x[0] = cadd(t0, t2);
    x[2] = csub(t0, t2);
    x[1] = sub_i(t1, e);
    x[3] = add_i(t1, e);
  } else {
    span1(x);
    for (int g = 0; g < 8; g += 4)  // span 2
      for (int k = 0; k < 2; ++k) {
        const C a = x[g + k];
        const C b = k ? mul_minus_i(x[g + k + 2]) : x[g + k + 2];  // times conj(i)
        x[g + k] = cadd(a, b);
        x[g + k + 2] = csub(a, b);
      }
    for (int k = 0; k < 4; ++k) {  // span 4
      C b = x[k + 4];
      if (k) mul_by_root8_conj(b, k);
      const C a = x[k];
      x[k] = cadd(a, b);
      x[k + 4] = csub(a, b);
    }
  }
}

static inline void transpose(C* x) {
  D re[W], im[W];
  for (size_t k = 0; k < W; ++k) re[k] = x[k].re, im[k] = x[k].im;
  S::transpose(re);
  S::transpose(im);
  for (size_t k = 0; k < W; ++k) x[k] = {re[k], im[k]};
}

// Prefetch: while the last step runs, the lines of [pf, pf + pf_doubles) are requested
// into cache a few per group of W blocks (see ggsw_external_product.cc).
static inline void prefetch_share(const double* pf, size_t pf_doubles, size_t b, size_t m) {
  if (!pf) return;
  constexpr size_t G = W * W;  // points per group
  const size_t per = (pf_doubles + m / G - 1) / (m / G), start = b / G * per;  // doubles per group
  for (size_t x = start; x < start + per && x < pf_doubles; x += 8) __builtin_prefetch(pf + x, 0, 2);
}

// The last stages on groups of W consecutive blocks: the fused vertical step, the WxW
// transpose (vector k then holds element k of each block), the in-register radix W;
// stored without transposing back.
template <Pre PRE>
static inline void forward_last(double* f, size_t m, const double* tw, const double* pf, size_t pf_doubles) {
  for (size_t b = 0; b < m; b += W * W) {
    prefetch_share(pf, pf_doubles, b, m);
    double* p = f + 2 * b;
    C x[W];
    for (size_t k = 0; k < W; ++k) x[k] = cload(p + k * BLK);
    if (PRE == Pre::kRadix4) {
      for (size_t g = 0; g < W; g += 4) dif4(x[g], x[g + 1], x[g + 2], x[g + 3], tw);
    } else if (PRE == Pre::kRadix2) {
      const C w = cload(tw);
      for (size_t g = 0; g < W; g += 2) {
        const C a = x[g], c = x[g + 1];
        x[g] = cadd(a, c);
        x[g + 1] = cmul(csub(a, c), w);
      }
    }
    transpose(x);
    dif_in_register(x);
    for (size_t k = 0; k < W; ++k) cstore(p + k * BLK, x[k]);
  }
}

template <Pre PRE>
static inline void backward_first(double* f, size_t m, const double* tw, const double* pf, size_t pf_doubles) {
  for (size_t b = 0; b < m; b += W * W) {
    prefetch_share(pf, pf_doubles, b, m);
    double* p = f + 2 * b;
    C x[W];
    for (size_t k = 0; k < W; ++k) x[k] = cload(p + k * BLK);
    dit_in_register(x);
    transpose(x);
    if (PRE == Pre::kRadix4) {
      for (size_t g = 0; g < W; g += 4) dit4(x[g], x[g + 1], x[g + 2], x[g + 3], tw);
    } else if (PRE == Pre::kRadix2) {
      const C w = cload(tw);
      for (size_t g = 0; g < W; g += 2) {
        const C a = x[g], u = cmulc(x[g + 1], w);
        x[g] = cadd(a, u);
        x[g + 1] = csub(a, u);
      }
    }
    for (size_t k = 0; k < W; ++k) cstore(p + k * BLK, x[k]);
  }
}

// Loads z_t = (a_t + i a_{t+m}) * twist_t for t = j..j+W-1 (a: N = 2m doubles).
static inline C twisted(const double* a, size_t m, size_t t, const double* twist) {
  const C z{S::load(a + t), S::load(a + t + m)};
  return cmul(z, cload(twist + 2 * t));
}

void forward(const FftTables& T, const double* a, double* f, const double* pf, size_t pf_doubles) {
  const size_t m = T.m, q = m / 4;
  // first radix-4 step (span m/2), reading the folded, twisted input
  {
    const double* w = T.pass_twiddles[0];
    for (size_t j = 0; j < q; j += W, w += 3 * BLK) {
      C x0 = twisted(a, m, j, T.twist), x1 = twisted(a, m, j + q, T.twist), x2 = twisted(a, m, j + 2 * q, T.twist),
        x3 = twisted(a, m, j + 3 * q, T.twist);
      dif4(x0, x1, x2, x3, w);
      cstore(f + 2 * j, x0);
      cstore(f + 2 * (j + q), x1);
      cstore(f + 2 * (j + 2 * q), x2);
      cstore(f + 2 * (j + 3 * q), x3);
    }
  }
  size_t s = m / 8, pass = 1;
  for (; s > 2 * W; s /= 4, ++pass) radix4_step<true>(f, m, s, T.pass_twiddles[pass]);
  if (s == 2 * W) return forward_last<Pre::kRadix4>(f, m, T.pass_twiddles[pass], pf, pf_doubles);
  forward_last<Pre::kRadix2>(f, m, T.pass_twiddles[pass], pf, pf_doubles);
}

// Untwists z (complex values t..t+W-1), scales to torus units and adds into
// out[t..t+W-1] and out[t+m..t+m+W-1].
static inline void untwist_add(C z, const double* untwist, size_t t, size_t m, uint64_t* out) {
  const C v = cmul(z, cload(untwist + 2 * t));
  S::torus_add(out + t, v.re);
  S::torus_add(out + t + m, v.im);
}

void backward_add_torus(const FftTables& T, double* f, uint64_t* out, const double* pf, size_t pf_doubles) {
  const size_t m = T.m, q = m / 4;
  size_t pass = T.passes - 1, s;
  if (T.radix2_last) {
    backward_first<Pre::kRadix2>(f, m, T.pass_twiddles[pass--], pf, pf_doubles);
    s = 4 * W;
  } else {
    backward_first<Pre::kRadix4>(f, m, T.pass_twiddles[pass--], pf, pf_doubles);
    s = 8 * W;
  }
  for (; s < m / 2; s *= 4, --pass) radix4_step<false>(f, m, s, T.pass_twiddles[pass]);
  // last radix-4 step (span m/2) with the untwist
  const double* w = T.pass_twiddles[0];
  for (size_t j = 0; j < q; j += W, w += 3 * BLK) {
    C x0 = cload(f + 2 * j), x1 = cload(f + 2 * (j + q)), x2 = cload(f + 2 * (j + 2 * q)), x3 = cload(f + 2 * (j + 3 * q));
    dit4(x0, x1, x2, x3, w);
    untwist_add(x0, T.untwist, j, m, out);
    untwist_add(x1, T.untwist, j + q, m, out);
    untwist_add(x2, T.untwist, j + 2 * q, m, out);
    untwist_add(x3, T.untwist, j + 3 * q, m, out);
  }
}

// out[c] = sum over rows r of fd[r] * key[r][c], point-wise, for c < cols; the key
// block for W complex values holds rows x cols blocks of 2W doubles (row-major).
// ROWS/COLS > 0: compile-time sizes (fully unrolled, accumulators in registers).
template <int ROWS, int COLS>
static void multiply_accumulate_t(const double* __restrict fd, size_t rows_rt, const double* __restrict key,
                                  size_t cols_rt, size_t m, double* __restrict out) {
  const size_t rows = ROWS > 0 ? size_t(ROWS) : rows_rt, cols = COLS > 0 ? size_t(COLS) : cols_rt;
  const size_t stride = 2 * m;  // doubles per Fourier polynomial
  if (COLS > 0) {
    for (size_t b = 0; b < 2 * m; b += BLK, key += rows * cols * BLK) {
      D re[COLS > 0 ? COLS : 1], im[COLS > 0 ? COLS : 1];
      for (int c = 0; c < COLS; ++c) re[c] = im[c] = S::zero();
      for (size_t r = 0; r < rows; ++r) {
        const D dr = S::load(fd + r * stride + b), di = S::load(fd + r * stride + b + W);
        for (int c = 0; c < COLS; ++c) {
          const double* g = key + (r * cols + size_t(c)) * BLK;
          const D gr = S::load(g), gi = S::load(g + W);
          re[c] = S::fmadd(dr, gr, re[c]);
          im[c] = S::fmadd(dr, gi, im[c]);
          re[c] = S::fnmadd(di, gi, re[c]);
          im[c] = S::fmadd(di, gr, im[c]);
        }
      }
      for (int c = 0; c < COLS; ++c) {
        S::store(out + size_t(c) * stride + b, re[c]);
        S::store(out + size_t(c) * stride + b + W, im[c]);
      }
    }
    return;
  }
  for (size_t b = 0; b < 2 * m; b += BLK, key += rows * cols * BLK) {
    for (size_t c = 0; c < cols; ++c) {
      D re = S::zero(), im = S::zero();
      for (size_t r = 0; r < rows; ++r) {
        const D dr = S::load(fd + r * stride + b), di = S::load(fd + r * stride + b + W);
        const double* g = key + (r * cols + c) * BLK;
        const D gr = S::load(g), gi = S::load(g + W);
        re = S::fmadd(dr, gr, re);
        im = S::fmadd(dr, gi, im);
        re = S::fnmadd(di, gi, re);
        im = S::fmadd(di, gr, im);
      }
      S::store(out + c * stride + b, re);
      S::store(out + c * stride + b + W, im);
    }
  }
}

void multiply_accumulate(const double* fd, size_t rows, const double* key, size_t cols, size_t m, double* out) {
  // the usual shapes: k = 1..3 (cols = k + 1), 1 or 2 levels (rows = cols x levels)
#define PRIVLAB_MAC(R, C) \
  if (rows == R && cols == C) return multiply_accumulate_t<R, C>(fd, rows, key, cols, m, out)
  PRIVLAB_MAC(2, 2);
  PRIVLAB_MAC(4, 2);
  PRIVLAB_MAC(3, 3);
  PRIVLAB_MAC(6, 3);
  PRIVLAB_MAC(4, 4);
  PRIVLAB_MAC(1, 1);
#undef PRIVLAB_MAC
  if (cols == 2) return multiply_accumulate_t<0, 2>(fd, rows, key, cols, m, out);
  if (cols == 3) return multiply_accumulate_t<0, 3>(fd, rows, key, cols, m, out);
  if (cols == 4) return multiply_accumulate_t<0, 4>(fd, rows, key, cols, m, out);
  multiply_accumulate_t<0, 0>(fd, rows, key, cols, m, out);
}

// Digits of X^power * a - a (a: one polynomial of N coefficients, power in (0, 2N)),
// signed and balanced as signed_decompose, written as doubles: level j (most significant
// first) at digits + j N. Plain loops: the compiler vectorizes them for the target.
//
// One level (the usual PBS decomposition): the digit is the top base_log bits of
// v + 2^(63 - base_log) (rounding) read as a signed number, in [-2^(B-1), 2^(B-1)). It is
// formed straight as a double: with t = (top bits) xor 2^(B-1) = digit + 2^(B-1) in
// [0, 2^B), the double with bit pattern bits(1.5 * 2^52) + t is 1.5 * 2^52 + t exactly.
// (signed_decompose rounds the tie digit = -2^(B-1) up to +2^(B-1) when the discarded
// carry is even; both are exact decompositions of the same value modulo 2^64.)
template <bool NEGATE>
static inline void decompose_one_level(const uint64_t* __restrict src, const uint64_t* __restrict a, size_t count,
                                       uint32_t base_log, double* __restrict digits) {
  const uint32_t shift = 64 - base_log;
  const uint64_t round = uint64_t(1) << (shift - 1);
  const uint64_t half = uint64_t(1) << (base_log - 1);
  const uint64_t magic_bits = 0x4338000000000000ULL;  // 1.5 * 2^52
  const double offset = 6755399441055744.0 + double(half);
#pragma GCC unroll 4
  for (size_t x = 0; x < count; ++x) {
    const uint64_t v = (NEGATE ? uint64_t(0) - src[x] : src[x]) - a[x];
    const uint64_t bits = (((v + round) >> shift) ^ half) + magic_bits;
    double d;
    __builtin_memcpy(&d, &bits, sizeof d);
    digits[x] = d - offset;
  }
}

template <int LEVELS>
static inline void decompose_range(const uint64_t* __restrict src, const uint64_t* __restrict a, size_t count,
                                   bool negate, uint32_t base_log, uint32_t levels, double* __restrict digits,
                                   size_t n) {
  const uint32_t shift = 64 - base_log * levels;  // > 0: base_log * levels < 64 here
  const uint64_t mask = (uint64_t(1) << base_log) - 1;
  const int64_t half = int64_t(1) << (base_log - 1);
  const uint64_t sign = negate ? ~uint64_t(0) : 0;  // x ^ sign - sign = -x when negating
  const int64_t magic_bits = 0x4338000000000000LL;   // 1.5 * 2^52: exact int64 -> double below 2^51
  for (size_t x = 0; x < count; ++x) {
    const uint64_t v = ((src[x] ^ sign) - sign) - a[x];
    uint64_t rep = ((v >> (shift - 1)) + 1) >> 1;
    for (int j = LEVELS - 1; j >= 0; --j) {
      const int64_t d = int64_t(rep & mask);
      const uint64_t rest = rep >> base_log;
      const int64_t carry = int64_t(uint64_t(half - d - int64_t(rest & 1)) >> 63);
      const int64_t digit = d - (carry << base_log);
      rep = rest + uint64_t(carry);
      const int64_t bits = digit + magic_bits;
      double dd;
      __builtin_memcpy(&dd, &bits, sizeof dd);
      digits[size_t(j) * n + x] = dd - 6755399441055744.0;
    }
  }
}

template <int LEVELS>
static void decompose_rotated_difference_t(const uint64_t* a, size_t n, size_t power, uint32_t base_log,
                                           uint32_t levels, double* digits) {
  // (X^power a)[x]: for power p < N, a[x-p] when x >= p, -a[x-p+N] when x < p; for
  // power >= N the signs flip.
  const bool flip = power >= n;
  const size_t p = flip ? power - n : power;
  if (LEVELS == 1) {
    if (flip) {
      decompose_one_level<false>(a + (n - p), a, p, base_log, digits);
      decompose_one_level<true>(a, a + p, n - p, base_log, digits + p);
    } else {
      decompose_one_level<true>(a + (n - p), a, p, base_log, digits);
      decompose_one_level<false>(a, a + p, n - p, base_log, digits + p);
    }
    return;
  }
  decompose_range<LEVELS>(a + (n - p), a, p, !flip, base_log, levels, digits, n);
  decompose_range<LEVELS>(a, a + p, n - p, flip, base_log, levels, digits + p, n);
}

void decompose_rotated_difference(const uint64_t* a, size_t n, size_t power, uint32_t base_log, uint32_t levels,
                                  double* digits) {
  if (base_log * levels < 64) {
    switch (levels) {
      case 1: return decompose_rotated_difference_t<1>(a, n, power, base_log, levels, digits);
      case 2: return decompose_rotated_difference_t<2>(a, n, power, base_log, levels, digits);
      case 3: return decompose_rotated_difference_t<3>(a, n, power, base_log, levels, digits);
      case 4: return decompose_rotated_difference_t<4>(a, n, power, base_log, levels, digits);
      default: break;
    }
  }
  // other decompositions: coefficient by coefficient
  const bool flip = power >= n;
  const size_t p = flip ? power - n : power;
  std::vector<int64_t> d(levels);
  for (size_t x = 0; x < n; ++x) {
    const uint64_t rot = x >= p ? a[x - p] : uint64_t(0) - a[x - p + n];
    signed_decompose((flip ? uint64_t(0) - rot : rot) - a[x], base_log, levels, d.data());
    for (uint32_t j = 0; j < levels; ++j) digits[size_t(j) * n + x] = double(d[j]);
  }
}


}  // namespace KERNEL_NS
}  // namespace privlab_tfhe
