// lwe_keyswitch: an LWE ciphertext under the big key (k*N) becomes one under the small
// key (n): start from the trivial (0, b) and subtract, for every big-key coefficient a_i
// and decomposition level j, digit_j(a_i) times KSK[i][j] = LWE_small(s_i 2^(64-B(j+1))).
// The key-switching key (k N levels rows of n+1 words: 70 MB for the 4-bit N = 2048 set)
// is streamed once per call: every row serves all `count` ciphertexts while it is in
// cache, so a batch costs little more memory traffic than one ciphertext.
#include <cstring>
#include <vector>

#include "tfhe.h"

namespace privlab_tfhe {

void keyswitch_lwe_ciphertext(const ServerKey& key, size_t count, const uint64_t* const* big_lwes,
                              uint64_t* const* small_lwes) {
  const PbsParams& p = key.params;
  const size_t big = p.big_lwe_dimension(), small1 = size_t(p.lwe_dimension) + 1, levels = p.ks_level;
  const SimdKernels& kern = key.fft->kernels();
  for (size_t b = 0; b < count; ++b) {
    std::memset(small_lwes[b], 0, sizeof(uint64_t) * small1);
    small_lwes[b][small1 - 1] = big_lwes[b][big];
  }
  std::vector<int64_t> digits(count * levels);
  for (size_t i = 0; i < big; ++i) {
    for (size_t b = 0; b < count; ++b) signed_decompose(big_lwes[b][i], p.ks_base_log, uint32_t(levels), &digits[b * levels]);
    const uint64_t* rows = key.ksk.data() + i * levels * small1;
    for (size_t j = 0; j < levels; ++j) {
      for (size_t b = 0; b < count; ++b) {
        const int64_t d = digits[b * levels + j];
        if (d == 0) continue;
        // small -= d * row
        kern.add_scaled_row(small_lwes[b], rows + j * small1, small1, d > 0 ? uint64_t(d) : uint64_t(0) - uint64_t(d),
                            d > 0);
      }
    }
  }
}

}  // namespace privlab_tfhe
