// blind_rotate: starting from the trivial GLWE (0, X^(-b~) * LUT), one CMux per small-key
// bit: acc += GGSW(s_i) (x) (X^(a~_i) * acc - acc), so that at the end
// acc = GLWE(X^(-(b~ - sum a~_i s_i)) * LUT) and its constant coefficient is LUT[phase~].
#include <cstring>

#include "tfhe.h"

namespace privlab_tfhe {

void blind_rotate_assign(const ServerKey& key, const uint32_t* ms_mask, uint32_t ms_body, const uint64_t* lut,
                         PbsScratch& s) {
  const PbsParams& p = key.params;
  const size_t n = p.polynomial_size, k = p.glwe_dimension, two_n = 2 * n;
  std::memset(s.acc.data(), 0, sizeof(uint64_t) * k * n);
  polynomial_wrapping_monic_mul(lut, s.acc.data() + k * n, n, (two_n - ms_body) % two_n);
  for (size_t i = 0; i < p.lwe_dimension; ++i) {
    const size_t a = ms_mask[i];
    if (a == 0) continue;  // X^0 * acc - acc = 0: the CMux is the identity
    add_rotated_difference_external_product_assign(key, i, a, s.acc.data(), s);
  }
}

}  // namespace privlab_tfhe
