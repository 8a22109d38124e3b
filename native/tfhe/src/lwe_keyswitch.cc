// lwe_keyswitch: an LWE ciphertext under the big key (k*N) becomes one under the small
// key (n): start from the trivial (0, b) and subtract, for every big-key coefficient a_i
// and decomposition level j, digit_j(a_i) times KSK[i][j] = LWE_small(s_i 2^(64-B(j+1))).
#include <cstring>

#include "tfhe.h"

namespace privlab_tfhe {

void keyswitch_lwe_ciphertext(const ServerKey& key, const uint64_t* big_lwe, uint64_t* small_lwe) {
  const PbsParams& p = key.params;
  const size_t big = p.big_lwe_dimension(), small1 = size_t(p.lwe_dimension) + 1, levels = p.ks_level;
  std::memset(small_lwe, 0, sizeof(uint64_t) * small1);
  small_lwe[small1 - 1] = big_lwe[big];
  int64_t digits[64];
  for (size_t i = 0; i < big; ++i) {
    signed_decompose(big_lwe[i], p.ks_base_log, uint32_t(levels), digits);
    for (size_t j = 0; j < levels; ++j) {
      const int64_t d = digits[j];
      if (d == 0) continue;
      const uint64_t* row = key.ksk.data() + (i * levels + j) * small1;
      const uint64_t ud = uint64_t(d);
      for (size_t x = 0; x < small1; ++x) small_lwe[x] -= ud * row[x];
    }
  }
}

}  // namespace privlab_tfhe
