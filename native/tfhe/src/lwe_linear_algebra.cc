// lwe_linear_algebra: clear integer weights on LWE ciphertexts (wrapping arithmetic
// modulo 2^64 is exactly the torus arithmetic of the ciphertexts).
#include <cstring>

#include "tfhe.h"

namespace privlab_tfhe {

void lwe_ciphertext_linear_combination(const uint64_t* inputs, size_t count, size_t size, const int64_t* weights,
                                       uint64_t bias, uint64_t* out) {
  std::memset(out, 0, sizeof(uint64_t) * size);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t w = uint64_t(weights[i]);
    if (w == 0) continue;
    const uint64_t* in = inputs + i * size;
    for (size_t x = 0; x < size; ++x) out[x] += w * in[x];
  }
  out[size - 1] += bias;
}

}  // namespace privlab_tfhe
