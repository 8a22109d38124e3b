// fft64 kernels: the negacyclic FFT and the element-wise loops around it, written once
// over a 4-lane double vector type S::D and compiled twice, for AVX2+FMA
// (kernels_avx2.cc) and for any x86-64 (kernels_generic.cc); fft64.cc picks one at run
// time. Included only by those two files, after they define S.
//
// Fourier layout ("4-blocked"): a polynomial's m = N/2 complex values are stored as
// m/4 blocks of 8 doubles, (re[4t..4t+3], im[4t..4t+3]). The forward transform is a
// decimation-in-frequency FFT whose output order is a fixed permutation of the natural
// one (bit reversal and, in the last stage, a 4x4 transpose left undone); the backward
// transform takes that order back. Products of two transformed polynomials are
// point-wise, so the order never matters — and both operands always come from this same
// forward transform (the bootstrapping key is converted by it at load time).
//
// Stages: with W = exp(2 pi i / m), a radix-4 step over span s (stages s and s/2 of the
// radix-2 DIF) maps x0..x3 at positions j, j+s/2, j+s, j+3s/2 (j < s/2) to
//   y0 = t0 + t1, y1 = (t0 - t1) w2, y2 = (t2 + t3) w1, y3 = (t2 - t3) w3
// with t0 = x0 + x2, t1 = x1 + x3, t2 = x0 - x2, t3 = i (x1 - x3), w1 = W^(j m / 2s),
// w2 = w1^2, w3 = w1^3. Spans m/2, m/8, ... down to 8 are such vertical steps (a radix-2
// step at span 4 when log2(m) is odd), and the last two stages (spans 2 and 1, all
// twiddles 1 or i) run inside registers on 4x4-transposed blocks, fused with the span-8
// step when there is one (the same 16 points). The backward transform
// is the exact reverse with conjugate twiddles (result scaled by m, removed with the
// untwist). The first forward step also folds and twists the input:
// z_j = (a_j + i a_{j+m}) exp(i pi j / N); the last backward step untwists, scales and
// converts to the torus, adding into the output.

