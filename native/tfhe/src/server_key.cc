// server_key: checks sizes and moves the bootstrapping key to the Fourier domain.
#include <stdexcept>
#include <string>

#include "parallel.h"
#include "tfhe.h"

namespace privlab_tfhe {

size_t standard_bsk_len(const PbsParams& p) {
  const size_t k1 = p.glwe_dimension + 1;
  return size_t(p.lwe_dimension) * p.pbs_level * k1 * k1 * p.polynomial_size;
}

size_t ksk_len(const PbsParams& p) { return p.big_lwe_dimension() * p.ks_level * (size_t(p.lwe_dimension) + 1); }

static void check_params(const PbsParams& p) {
  auto bad = [](const std::string& what) { throw std::invalid_argument("invalid PBS parameters: " + what); };
  if (p.polynomial_size < 256 || p.polynomial_size > 65536 || (p.polynomial_size & (p.polynomial_size - 1)))
    bad("polynomial size must be a power of two in [256, 65536]");
  if (p.glwe_dimension < 1 || p.glwe_dimension > 16) bad("GLWE dimension must be in [1, 16]");
  if (p.lwe_dimension < 1 || p.lwe_dimension > 8192) bad("LWE dimension must be in [1, 8192]");
  if (p.pbs_level < 1 || p.pbs_base_log < 1 || p.pbs_base_log * p.pbs_level > 64 || p.pbs_level > 64)
    bad("PBS decomposition must have base_log*level in [1, 64]");
  // digits go to the FFT through an exact int64 -> double path valid below 2^51
  if (p.pbs_base_log > 50) bad("PBS base log above 50 is not supported");
  if (p.ks_level < 1 || p.ks_base_log < 1 || p.ks_base_log * p.ks_level > 64 || p.ks_level > 64)
    bad("key-switch decomposition must have base_log*level in [1, 64]");
}

std::unique_ptr<ServerKey> make_server_key(const PbsParams& p, const uint64_t* bsk, size_t bsk_len, const uint64_t* ksk,
                                           size_t ksk_length, const SimdKernels& kernels) {
  check_params(p);
  if (bsk_len != standard_bsk_len(p))
    throw std::invalid_argument("bootstrapping key has " + std::to_string(bsk_len) + " words, expected " +
                                std::to_string(standard_bsk_len(p)));
  if (ksk_length != ksk_len(p))
    throw std::invalid_argument("key-switching key has " + std::to_string(ksk_length) + " words, expected " +
                                std::to_string(ksk_len(p)));
  auto key = std::make_unique<ServerKey>();
  key->params = p;
  key->fft = fft_for_size(p.polynomial_size, kernels);
  key->ksk.assign(ksk, ksk + ksk_length);
  const size_t n = p.polynomial_size, levels = p.pbs_level, k1 = p.glwe_dimension + 1, rows = k1 * levels;
  const size_t blk = 2 * kernels.lanes;  // doubles per block of W Fourier points
  const size_t polys = bsk_len / n, blocks = n / blk;
  key->bsk_fourier.resize(polys * n);
  const Fft64& fft = *key->fft;
  unsigned threads = std::thread::hardware_concurrency();
  parallel_for(
      polys, threads ? threads : 1, [&](unsigned) { return std::make_unique<AlignedDoubles>(n); },
      [&](std::unique_ptr<AlignedDoubles>& buf, size_t poly) {
        // standard order: poly = ((i * levels + j) * k1 + r) * k1 + c
        const size_t c = poly % k1, r = (poly / k1) % k1, j = (poly / (k1 * k1)) % levels, i = poly / (k1 * k1 * levels);
        fft.forward_torus(bsk + poly * n, buf->data());
        double* ggsw = key->bsk_fourier.data() + i * key->ggsw_doubles();
        const size_t offset = ((r * levels + j) * k1 + c) * blk;
        for (size_t q = 0; q < blocks; ++q)
          for (size_t x = 0; x < blk; ++x) ggsw[q * rows * k1 * blk + offset + x] = buf->data()[q * blk + x];
      });
  return key;
}

}  // namespace privlab_tfhe
