// N-API bindings of the TFHE evaluator. Every batch call is asynchronous: the work runs
// on worker threads (parallel_for inside a Napi::AsyncWorker), the event loop stays free,
// and the call resolves with a BigUint64Array allocated up front on the JS side.
#include <napi.h>

#include <cmath>
#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "parallel.h"
#include "tfhe.h"

namespace privlab_tfhe {
namespace {

// Runs `task` off the main thread; resolves with `result` or rejects with the message
// of the exception the task threw. Holds references to every buffer it reads/writes.
class TaskWorker : public Napi::AsyncWorker {
 public:
  TaskWorker(Napi::Env env, std::function<void()> task, Napi::Value result, std::vector<Napi::Value> keep)
      : Napi::AsyncWorker(env, "privlab_tfhe"), deferred_(Napi::Promise::Deferred::New(env)), task_(std::move(task)) {
    result_ = Napi::Persistent(result);
    for (auto& v : keep) keep_.push_back(Napi::Persistent(v));
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      task_();
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError("unknown native error");
    }
  }
  void OnOK() override { deferred_.Resolve(result_.Value()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> task_;
  Napi::Reference<Napi::Value> result_;
  std::vector<Napi::Reference<Napi::Value>> keep_;
};

Napi::BigUint64Array u64_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_biguint64_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a BigUint64Array");
  return info[i].As<Napi::BigUint64Array>();
}

Napi::BigInt64Array i64_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_bigint64_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a BigInt64Array");
  return info[i].As<Napi::BigInt64Array>();
}

uint32_t u32_arg(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t lo, uint32_t hi) {
  if (info.Length() <= i || !info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= lo && v <= hi) || v != double(uint32_t(v)))
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " +
                                                std::to_string(hi) + "]");
  return uint32_t(v);
}

uint64_t bigint_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsBigInt()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a bigint");
  bool lossless = false;
  const uint64_t v = info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(info.Env(), std::string(name) + " must fit in 64 bits");
  return v;
}

unsigned thread_arg(const Napi::CallbackInfo& info, size_t i) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  if (info.Length() <= i || info[i].IsUndefined()) return hw;
  return u32_arg(info, i, "threads", 1, 256);
}

uint32_t param(Napi::Object o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("params.") + name + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 1e6) || d != double(uint32_t(d)))
    throw Napi::RangeError::New(o.Env(), std::string("params.") + name + " must be a small non-negative integer");
  return uint32_t(d);
}

