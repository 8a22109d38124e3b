// A minimal fork-join loop: the batch APIs run their items on a few OS threads.
// Items are handed out through an atomic counter so uneven items balance out.
#pragma once

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
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

}  // namespace privlab_tfhe
