// Row-major sgemm split into blocks of output rows or columns that the calling thread and
// a small pool of workers claim one at a time; each block is one single-threaded OpenBLAS
// call. OpenBLAS's own threading splits a product statically and waits for every part: on a
// machine whose other core is busy, a descheduled worker stalls the whole product. Claimed
// blocks let whoever is running take the rest, so a busy core costs at most one block.
#include "parallel_gemm.h"

#include <atomic>
#include <cblas.h>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace privlab {
namespace {

struct Job {
  CBLAS_TRANSPOSE ta, tb;
  int m, n, k;
  const float* a;
  int lda;
  const float* b;
  int ldb;
  float beta;
  float* c;
  int ldc;
  bool splitRows;
  int block;   // rows or columns per block
  int blocks;
  std::atomic<int> next{0};
  std::atomic<int> done{0};
};

void RunBlock(const Job& j, int i) {
  const int lo = i * j.block;
  const int hi = std::min(lo + j.block, j.splitRows ? j.m : j.n);
  if (j.splitRows) {
    // Rows lo..hi of op(A): A itself (row stride lda) or, transposed, its columns (offset lo).
    const float* a = j.ta == CblasNoTrans ? j.a + static_cast<std::size_t>(lo) * j.lda : j.a + lo;
    cblas_sgemm(CblasRowMajor, j.ta, j.tb, hi - lo, j.n, j.k, 1.f, a, j.lda, j.b, j.ldb, j.beta,
                j.c + static_cast<std::size_t>(lo) * j.ldc, j.ldc);
  } else {
    // Columns lo..hi of op(B): B's columns (offset lo) or, transposed, its rows.
    const float* b = j.tb == CblasNoTrans ? j.b + lo : j.b + static_cast<std::size_t>(lo) * j.ldb;
    cblas_sgemm(CblasRowMajor, j.ta, j.tb, j.m, hi - lo, j.k, 1.f, j.a, j.lda, b, j.ldb, j.beta, j.c + lo, j.ldc);
  }
}

void Drain(Job& j) {
  for (;;) {
    const int i = j.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= j.blocks) return;
    RunBlock(j, i);
    j.done.fetch_add(1, std::memory_order_release);
  }
}

class Pool {
 public:
  ~Pool() { Resize(0); }

  void Resize(int workers) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      ++generation_;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    stop_ = false;
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Loop(); });
  }

  int Workers() const { return static_cast<int>(threads_.size()); }

  void Run(Job& j) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &j;
      ++generation_;
    }
    cv_.notify_all();
    Drain(j);
    // Blocks other threads claimed but have not finished yet.
    while (j.done.load(std::memory_order_acquire) < j.blocks) std::this_thread::yield();
    // Retire the job, then wait for workers that picked it up late to let go of it (the job
    // lives on the caller's stack).
    std::unique_lock<std::mutex> lock(mu_);
    job_ = nullptr;
    idle_.wait(lock, [&] { return users_ == 0; });
  }

 private:
  void Loop() {
    uint64_t seen = 0;
    for (;;) {
      Job* j = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || (generation_ != seen && job_ != nullptr); });
        if (stop_) return;
        seen = generation_;
        j = job_;
        // Counted as a user while holding the lock, so Run() cannot retire the job under us.
        ++users_;
      }
      Drain(*j);
      {
        std::lock_guard<std::mutex> lock(mu_);
        --users_;
      }
      idle_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_;
  std::vector<std::thread> threads_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  int users_ = 0;
  bool stop_ = false;
};

Pool& ThePool() {
  static Pool pool;
  return pool;
}

int g_threads = 1;      // threads sharing a product in Sgemm (1: plain OpenBLAS call)
int g_total = 1;        // threads asked for
bool g_pool = true;

}  // namespace

void SetGemmThreads(int n, bool pool) {
  g_total = n < 1 ? 1 : n;
  g_pool = pool;
  // One kind of threading at a time: ours over single-threaded OpenBLAS calls, or OpenBLAS's own.
  openblas_set_num_threads(pool ? 1 : g_total);
  g_threads = pool ? g_total : 1;
  ThePool().Resize(pool ? g_total - 1 : 0);
}

int GemmThreads() { return g_total; }
bool GemmPoolThreading() { return g_pool; }

void Sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
           float beta, float* c, int ldc) {
  const double flops = 2.0 * m * n * k;
  // Below ~1 MFLOP a product takes tens of microseconds: splitting it would cost more than it saves.
  if (g_threads <= 1 || flops < 1e6) {
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.f, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  Job j;
  j.ta = ta; j.tb = tb; j.m = m; j.n = n; j.k = k; j.a = a; j.lda = lda; j.b = b; j.ldb = ldb; j.beta = beta; j.c = c; j.ldc = ldc;
  j.splitRows = m > n;
  const int extent = j.splitRows ? m : n;
  // About four blocks per thread, each at least 32 wide and worth ~0.5 MFLOP.
  const int minBlock = std::max(32, static_cast<int>(5e5 / (2.0 * k * (j.splitRows ? n : m)) + 1));
  int blocks = std::max(1, std::min(4 * g_threads, extent / minBlock));
  j.block = (extent + blocks - 1) / blocks;
  j.block = (j.block + 15) / 16 * 16;  // keep blocks a multiple of the SIMD width
  j.blocks = (extent + j.block - 1) / j.block;
  if (j.blocks <= 1) {
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.f, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  ThePool().Run(j);
}

}  // namespace privlab
