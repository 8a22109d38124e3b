// programmable_bootstrap: modulus switch -> blind rotation -> sample extraction.
// The lookup polynomial holds one torus value per position t in [0, N); a ciphertext
// whose (offset) phase rounds to t/(2N) comes out as an encryption of lut[t] (and
// positions N..2N-1 read -lut[t-N], the negacyclic wrap).
#include "tfhe.h"

namespace privlab_tfhe {

void programmable_bootstrap_lwe_ciphertext(const ServerKey& key, const uint64_t* small_lwe, const uint64_t* lut,
                                           uint64_t body_offset, uint64_t* big_lwe_out, PbsScratch& s) {
  const PbsParams& p = key.params;
  uint32_t log_2n = 0;
  while ((size_t(1) << log_2n) < 2 * size_t(p.polynomial_size)) ++log_2n;
  uint32_t ms_body = 0;
  lwe_ciphertext_centered_modulus_switch(small_lwe, p.lwe_dimension, body_offset, log_2n, s.ms_mask.data(), &ms_body);
  blind_rotate_assign(key, s.ms_mask.data(), ms_body, lut, s);
  extract_lwe_sample_from_glwe_ciphertext(s.acc.data(), p.glwe_dimension, p.polynomial_size, big_lwe_out);
}

}  // namespace privlab_tfhe