// ---- ServerKey --------------------------------------------------------------------
class ServerKeyWrap : public Napi::ObjectWrap<ServerKeyWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ServerKey",
                       {InstanceMethod("run", &ServerKeyWrap::Run), InstanceAccessor("bytes", &ServerKeyWrap::Bytes, nullptr),
                        InstanceAccessor("kernel", &ServerKeyWrap::Kernel, nullptr)});
  }

  ServerKeyWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ServerKeyWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsObject()) throw Napi::TypeError::New(env, "new ServerKey(params, bsk, ksk, kernel?)");
    Napi::Object o = info[0].As<Napi::Object>();
    PbsParams p;
    p.lwe_dimension = param(o, "lweDimension");
    p.glwe_dimension = param(o, "glweDimension");
    p.polynomial_size = param(o, "polynomialSize");
    p.pbs_base_log = param(o, "pbsBaseLog");
    p.pbs_level = param(o, "pbsLevel");
    p.ks_base_log = param(o, "ksBaseLog");
    p.ks_level = param(o, "ksLevel");
    auto bsk = u64_arg(info, 1, "bsk");
    auto ksk = u64_arg(info, 2, "ksk");
    // kernel: "avx512" | "avx2" | "generic" (undefined: the default, see selected_kernels)
    const SimdKernels* kernels = nullptr;
    if (info.Length() > 3 && !info[3].IsUndefined()) {
      if (!info[3].IsString()) throw Napi::TypeError::New(env, "kernel must be a string (avx512, avx2 or generic)");
      try {
        kernels = &kernels_by_name(info[3].As<Napi::String>().Utf8Value().c_str());
      } catch (const std::invalid_argument& e) {
        throw Napi::RangeError::New(env, e.what());
      }
    }
    try {
      if (!kernels) kernels = &selected_kernels();
      key_ = make_server_key(p, bsk.Data(), bsk.ElementLength(), ksk.Data(), ksk.ElementLength(), *kernels);
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
  }

 private:
  Napi::Value Bytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(key_->bsk_fourier.size() * 8 + key_->ksk.size() * 8));
  }

  Napi::Value Kernel(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), key_->fft->simd()); }

  // run(mode, inputs, luts, offset, threads): mode 0 = keyswitch then bootstrap (big ->
  // big), 1 = bootstrap only (small -> big), 2 = keyswitch only (big -> small).
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const uint32_t mode = u32_arg(info, 0, "mode", 0, 2);
    auto inputs = u64_arg(info, 1, "inputs");
    const PbsParams& p = key_->params;
    const size_t n = p.polynomial_size, big1 = p.big_lwe_dimension() + 1, small1 = size_t(p.lwe_dimension) + 1;
    const size_t in_size = mode == 1 ? small1 : big1, out_size = mode == 2 ? small1 : big1;
    if (inputs.ElementLength() % in_size != 0)
      throw Napi::RangeError::New(env, "inputs length " + std::to_string(inputs.ElementLength()) +
                                           " is not a multiple of the ciphertext size " + std::to_string(in_size));
    const size_t count = inputs.ElementLength() / in_size;
    Napi::BigUint64Array luts = mode == 2 ? Napi::BigUint64Array::New(env, 0) : u64_arg(info, 2, "luts");
    if (mode != 2 && luts.ElementLength() != n && luts.ElementLength() != n * count)
      throw Napi::RangeError::New(env, "luts must hold N = " + std::to_string(n) + " or count*N values");
    const uint64_t offset = mode == 2 ? 0 : bigint_arg(info, 3, "offset");
    const unsigned threads = thread_arg(info, 4);
    auto out = Napi::BigUint64Array::New(env, count * out_size);

    const uint64_t* in_ptr = inputs.Data();
    const uint64_t* lut_ptr = luts.Data();
    const bool shared_lut = luts.ElementLength() == n;
    uint64_t* out_ptr = out.Data();
    const ServerKey* key = key_.get();
    auto task = [=]() {
      // work units of `chunk` consecutive items, processed together (shared key reads)
      const size_t chunk = batch_chunk(count, threads), units = (count + chunk - 1) / chunk;
      parallel_for(
          units, threads, [&](unsigned) { return std::make_unique<PbsScratch>(key->params, chunk); },
          [&](std::unique_ptr<PbsScratch>& s, size_t u) {
            const size_t first = u * chunk, items = std::min(count, first + chunk) - first;
            std::vector<const uint64_t*> in(items), small(items), lut(items);
            std::vector<uint64_t*> o(items), ks_out(items);
            for (size_t b = 0; b < items; ++b) {
              in[b] = in_ptr + (first + b) * in_size;
              o[b] = out_ptr + (first + b) * out_size;
              lut[b] = shared_lut ? lut_ptr : lut_ptr + (first + b) * n;
              ks_out[b] = s->small_lwe.data() + b * small1;
            }
            if (mode == 2) return keyswitch_lwe_ciphertext(*key, items, in.data(), o.data());
            if (mode == 0) {
              keyswitch_lwe_ciphertext(*key, items, in.data(), ks_out.data());
              for (size_t b = 0; b < items; ++b) small[b] = ks_out[b];
            } else {
              small = in;
            }
            programmable_bootstrap_lwe_ciphertext(*key, items, small.data(), lut.data(), offset, o.data(), *s);
          });
    };
    auto* w = new TaskWorker(env, task, out, {info.This(), inputs, luts});
    w->Queue();
    return w->Promise();
  }

  std::unique_ptr<ServerKey> key_;
};

// linearCombination(inputs, size, weights (outs x count), biases (outs), threads)
Napi::Value LinearCombination(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto inputs = u64_arg(info, 0, "inputs");
  const uint32_t size = u32_arg(info, 1, "size", 2, 1 << 20);
  auto weights = i64_arg(info, 2, "weights");
  auto biases = u64_arg(info, 3, "biases");
  const unsigned threads = thread_arg(info, 4);
  if (inputs.ElementLength() % size) throw Napi::RangeError::New(env, "inputs length is not a multiple of size");
  const size_t count = inputs.ElementLength() / size, outs = biases.ElementLength();
  if (weights.ElementLength() != outs * count)
    throw Napi::RangeError::New(env, "weights must hold outputs x inputs = " + std::to_string(outs * count) + " values");
  auto out = Napi::BigUint64Array::New(env, outs * size);
  const uint64_t* in_ptr = inputs.Data();
  const int64_t* w_ptr = weights.Data();
  const uint64_t* b_ptr = biases.Data();
  uint64_t* out_ptr = out.Data();
  auto task = [=]() {
    parallel_for(
        outs, threads, [](unsigned) { return 0; },
        [&](int&, size_t o) { lwe_ciphertext_linear_combination(in_ptr, count, size, w_ptr + o * count, b_ptr[o], out_ptr + o * size); });
  };
  auto* w = new TaskWorker(env, task, out, {inputs, weights, biases});
  w->Queue();
  return w->Promise();
}

Napi::Float64Array f64_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float64Array");
  return info[i].As<Napi::Float64Array>();
}

// Noise samples arrive as doubles holding integers (exact below 2^53, which every
// supported distribution respects); anything else is a caller bug, reported loudly.
void check_integer_noise(Napi::Env env, const Napi::Float64Array& noise) {
  for (size_t i = 0; i < noise.ElementLength(); ++i) {
    const double v = noise.Data()[i];
    if (!(v == std::nearbyint(v)) || !(v > -0x1p53 && v < 0x1p53))
      throw Napi::RangeError::New(env, "noise samples must be integers of magnitude below 2^53");
  }
}

