// ggsw_external_product: glwe_out += GGSW(bit) (x) (X^power glwe - glwe), with the GGSW
// in the Fourier domain. Each of the k+1 input polynomials is decomposed into pbs_level
// signed digit polynomials (straight from the rotated difference, as doubles); each digit
// polynomial is transformed once and multiplies one GGSW row (k+1 polynomials); the k+1
// output columns are summed in the Fourier domain, in one pass over the GGSW, and each
// goes through a single inverse transform, added to glwe_out.
#include <algorithm>

#include "tfhe.h"

namespace privlab_tfhe {

PbsScratch::PbsScratch(const PbsParams& p, size_t batch_size)
    : batch(batch_size ? batch_size : 1),
      acc(batch * (p.glwe_dimension + 1) * p.polynomial_size),
      small_lwe(batch * (size_t(p.lwe_dimension) + 1)),
      ms_mask(batch * p.lwe_dimension),
      ms_body(batch),
      digits(size_t(p.pbs_level) * p.polynomial_size),
      fourier_digits(size_t(p.glwe_dimension + 1) * p.pbs_level * p.polynomial_size),
      fourier_out(size_t(p.glwe_dimension + 1) * p.polynomial_size) {}

void add_rotated_difference_external_product_assign(const ServerKey& key, size_t ggsw_index, size_t power, uint64_t* glwe,
                                                    PbsScratch& s, const double* prefetch) {
  const PbsParams& p = key.params;
  const size_t n = p.polynomial_size, k1 = p.glwe_dimension + 1, levels = p.pbs_level;
  const Fft64& fft = *key.fft;
  const SimdKernels& kern = fft.kernels();
  const size_t fd = fft.fourier_doubles();
  // the next GGSW in equal slices, one per transform
  const size_t total = prefetch ? key.ggsw_doubles() : 0, slices = k1 * levels + k1;
  const size_t slice = (total / slices + 7) / 8 * 8;
  size_t next = 0;
  auto take = [&](const double*& ptr) {
    const size_t count = std::min(slice, total - std::min(total, next));
    ptr = count ? prefetch + next : nullptr;
    next += count;
    return count;
  };
  const double* pf = nullptr;
  for (size_t r = 0; r < k1; ++r) {
    kern.decompose_rotated_difference(glwe + r * n, n, power, p.pbs_base_log, uint32_t(levels), s.digits.data());
    for (size_t j = 0; j < levels; ++j) {
      const size_t count = take(pf);
      fft.forward(s.digits.data() + j * n, s.fourier_digits.data() + (r * levels + j) * fd, pf, count);
    }
  }
  kern.multiply_accumulate(s.fourier_digits.data(), k1 * levels, key.ggsw(ggsw_index), k1, fft.fourier_size(),
                           s.fourier_out.data());
  for (size_t c = 0; c < k1; ++c) {
    const size_t count = take(pf);
    fft.backward_add_torus(s.fourier_out.data() + c * fd, glwe + c * n, pf, count);
  }
}

}  // namespace privlab_tfhe
