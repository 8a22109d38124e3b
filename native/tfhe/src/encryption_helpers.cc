// Client-side helpers for key generation: the exact integer parts of GLWE/LWE
// encryption with binary secret keys. Randomness (masks, noise) is drawn by the caller
// from a CSPRNG (node:crypto); here only sums are formed, so nothing is lost to rounding.
#include "tfhe.h"

namespace privlab_tfhe {

void glwe_mask_key_product(const uint64_t* masks, const uint64_t* key, size_t k, size_t n, uint64_t* out) {
  for (size_t x = 0; x < n; ++x) out[x] = 0;
  for (size_t r = 0; r < k; ++r) {
    const uint64_t* a = masks + r * n;
    const uint64_t* s = key + r * n;
    // A * S = sum over the set bits s_j of X^j * A (negacyclic).
    for (size_t j = 0; j < n; ++j) {
      if (!s[j]) continue;
      for (size_t i = 0; i + j < n; ++i) out[i + j] += a[i];
      for (size_t i = n - j; i < n; ++i) out[i + j - n] -= a[i];
    }
  }
}

uint64_t lwe_mask_key_dot(const uint64_t* mask, const uint64_t* key, size_t n) {
  uint64_t acc = 0;
  for (size_t i = 0; i < n; ++i) acc += mask[i] & (uint64_t(0) - key[i]);
  return acc;
}

}  // namespace privlab_tfhe
