// glwe_sample_extraction: the constant coefficient of a GLWE ciphertext as an LWE
// ciphertext under the flattened GLWE key (k*N coefficients, polynomial after polynomial,
// as TFHE-rs's GlweSecretKey::into_lwe_secret_key). (A.S)_0 = A_0 S_0 - sum_{j>0} A_{N-j} S_j.
#include "tfhe.h"

namespace privlab_tfhe {

void extract_lwe_sample_from_glwe_ciphertext(const uint64_t* glwe, size_t k, size_t n, uint64_t* lwe_out) {
  for (size_t r = 0; r < k; ++r) {
    const uint64_t* a = glwe + r * n;
    uint64_t* o = lwe_out + r * n;
    o[0] = a[0];
    for (size_t j = 1; j < n; ++j) o[j] = uint64_t(0) - a[n - j];
  }
  lwe_out[k * n] = glwe[k * n];  // body: constant coefficient of B
}

}  // namespace privlab_tfhe
