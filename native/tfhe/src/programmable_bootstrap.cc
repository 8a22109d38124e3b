// programmable_bootstrap: modulus switch -> blind rotation -> sample extraction.
// The lookup polynomial holds one torus value per position t in [0, N); a ciphertext
// whose (offset) phase rounds to t/(2N) comes out as an encryption of lut[t] (and
// positions N..2N-1 read -lut[t-N], the negacyclic wrap).
#include <stdexcept>

#include "tfhe.h"

namespace privlab_tfhe {

void programmable_bootstrap_lwe_ciphertext(const ServerKey& key, size_t count, const uint64_t* const* small_lwes,
                                           const uint64_t* const* luts, uint64_t body_offset, uint64_t* const* big_lwes,
                                           PbsScratch& s) {
  if (count > s.batch) throw std::logic_error("PBS batch larger than its scratch");
  const PbsParams& p = key.params;
  uint32_t log_2n = 0;
  while ((size_t(1) << log_2n) < 2 * size_t(p.polynomial_size)) ++log_2n;
  for (size_t b = 0; b < count; ++b)
    lwe_ciphertext_centered_modulus_switch(small_lwes[b], p.lwe_dimension, body_offset, log_2n,
                                           s.ms_mask.data() + b * p.lwe_dimension, &s.ms_body[b]);
  blind_rotate_assign(key, count, luts, s);
  const size_t glwe = size_t(p.glwe_dimension + 1) * p.polynomial_size;
  for (size_t b = 0; b < count; ++b)
    extract_lwe_sample_from_glwe_ciphertext(s.acc.data() + b * glwe, p.glwe_dimension, p.polynomial_size, big_lwes[b]);
}

}  // namespace privlab_tfhe
