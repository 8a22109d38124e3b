// Fake quantization for QAT (see src/quant/fake-quant-kernels.ts, which falls back to the
// same loops in JavaScript). Values are rounded as JavaScript's Math.round does:
// floor(x + 0.5), so the two implementations give identical results.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

namespace {

// Run f(begin, end) over [0, n) in up to `threads` contiguous chunks.
template <typename F>
void parallel_for(size_t n, size_t threads, F f) {
  threads = std::max<size_t>(1, std::min(threads, n / 65536 + 1));
  if (threads == 1) {
    f(0, n);
    return;
  }
  std::vector<std::thread> pool;
  size_t chunk = (n + threads - 1) / threads;
  for (size_t t = 1; t < threads; t++) {
    size_t b = t * chunk, e = std::min(n, b + chunk);
    if (b < e) pool.emplace_back(f, b, e);
  }
  f(0, std::min(n, chunk));
  for (auto& th : pool) th.join();
}

// JavaScript's Math.round on a double.
inline double js_round(double x) { return std::floor(x + 0.5); }

size_t thread_count() {
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : hc;
}

// symmetricColumns(x: Float32Array, rows, cols, qmax, out: Float32Array)
// out[r, c] = round(x[r, c] / s_c) * s_c with s_c = max_r |x[r, c]| / qmax (1 for a zero column),
// the per-neuron symmetric quantization of a dense kernel [in x out].
Napi::Value SymmetricColumns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto x = info[0].As<Napi::Float32Array>();
  size_t rows = info[1].As<Napi::Number>().Uint32Value();
  size_t cols = info[2].As<Napi::Number>().Uint32Value();
  float qmax = info[3].As<Napi::Number>().FloatValue();
  auto out = info[4].As<Napi::Float32Array>();
  if (x.ElementLength() != rows * cols || out.ElementLength() != rows * cols || !(qmax > 0)) {
    Napi::RangeError::New(env, "symmetricColumns: sizes do not match").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const float* xv = x.Data();
  float* ov = out.Data();
  size_t threads = thread_count();
  // Column maxima: each thread a band of rows, then a reduction.
  std::vector<std::vector<float>> partial(threads, std::vector<float>(cols, 0.0f));
  size_t band = (rows + threads - 1) / threads;
  parallel_for(threads, threads, [&](size_t tb, size_t te) {
    for (size_t t = tb; t < te; t++) {
      float* m = partial[t].data();
      size_t r0 = t * band, r1 = std::min(rows, r0 + band);
      for (size_t r = r0; r < r1; r++) {
        const float* row = xv + r * cols;
        for (size_t c = 0; c < cols; c++) m[c] = std::max(m[c], std::fabs(row[c]));
      }
    }
  });
  // In double, as the JavaScript kernel computes it, so both give identical float32 results.
  std::vector<double> scale(cols, 1.0);
  for (size_t c = 0; c < cols; c++) {
    float m = 0.0f;
    for (size_t t = 0; t < threads; t++) m = std::max(m, partial[t][c]);
    scale[c] = m > 0.0f ? static_cast<double>(m) / qmax : 1.0;
  }
  parallel_for(rows, threads, [&](size_t rb, size_t re) {
    for (size_t r = rb; r < re; r++) {
      const float* row = xv + r * cols;
      float* o = ov + r * cols;
      for (size_t c = 0; c < cols; c++) o[c] = static_cast<float>(js_round(row[c] / scale[c]) * scale[c]);
    }
  });
  return env.Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("symmetricColumns", Napi::Function::New(env, SymmetricColumns));
  return exports;
}

NODE_API_MODULE(privlab_quant, Init)
