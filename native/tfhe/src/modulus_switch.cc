// modulus_switch: from Z/2^64 to Z/2N, mean-corrected for binary keys (see tfhe.h).
#include "tfhe.h"

namespace privlab_tfhe {

void lwe_ciphertext_centered_modulus_switch(const uint64_t* lwe, size_t lwe_dimension, uint64_t body_offset,
                                            uint32_t log_modulus, uint32_t* out_mask, uint32_t* out_body) {
  const uint32_t up = 64 - log_modulus;
  // sum of rounding errors (round(a_i) - a_i) over the mask; each |err| <= 2^(up-1), and
  // n of them fit in 64 bits for any practical n.
  int64_t err_sum = 0;
  for (size_t i = 0; i < lwe_dimension; ++i) {
    const uint64_t ms = modulus_switch(lwe[i], log_modulus);
    out_mask[i] = uint32_t(ms);
    err_sum += int64_t((ms << up) - lwe[i]);
  }
  // E[sum err_i s_i] = err_sum / 2 for uniform binary s: remove it from the phase by
  // adding it to the body (the phase is body - <mask, s>).
  const uint64_t body = lwe[lwe_dimension] + body_offset + uint64_t(err_sum / 2);
  *out_body = uint32_t(modulus_switch(body, log_modulus));
}

}  // namespace privlab_tfhe