void check_binary(Napi::Env env, const Napi::BigUint64Array& key, const char* what) {
  for (size_t i = 0; i < key.ElementLength(); ++i)
    if (key.Data()[i] > 1) throw Napi::RangeError::New(env, std::string(what) + " is not binary");
}

// glweEncryptBodies(masks (count x k x N), key (k x N, binary), noise (count x N), k, N, threads)
//   -> bodies (count x N) = sum_r A_r S_r + e   (the caller adds plaintexts)
Napi::Value GlweEncryptBodies(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto masks = u64_arg(info, 0, "masks");
  auto key = u64_arg(info, 1, "key");
  auto noise = f64_arg(info, 2, "noise");
  const uint32_t k = u32_arg(info, 3, "k", 1, 64);
  const uint32_t n = u32_arg(info, 4, "N", 1, 1 << 17);
  const unsigned threads = thread_arg(info, 5);
  if (key.ElementLength() != size_t(k) * n) throw Napi::RangeError::New(env, "key must hold k*N values");
  check_binary(env, key, "GLWE key");
  if (masks.ElementLength() % (size_t(k) * n)) throw Napi::RangeError::New(env, "masks length is not a multiple of k*N");
  const size_t count = masks.ElementLength() / (size_t(k) * n);
  if (noise.ElementLength() != count * n) throw Napi::RangeError::New(env, "noise must hold count*N values");
  check_integer_noise(env, noise);
  auto out = Napi::BigUint64Array::New(env, count * n);
  const uint64_t* m_ptr = masks.Data();
  const uint64_t* k_ptr = key.Data();
  const double* e_ptr = noise.Data();
  uint64_t* o_ptr = out.Data();
  auto task = [=]() {
    parallel_for(
        count, threads, [](unsigned) { return 0; },
        [&](int&, size_t i) {
          uint64_t* o = o_ptr + i * n;
          glwe_mask_key_product(m_ptr + i * k * n, k_ptr, k, n, o);
          for (size_t x = 0; x < n; ++x) o[x] += uint64_t(int64_t(e_ptr[i * n + x]));
        });
  };
  auto* w = new TaskWorker(env, task, out, {masks, key, noise});
  w->Queue();
  return w->Promise();
}

// lweEncryptBodies(masks (count x n), key (n, binary), noise (count), threads)
//   -> bodies (count) = <a, s> + e
Napi::Value LweEncryptBodies(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto masks = u64_arg(info, 0, "masks");
  auto key = u64_arg(info, 1, "key");
  auto noise = f64_arg(info, 2, "noise");
  const unsigned threads = thread_arg(info, 3);
  const size_t n = key.ElementLength();
  if (n == 0) throw Napi::RangeError::New(env, "empty LWE key");
  check_binary(env, key, "LWE key");
  if (masks.ElementLength() % n) throw Napi::RangeError::New(env, "masks length is not a multiple of n");
  const size_t count = masks.ElementLength() / n;
  if (noise.ElementLength() != count) throw Napi::RangeError::New(env, "noise must hold one value per ciphertext");
  check_integer_noise(env, noise);
  auto out = Napi::BigUint64Array::New(env, count);
  const uint64_t* m_ptr = masks.Data();
  const uint64_t* k_ptr = key.Data();
  const double* e_ptr = noise.Data();
  uint64_t* o_ptr = out.Data();
  auto task = [=]() {
    const size_t chunk = 256;
    parallel_for(
        (count + chunk - 1) / chunk, threads, [](unsigned) { return 0; },
        [&](int&, size_t c) {
          for (size_t i = c * chunk; i < count && i < (c + 1) * chunk; ++i)
            o_ptr[i] = lwe_mask_key_dot(m_ptr + i * n, k_ptr, n) + uint64_t(int64_t(e_ptr[i]));
        });
  };
  auto* w = new TaskWorker(env, task, out, {masks, key, noise});
  w->Queue();
  return w->Promise();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("ServerKey", ServerKeyWrap::Define(env));
  exports.Set("linearCombination", Napi::Function::New(env, LinearCombination));
  exports.Set("glweEncryptBodies", Napi::Function::New(env, GlweEncryptBodies));
  exports.Set("lweEncryptBodies", Napi::Function::New(env, LweEncryptBodies));
  exports.Set("hardwareConcurrency", Napi::Number::New(env, std::max(1u, std::thread::hardware_concurrency())));
  try {
    exports.Set("simd", Napi::String::New(env, selected_kernels().name));
  } catch (const std::invalid_argument& e) {  // PRIVLAB_TFHE_SIMD names no usable kernel set
    throw Napi::Error::New(env, std::string("PRIVLAB_TFHE_SIMD: ") + e.what());
  }
  Napi::Array kernels = Napi::Array::New(env);
  for (const char* name : supported_kernel_names()) kernels.Set(kernels.Length(), Napi::String::New(env, name));
  exports.Set("kernels", kernels);
  return exports;
}

}  // namespace
}  // namespace privlab_tfhe

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return privlab_tfhe::Init(env, exports); }
NODE_API_MODULE(privlab_tfhe, InitModule)
