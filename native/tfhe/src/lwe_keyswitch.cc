// lwe_keyswitch: an LWE ciphertext under the big key (k*N) becomes one under the small
// key (n): start from the trivial (0, b) and subtract, for every big-key coefficient a_i
// and decomposition level j, digit_j(a_i) times KSK[i][j] = LWE_small(s_i 2^(64-B(j+1))).
// The key-switching key (k N levels rows of n+1 words: 70 MB for the 4-bit N = 2048 set)
// is streamed once per call: every row serves all `count` ciphertexts while it is in
// cache, so a batch costs little more memory traffic than one ciphertext. Rows go to the
// kernels a tile at a time (the rows of kTileCoefficients big-key coefficients, about
// 280 KB at n = 863: within a core's L2), with the next tile requested meanwhile.
#include <algorithm>
#include <cstring>
#include <vector>

#include "tfhe.h"

namespace privlab_tfhe {

namespace {
constexpr size_t kTileCoefficients = 8;
}

void keyswitch_lwe_ciphertext(const ServerKey& key, size_t count, const uint64_t* const* big_lwes,
                              uint64_t* const* small_lwes) {
  const PbsParams& p = key.params;
  const size_t big = p.big_lwe_dimension(), small1 = size_t(p.lwe_dimension) + 1, levels = p.ks_level;
  const SimdKernels& kern = key.fft->kernels();
  for (size_t b = 0; b < count; ++b) {
    std::memset(small_lwes[b], 0, sizeof(uint64_t) * small1);
    small_lwes[b][small1 - 1] = big_lwes[b][big];
  }
  // digits[(t * levels + j) * count + b]: level j of coefficient i0 + t of ciphertext b
  std::vector<int64_t> digits(kTileCoefficients * levels * count), one(levels);
  for (size_t i0 = 0; i0 < big; i0 += kTileCoefficients) {
    const size_t tile = std::min(kTileCoefficients, big - i0);
    for (size_t t = 0; t < tile; ++t)
      for (size_t b = 0; b < count; ++b) {
        signed_decompose(big_lwes[b][i0 + t], p.ks_base_log, uint32_t(levels), one.data());
        for (size_t j = 0; j < levels; ++j) digits[(t * levels + j) * count + b] = one[j];
      }
    const uint64_t* rows = key.ksk.data() + i0 * levels * small1;
    const size_t next = std::min(kTileCoefficients, big - std::min(big, i0 + tile));
    kern.subtract_digit_rows(small_lwes, count, digits.data(), rows, tile * levels, small1,
                             next ? rows + tile * levels * small1 : nullptr, next * levels * small1);
  }
}

}  // namespace privlab_tfhe
