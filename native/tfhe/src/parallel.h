// A minimal fork-join loop: the batch APIs run their items on a few OS threads.
// Items are handed out through an atomic counter so uneven items balance out.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

namespace privlab_tfhe {

// Calls make_state(thread) once per thread, then body(state, index) for every index in
// [0, count), each index exactly once. The first exception thrown is rethrown here.
template <typename MakeState, typename Body>
void parallel_for(size_t count, unsigned threads, MakeState make_state, Body body) {
  if (count == 0) return;
  if (threads < 1) threads = 1;
  if (threads > count) threads = unsigned(count);
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_lock;
  auto work = [&](unsigned t) {
    try {
      auto state = make_state(t);
      for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) body(state, i);
    } catch (...) {
      std::lock_guard<std::mutex> g(error_lock);
      if (!error) error = std::current_exception();
      next.store(count);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

// Ciphertexts bootstrapped / key-switched together by one thread (they share every read
// of the evaluation keys; see blind_rotate.cc, lwe_keyswitch.cc). 4 keeps a batch's
// accumulators (32 KB each) and one GGSW (64 KB) within a 256-512 KB L2 cache at
// N = 2048; with 1 MB or more, 8 (on this kind of machine, AVX-512 kernels, one thread:
// PBS 4.05 vs 4.27 ms and key switch 0.62 vs 0.93 ms CPU time per ciphertext, the key
// switch's 70 MB key being read once per 8 instead of per 4). PRIVLAB_TFHE_BATCH (1..64)
// overrides it, for measurements.
inline size_t max_batch() {
  static const size_t value = [] {
    const char* env = std::getenv("PRIVLAB_TFHE_BATCH");
    const long v = env ? std::strtol(env, nullptr, 10) : 0;
    if (v >= 1 && v <= 64) return size_t(v);
    return sysconf(_SC_LEVEL2_CACHE_SIZE) >= (1L << 20) ? size_t(8) : size_t(4);
  }();
  return value;
}

// Items per work unit for `count` items on `threads` threads: up to max_batch() items
// together, but never so many that a thread is left without work.
inline size_t batch_chunk(size_t count, unsigned threads) {
  const size_t per_thread = (count + std::max(1u, threads) - 1) / std::max(1u, threads);
  return std::max<size_t>(1, std::min(max_batch(), per_thread));
}

}  // namespace privlab_tfhe