namespace privlab_tfhe {
namespace KERNEL_NS {

using D = S::D;

// ---- complex helpers on (re, im) vector pairs --------------------------------------
struct C {
  D re, im;
};
static inline C cload(const double* p) { return {S::load(p), S::load(p + 4)}; }
static inline void cstore(double* p, C c) {
  S::store(p, c.re);
  S::store(p + 4, c.im);
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
// Radix-4 DIF butterfly on x0..x3 with twiddles (w1, w2, w3) stored as 3 blocks at tw.
static inline void dif4(C& x0, C& x1, C& x2, C& x3, const double* tw) {
  const C t0 = cadd(x0, x2), t2 = csub(x0, x2), t1 = cadd(x1, x3), d = csub(x1, x3);
  x0 = cadd(t0, t1);
  x1 = cmul(csub(t0, t1), cload(tw + 8));
  x2 = cmul(add_i(t2, d), cload(tw));
  x3 = cmul(sub_i(t2, d), cload(tw + 16));
}

// Inverse of dif4 (times 4).
static inline void dit4(C& x0, C& x1, C& x2, C& x3, const double* tw) {
  const C u1 = cmulc(x1, cload(tw + 8)), u2 = cmulc(x2, cload(tw)), u3 = cmulc(x3, cload(tw + 16));
  const C t0 = cadd(x0, u1), t1 = csub(x0, u1), t2 = cadd(u2, u3), e = csub(u2, u3);
  x0 = cadd(t0, t2);
  x2 = csub(t0, t2);
  x1 = sub_i(t1, e);
  x3 = add_i(t1, e);
}

// One vertical radix-4 step over span s on the 4-blocked array f (m complex values):
// dif4 going forward, dit4 going back.
template <bool FORWARD>
static inline void radix4_step(double* f, size_t m, size_t s, const double* tw) {
  const size_t h = s / 2;  // quarter of the 2s-block, in complex values
  for (size_t b = 0; b < m; b += 2 * s) {
    double* p = f + 2 * b;
    const double* w = tw;
    for (size_t j = 0; j < h; j += 4, w += 24) {
      C x0 = cload(p + 2 * j), x1 = cload(p + 2 * (j + h)), x2 = cload(p + 2 * (j + s)), x3 = cload(p + 2 * (j + s + h));
      if (FORWARD) dif4(x0, x1, x2, x3, w);
      else dit4(x0, x1, x2, x3, w);
      cstore(p + 2 * j, x0);
      cstore(p + 2 * (j + h), x1);
      cstore(p + 2 * (j + s), x2);
      cstore(p + 2 * (j + s + h), x3);
    }
  }
}

// Radix-2 step over span 4 (pairs j, j+4 in 8-blocks): one vector per half, twiddle
// block tw = W^(j m / 8), j = 0..3.
static inline void forward_radix2_span4(double* f, size_t m, const double* tw) {
  const C w = cload(tw);
  for (size_t b = 0; b < m; b += 8) {
    double* p = f + 2 * b;
    const C x0 = cload(p), x1 = cload(p + 8);
    cstore(p, cadd(x0, x1));
    cstore(p + 8, cmul(csub(x0, x1), w));
  }
}

static inline void backward_radix2_span4(double* f, size_t m, const double* tw) {
  const C w = cload(tw);
  for (size_t b = 0; b < m; b += 8) {
    double* p = f + 2 * b;
    const C x0 = cload(p), u1 = cmulc(cload(p + 8), w);
    cstore(p, cadd(x0, u1));
    cstore(p + 8, csub(x0, u1));
  }
}

// Spans 2 and 1 on 4 consecutive blocks: transpose so that vector k holds element k of
// each block, then a twiddle-free radix-4 DIF; stored without transposing back. With
// WITH_SPAN8, the radix-4 step over span 8 (whose 16-point groups are exactly these 4
// blocks; twiddles tw8) is done first on the same registers.
// Prefetch: while the last step runs, the lines of [pf, pf + pf_doubles) are requested
// into cache a few per 16 points (see ggsw_external_product.cc).
static inline void prefetch_share(const double* pf, size_t pf_doubles, size_t b, size_t m) {
  if (!pf) return;
  const size_t per = (pf_doubles + m / 16 - 1) / (m / 16), start = b / 16 * per;  // doubles per 16 points
  for (size_t x = start; x < start + per && x < pf_doubles; x += 8) __builtin_prefetch(pf + x, 0, 2);
}

template <bool WITH_SPAN8>
static inline void forward_last(double* f, size_t m, const double* tw8, const double* pf, size_t pf_doubles) {
  for (size_t b = 0; b < m; b += 16) {
    prefetch_share(pf, pf_doubles, b, m);
    double* p = f + 2 * b;
    C x0 = cload(p), x1 = cload(p + 8), x2 = cload(p + 16), x3 = cload(p + 24);
    if (WITH_SPAN8) dif4(x0, x1, x2, x3, tw8);
    S::transpose(x0.re, x1.re, x2.re, x3.re);
    S::transpose(x0.im, x1.im, x2.im, x3.im);
    const C t0 = cadd(x0, x2), t2 = csub(x0, x2), t1 = cadd(x1, x3), d = csub(x1, x3);
    cstore(p, cadd(t0, t1));
    cstore(p + 8, csub(t0, t1));
    cstore(p + 16, add_i(t2, d));
    cstore(p + 24, sub_i(t2, d));
  }
}

template <bool WITH_SPAN8>
static inline void backward_first(double* f, size_t m, const double* tw8, const double* pf, size_t pf_doubles) {
  for (size_t b = 0; b < m; b += 16) {
    prefetch_share(pf, pf_doubles, b, m);
    double* p = f + 2 * b;
    const C y0 = cload(p), y1 = cload(p + 8), y2 = cload(p + 16), y3 = cload(p + 24);
    const C t0 = cadd(y0, y1), t1 = csub(y0, y1), t2 = cadd(y2, y3), e = csub(y2, y3);
    C x0 = cadd(t0, t2), x2 = csub(t0, t2), x1 = sub_i(t1, e), x3 = add_i(t1, e);
    S::transpose(x0.re, x1.re, x2.re, x3.re);
    S::transpose(x0.im, x1.im, x2.im, x3.im);
    if (WITH_SPAN8) dit4(x0, x1, x2, x3, tw8);
    cstore(p, x0);
    cstore(p + 8, x1);
    cstore(p + 16, x2);
    cstore(p + 24, x3);
  }
}

// Loads z_t = (a_t + i a_{t+m}) * twist_t for t = j..j+3 (a: N = 2m doubles).
static inline C twisted(const double* a, size_t m, size_t t, const double* twist) {
  const C z{S::load(a + t), S::load(a + t + m)};
  return cmul(z, cload(twist + 2 * t));
}

void forward(const FftTables& T, const double* a, double* f, const double* pf, size_t pf_doubles) {
  const size_t m = T.m, q = m / 4;
  // first radix-4 step (span m/2), reading the folded, twisted input
  {
    const double* w = T.pass_twiddles[0];
    for (size_t j = 0; j < q; j += 4, w += 24) {
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
  for (; s > 8; s /= 4, ++pass) radix4_step<true>(f, m, s, T.pass_twiddles[pass]);
  if (s == 8) return forward_last<true>(f, m, T.pass_twiddles[pass], pf, pf_doubles);
  forward_radix2_span4(f, m, T.pass_twiddles[pass]);
  forward_last<false>(f, m, nullptr, pf, pf_doubles);
}

// Untwists z (complex values t..t+3), scales to torus units and adds into out[t..t+3]
// and out[t+m..t+m+3].
static inline void untwist_add(C z, const double* untwist, size_t t, size_t m, uint64_t* out) {
  const C v = cmul(z, cload(untwist + 2 * t));
  S::torus_add(out + t, v.re);
  S::torus_add(out + t + m, v.im);
}

void backward_add_torus(const FftTables& T, double* f, uint64_t* out, const double* pf, size_t pf_doubles) {
  const size_t m = T.m, q = m / 4;
  size_t pass = T.passes - 1, s;
  if (T.radix2_span4) {
    backward_first<false>(f, m, nullptr, pf, pf_doubles);
    backward_radix2_span4(f, m, T.pass_twiddles[pass--]);
    s = 16;
  } else {
    backward_first<true>(f, m, T.pass_twiddles[pass--], pf, pf_doubles);
    s = 32;
  }
  for (; s < m / 2; s *= 4, --pass) radix4_step<false>(f, m, s, T.pass_twiddles[pass]);
  // last radix-4 step (span m/2) with the untwist
  const double* w = T.pass_twiddles[0];
  for (size_t j = 0; j < q; j += 4, w += 24) {
    C x0 = cload(f + 2 * j), x1 = cload(f + 2 * (j + q)), x2 = cload(f + 2 * (j + 2 * q)), x3 = cload(f + 2 * (j + 3 * q));
    dit4(x0, x1, x2, x3, w);
    untwist_add(x0, T.untwist, j, m, out);
    untwist_add(x1, T.untwist, j + q, m, out);
    untwist_add(x2, T.untwist, j + 2 * q, m, out);
    untwist_add(x3, T.untwist, j + 3 * q, m, out);
  }
}

// out[c] = sum over rows r of fd[r] * key[r][c], point-wise, for c < cols; the key
// block for 4 complex values holds rows x cols blocks of 8 doubles (row-major).
// ROWS/COLS > 0: compile-time sizes (fully unrolled, accumulators in registers).
template <int ROWS, int COLS>
static void multiply_accumulate_t(const double* __restrict fd, size_t rows_rt, const double* __restrict key,
                                  size_t cols_rt, size_t m, double* __restrict out) {
  const size_t rows = ROWS > 0 ? size_t(ROWS) : rows_rt, cols = COLS > 0 ? size_t(COLS) : cols_rt;
  const size_t stride = 2 * m;  // doubles per Fourier polynomial
  if (COLS > 0) {
    for (size_t b = 0; b < 2 * m; b += 8, key += rows * cols * 8) {
      D re[COLS > 0 ? COLS : 1], im[COLS > 0 ? COLS : 1];
      for (int c = 0; c < COLS; ++c) re[c] = im[c] = S::zero();
      for (size_t r = 0; r < rows; ++r) {
        const D dr = S::load(fd + r * stride + b), di = S::load(fd + r * stride + b + 4);
        for (int c = 0; c < COLS; ++c) {
          const double* g = key + (r * cols + size_t(c)) * 8;
          const D gr = S::load(g), gi = S::load(g + 4);
          re[c] = S::fmadd(dr, gr, re[c]);
          im[c] = S::fmadd(dr, gi, im[c]);
          re[c] = S::fnmadd(di, gi, re[c]);
          im[c] = S::fmadd(di, gr, im[c]);
        }
      }
      for (int c = 0; c < COLS; ++c) {
        S::store(out + size_t(c) * stride + b, re[c]);
        S::store(out + size_t(c) * stride + b + 4, im[c]);
      }
    }
    return;
  }
  for (size_t b = 0; b < 2 * m; b += 8, key += rows * cols * 8) {
    for (size_t c = 0; c < cols; ++c) {
      D re = S::zero(), im = S::zero();
      for (size_t r = 0; r < rows; ++r) {
        const D dr = S::load(fd + r * stride + b), di = S::load(fd + r * stride + b + 4);
        const double* g = key + (r * cols + c) * 8;
        const D gr = S::load(g), gi = S::load(g + 4);
        re = S::fmadd(dr, gr, re);
        im = S::fmadd(dr, gi, im);
        re = S::fnmadd(di, gi, re);
        im = S::fmadd(di, gr, im);
      }
      S::store(out + c * stride + b, re);
      S::store(out + c * stride + b + 4, im);
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
