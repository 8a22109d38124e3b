// Stand-alone driver for profiling the evaluator outside node (callgrind, perf):
//   pbs_driver [pbs COUNT] [ks COUNT] [threads T]   (PRIVLAB_TFHE_BATCH sets the batch)
// Random keys and inputs with the V1 4-bit N=2048 shape (n=863, k=1, N=2048, PBS 2^23 x1,
// KS 2^3 x5); prints a checksum of the outputs and the time per operation.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <ctime>

#include "../src/parallel.h"
#include "../src/tfhe.h"

using namespace privlab_tfhe;

// CPU time of the whole process (all threads), ms: robust to other processes taking the
// cores, unlike wall-clock time (but not to their cache and memory traffic).
static double cpu_ms() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

int main(int argc, char** argv) {
  size_t pbs = 4, ks = 0;
  unsigned threads = 1;
  for (int a = 1; a + 1 < argc; a += 2) {
    std::string k = argv[a];
    size_t v = std::strtoull(argv[a + 1], nullptr, 10);
    if (k == "pbs") pbs = v;
    else if (k == "ks") ks = v;
    else if (k == "threads") threads = unsigned(v);
  }
  PbsParams p;
  p.lwe_dimension = 863;
  p.glwe_dimension = 1;
  p.polynomial_size = 2048;
  p.pbs_base_log = 23;
  p.pbs_level = 1;
  p.ks_base_log = 3;
  p.ks_level = 5;
  std::mt19937_64 rng(42);
  std::vector<uint64_t> bsk(standard_bsk_len(p)), ksk(ksk_len(p));
  for (auto& x : bsk) x = rng();
  for (auto& x : ksk) x = rng();
  auto t0 = std::chrono::steady_clock::now();
  auto key = make_server_key(p, bsk.data(), bsk.size(), ksk.data(), ksk.size());
  auto t1 = std::chrono::steady_clock::now();
  std::fprintf(stderr, "server key: %.1f ms\n", std::chrono::duration<double, std::milli>(t1 - t0).count());
  if (FILE* f = std::fopen("/proc/self/smaps_rollup", "r")) {  // are the keys on huge pages?
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, "AnonHugePages", 13) == 0) std::fprintf(stderr, "%s", line);
    std::fclose(f);
  }
  const size_t n = p.polynomial_size, big1 = p.big_lwe_dimension() + 1, small1 = p.lwe_dimension + 1;
  std::vector<uint64_t> lut(n);
  for (auto& x : lut) x = rng();
  // Runs `op` on `count` ciphertexts (in: in_size words each, out: out_size) in batches
  // as the addon does; prints wall and CPU time per ciphertext and a checksum of the
  // outputs' bits from `low_bit` up (the FFT's rounding differs below).
  auto run = [&](const char* name, size_t count, size_t in_size, size_t out_size, unsigned low_bit, auto op) {
    std::vector<uint64_t> in(count * in_size), out(count * out_size);
    for (auto& x : in) x = rng();
    const size_t chunk = batch_chunk(count, threads), units = (count + chunk - 1) / chunk;
    const double c0 = cpu_ms();
    const auto w0 = std::chrono::steady_clock::now();
    parallel_for(
        units, threads, [&](unsigned) { return std::make_unique<PbsScratch>(p, chunk); },
        [&](std::unique_ptr<PbsScratch>& s, size_t u) {
          const size_t first = u * chunk, items = std::min(count, first + chunk) - first;
          std::vector<const uint64_t*> src(items);
          std::vector<uint64_t*> dst(items);
          for (size_t b = 0; b < items; ++b) {
            src[b] = in.data() + (first + b) * in_size;
            dst[b] = out.data() + (first + b) * out_size;
          }
          op(items, src.data(), dst.data(), *s);
        });
    const auto w1 = std::chrono::steady_clock::now();
    const double c1 = cpu_ms();
    uint64_t sum = 0;
    for (auto x : out) sum = sum * 31 + (x >> low_bit);
    std::printf("%s: %.3f ms each, cpu %.3f ms each (%zu, %u threads, batch %zu, %s) checksum %016llx\n", name,
                std::chrono::duration<double, std::milli>(w1 - w0).count() / double(count), (c1 - c0) / double(count),
                count, threads, chunk, key->fft->simd(), (unsigned long long)sum);
  };
  if (pbs)
    run("pbs", pbs, small1, big1, 40, [&](size_t items, const uint64_t* const* src, uint64_t* const* dst, PbsScratch& s) {
      std::vector<const uint64_t*> luts(items, lut.data());
      programmable_bootstrap_lwe_ciphertext(*key, items, src, luts.data(), 0, dst, s);
    });
  if (ks)
    run("ks", ks, big1, small1, 0, [&](size_t items, const uint64_t* const* src, uint64_t* const* dst, PbsScratch&) {
      keyswitch_lwe_ciphertext(*key, items, src, dst);
    });
  return 0;
}
