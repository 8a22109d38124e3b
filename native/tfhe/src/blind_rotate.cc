// blind_rotate: starting from the trivial GLWE (0, X^(-b~) * LUT), one CMux per small-key
// bit: acc += GGSW(s_i) (x) (X^(a~_i) * acc - acc), so that at the end
// acc = GLWE(X^(-(b~ - sum a~_i s_i)) * LUT) and its constant coefficient is LUT[phase~].
// A batch of ciphertexts goes through the key bits together: GGSW i (64 KiB at N = 2048,
// k = 1) is fetched from memory once and serves every item from cache, which is what
// keeps the bootstrapping key's memory traffic (55 MB per pass) from limiting two cores.
#include <cstring>

#include "tfhe.h"

#ifndef PRIVLAB_PREFETCH
#define PRIVLAB_PREFETCH 1
#endif

namespace privlab_tfhe {

void blind_rotate_assign(const ServerKey& key, size_t count, const uint64_t* const* luts, PbsScratch& s) {
  const PbsParams& p = key.params;
  const size_t n = p.polynomial_size, k = p.glwe_dimension, two_n = 2 * n, glwe = (k + 1) * n;
  for (size_t b = 0; b < count; ++b) {
    uint64_t* acc = s.acc.data() + b * glwe;
    std::memset(acc, 0, sizeof(uint64_t) * k * n);
    polynomial_wrapping_monic_mul(luts[b], acc + k * n, n, (two_n - s.ms_body[b]) % two_n);
  }
  for (size_t i = 0; i < p.lwe_dimension; ++i) {
    // the first product with GGSW i brings GGSW i+1 into cache meanwhile
    const double* next = PRIVLAB_PREFETCH && i + 1 < p.lwe_dimension ? key.ggsw(i + 1) : nullptr;
    for (size_t b = 0; b < count; ++b) {
      const size_t a = s.ms_mask[b * p.lwe_dimension + i];
      if (a == 0) continue;  // X^0 * acc - acc = 0: the CMux is the identity
      add_rotated_difference_external_product_assign(key, i, a, s.acc.data() + b * glwe, s, next);
      next = nullptr;
    }
  }
}

}  // namespace privlab_tfhe
