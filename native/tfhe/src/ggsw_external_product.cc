// ggsw_external_product: glwe_out += GGSW(bit) (x) glwe_in, with the GGSW in the
// Fourier domain. glwe_in is decomposed into pbs_level signed digit polynomials per
// GLWE polynomial; each digit polynomial multiplies one GGSW row (a GLWE of k+1
// polynomials), and the k+1 output polynomials are accumulated in the Fourier domain
// before a single inverse transform each.
#include <cstring>

#include "tfhe.h"

namespace privlab_tfhe {

// Signed decomposition of a whole polynomial, level by level, in loops over the
// coefficients that the compiler vectorizes (the per-coefficient version with its
// branches was 3/4 of the external product's time). Same digits as signed_decompose.
void decompose_polynomial(const uint64_t* __restrict poly, size_t n, uint32_t base_log, uint32_t levels,
                          uint64_t* __restrict state, int64_t* __restrict digits) {
  const uint32_t shift = 64 - base_log * levels;
  if (shift == 0) {
    for (size_t x = 0; x < n; ++x) state[x] = poly[x];
  } else {
    for (size_t x = 0; x < n; ++x) state[x] = ((poly[x] >> (shift - 1)) + 1) >> 1;
  }
  const uint64_t mask = (uint64_t(1) << base_log) - 1;
  const int64_t half = int64_t(1) << (base_log - 1);
  for (int j = int(levels) - 1; j >= 0; --j) {
    int64_t* __restrict out = digits + size_t(j) * n;
    for (size_t x = 0; x < n; ++x) {
      const uint64_t rep = state[x];
      const int64_t d = int64_t(rep & mask);
      const uint64_t rest = rep >> base_log;
      // carry when d > half, or d == half and the next digit is odd (round half to
      // even): exactly when half - (d + (rest & 1)) is negative. Branch-free to vectorize.
      const int64_t carry = int64_t(uint64_t(half - d - int64_t(rest & 1)) >> 63);
      out[x] = d - (carry << base_log);
      state[x] = rest + uint64_t(carry);
    }
  }
}

PbsScratch::PbsScratch(const PbsParams& p)
    : acc(size_t(p.glwe_dimension + 1) * p.polynomial_size),
      rotated(size_t(p.glwe_dimension + 1) * p.polynomial_size),
      small_lwe(size_t(p.lwe_dimension) + 1),
      digits(size_t(p.pbs_level) * p.polynomial_size),
      decomp_state(p.polynomial_size),
      ms_mask(p.lwe_dimension),
      fourier_digits(size_t(p.pbs_level) * (p.polynomial_size / 2)),
      fourier_out(size_t(p.glwe_dimension + 1) * (p.polynomial_size / 2)) {}

void add_external_product_assign(const ServerKey& key, size_t ggsw_index, const uint64_t* glwe_in, uint64_t* glwe_out,
                                 PbsScratch& s) {
  const PbsParams& p = key.params;
  const size_t n = p.polynomial_size, m = n / 2, k1 = p.glwe_dimension + 1, levels = p.pbs_level;
  const Fft64& fft = *key.fft;
  const fftw_complex* ggsw = key.ggsw(ggsw_index);
  double* out = reinterpret_cast<double*>(s.fourier_out.data);
  std::memset(out, 0, sizeof(double) * 2 * k1 * m);

  for (size_t r = 0; r < k1; ++r) {
    decompose_polynomial(glwe_in + r * n, n, p.pbs_base_log, uint32_t(levels), s.decomp_state.data(), s.digits.data());
    for (size_t j = 0; j < levels; ++j) {
      fftw_complex* fd = s.fourier_digits.data + j * m;
      fft.forward_i64(s.digits.data() + j * n, fd);
      const double* d = reinterpret_cast<const double*>(fd);
      // GGSW row (level j, row r): k+1 polynomials, one per output column c.
      const fftw_complex* row = ggsw + (j * k1 + r) * k1 * m;
      for (size_t c = 0; c < k1; ++c) {
        const double* g = reinterpret_cast<const double*>(row + c * m);
        double* o = out + 2 * c * m;
        for (size_t z = 0; z < m; ++z) {
          const double dr = d[2 * z], di = d[2 * z + 1], gr = g[2 * z], gi = g[2 * z + 1];
          o[2 * z] += dr * gr - di * gi;
          o[2 * z + 1] += dr * gi + di * gr;
        }
      }
    }
  }
  for (size_t c = 0; c < k1; ++c) fft.backward_add_torus(s.fourier_out.data + c * m, glwe_out + c * n);
}

}  // namespace privlab_tfhe
