// Node bindings of the kernels in kernels.h. Every entry point is synchronous (tfjs
// kernels are) and checks its arguments — types, and that each array is long enough
// for the shape it is given — so a caller's mistake is a JS exception, never a stray
// memory write. Outputs are caller-allocated Float32Arrays.
#include <napi.h>
#include <string>
#include <utility>
#include <vector>
#include "kernels.h"

namespace {

using privlab::Activation;
using privlab::BiasKind;

// A typed array argument: its data and element count.
template <typename T>
struct Typed {
  T* data;
  std::size_t length;
};
using F32 = Typed<float>;
using F64 = Typed<double>;

[[noreturn]] void Fail(Napi::Env env, const std::string& msg, bool range = false) {
  if (range) throw Napi::RangeError::New(env, msg);
  throw Napi::TypeError::New(env, msg);
}

template <typename T>
Typed<T> ArgTyped(const Napi::CallbackInfo& info, std::size_t i, const char* name, napi_typedarray_type type, const char* typeName) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type) {
    Fail(info.Env(), std::string("argument '") + name + "' must be a " + typeName);
  }
  Napi::TypedArrayOf<T> a = info[i].As<Napi::TypedArrayOf<T>>();
  return {a.Data(), a.ElementLength()};
}

F32 ArgF32(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  return ArgTyped<float>(info, i, name, napi_float32_array, "Float32Array");
}

F64 ArgF64(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  return ArgTyped<double>(info, i, name, napi_float64_array, "Float64Array");
}

const float* ArgOptionalF32(const Napi::CallbackInfo& info, std::size_t i, const char* name, std::size_t need) {
  if (i < info.Length() && (info[i].IsNull() || info[i].IsUndefined())) return nullptr;
  F32 a = ArgF32(info, i, name);
  if (a.length < need) Fail(info.Env(), std::string("'") + name + "' has " + std::to_string(a.length) + " values, needs " + std::to_string(need), true);
  return a.data;
}

double ArgNumber(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) Fail(info.Env(), std::string("argument '") + name + "' must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

int ArgCount(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  const double v = ArgNumber(info, i, name);
  if (!(v >= 0 && v <= 2147483647.0) || v != static_cast<double>(static_cast<long long>(v))) {
    Fail(info.Env(), std::string("argument '") + name + "' must be a non-negative integer", true);
  }
  return static_cast<int>(v);
}

bool ArgBool(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsBoolean()) Fail(info.Env(), std::string("argument '") + name + "' must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

Activation ArgActivation(const Napi::CallbackInfo& info, std::size_t i) {
  const int a = ArgCount(info, i, "activation");
  if (a > static_cast<int>(Activation::Tanh)) Fail(info.Env(), "unknown activation code " + std::to_string(a), true);
  return static_cast<Activation>(a);
}

template <typename T>
void Need(const Napi::CallbackInfo& info, const Typed<T>& a, std::size_t need, const char* name) {
  if (a.length < need) {
    Fail(info.Env(), std::string("'") + name + "' has " + std::to_string(a.length) + " values, needs " + std::to_string(need), true);
  }
}

// --- BLAS threads ---------------------------------------------------------------------

// (threads, pool = true)
Napi::Value SetBlasThreads(const Napi::CallbackInfo& info) {
  const int n = ArgCount(info, 0, "threads");
  if (n < 1) Fail(info.Env(), "threads must be at least 1", true);
  const bool pool = info.Length() < 2 || info[1].IsUndefined() ? true : ArgBool(info, 1, "pool");
  privlab::SetBlasThreads(n, pool);
  return info.Env().Undefined();
}

Napi::Value BlasPoolThreading(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), privlab::BlasPoolThreading()); }

Napi::Value BlasThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), privlab::BlasThreads()); }

Napi::Value BlasConfig(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), privlab::BlasConfig()); }

// --- matrix products ------------------------------------------------------------------

// (a, b, out, batch, m, n, k, transA, transB, strideA, strideB, ...)
privlab::GemmShape ReadGemm(const Napi::CallbackInfo& info, F32& a, F32& b, F32& out) {
  a = ArgF32(info, 0, "a");
  b = ArgF32(info, 1, "b");
  out = ArgF32(info, 2, "out");
  privlab::GemmShape s{};
  s.batch = ArgCount(info, 3, "batch");
  s.m = ArgCount(info, 4, "m");
  s.n = ArgCount(info, 5, "n");
  s.k = ArgCount(info, 6, "k");
  s.transA = ArgBool(info, 7, "transposeA");
  s.transB = ArgBool(info, 8, "transposeB");
  s.strideA = static_cast<std::size_t>(ArgCount(info, 9, "strideA"));
  s.strideB = static_cast<std::size_t>(ArgCount(info, 10, "strideB"));
  const std::size_t mk = static_cast<std::size_t>(s.m) * s.k, kn = static_cast<std::size_t>(s.k) * s.n;
  if (s.batch > 0) {
    if (s.strideA != 0 && s.strideA < mk) Fail(info.Env(), "strideA is smaller than one matrix of a", true);
    if (s.strideB != 0 && s.strideB < kn) Fail(info.Env(), "strideB is smaller than one matrix of b", true);
    Need(info, a, (s.batch - 1) * s.strideA + mk, "a");
    Need(info, b, (s.batch - 1) * s.strideB + kn, "b");
  }
  Need(info, out, static_cast<std::size_t>(s.batch) * s.m * s.n, "out");
  return s;
}

Napi::Value BatchMatMul(const Napi::CallbackInfo& info) {
  F32 a{}, b{}, out{};
  const privlab::GemmShape s = ReadGemm(info, a, b, out);
  if (s.batch > 0 && s.m > 0 && s.n > 0) privlab::BatchGemm(s, a.data, b.data, out.data);
  return info.Env().Undefined();
}

// (..., bias, biasKind, activation, alpha)
Napi::Value FusedBatchMatMul(const Napi::CallbackInfo& info) {
  F32 a{}, b{}, out{};
  const privlab::GemmShape s = ReadGemm(info, a, b, out);
  const int kind = ArgCount(info, 12, "biasKind");
  if (kind > static_cast<int>(BiasKind::Full)) Fail(info.Env(), "unknown bias kind " + std::to_string(kind), true);
  const BiasKind bk = static_cast<BiasKind>(kind);
  const std::size_t biasNeed = bk == BiasKind::None ? 0
                               : bk == BiasKind::Scalar ? 1
                               : bk == BiasKind::PerColumn ? static_cast<std::size_t>(s.n)
                               : bk == BiasKind::PerMatrix ? static_cast<std::size_t>(s.m) * s.n
                                                           : static_cast<std::size_t>(s.batch) * s.m * s.n;
  const float* bias = ArgOptionalF32(info, 11, "bias", biasNeed);
  if (bias == nullptr && bk != BiasKind::None) Fail(info.Env(), "a bias kind was given without a bias");
  const Activation act = ArgActivation(info, 13);
  const float alpha = static_cast<float>(ArgNumber(info, 14, "alpha"));
  if (s.batch > 0 && s.m > 0 && s.n > 0) {
    privlab::BatchGemm(s, a.data, b.data, out.data);
    privlab::BiasActivation(out.data, s.batch, s.m, s.n, bias, bk, act, alpha);
  }
  return info.Env().Undefined();
}

// (c, rows, cols, bias|null, activation, alpha): per-column bias then activation, in place.
Napi::Value BiasActivation(const Napi::CallbackInfo& info) {
  F32 c = ArgF32(info, 0, "c");
  const int rows = ArgCount(info, 1, "rows");
  const int cols = ArgCount(info, 2, "cols");
  Need(info, c, static_cast<std::size_t>(rows) * cols, "c");
  const float* bias = ArgOptionalF32(info, 3, "bias", static_cast<std::size_t>(cols));
  const Activation act = ArgActivation(info, 4);
  const float alpha = static_cast<float>(ArgNumber(info, 5, "alpha"));
  privlab::BiasActivation(c.data, 1, rows, cols, bias, bias ? BiasKind::PerColumn : BiasKind::None, act, alpha);
  return info.Env().Undefined();
}

// --- elementwise ---------------------------------------------------------------------

Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  F32 x = ArgF32(info, 0, "x");
  F32 y = ArgF32(info, 1, "y");
  Need(info, y, x.length, "y");
  privlab::ActivationForward(x.data, y.data, x.length, ArgActivation(info, 2), static_cast<float>(ArgNumber(info, 3, "alpha")));
  return info.Env().Undefined();
}

Napi::Value ActivationGradFromOutput(const Napi::CallbackInfo& info) {
  F32 dy = ArgF32(info, 0, "dy");
  F32 y = ArgF32(info, 1, "y");
  F32 dx = ArgF32(info, 2, "dx");
  Need(info, y, dy.length, "y");
  Need(info, dx, dy.length, "dx");
  privlab::ActivationGradFromOutput(dy.data, y.data, dx.data, dy.length, ArgActivation(info, 3),
                                    static_cast<float>(ArgNumber(info, 4, "alpha")));
  return info.Env().Undefined();
}

Napi::Value LeakyReluGrad(const Napi::CallbackInfo& info) {
  F32 dy = ArgF32(info, 0, "dy");
  F32 x = ArgF32(info, 1, "x");
  F32 dx = ArgF32(info, 2, "dx");
  Need(info, x, dy.length, "x");
  Need(info, dx, dy.length, "dx");
  privlab::LeakyReluGradFromInput(dy.data, x.data, dx.data, dy.length, static_cast<float>(ArgNumber(info, 3, "alpha")));
  return info.Env().Undefined();
}

// (op, a, b, out): the shorter of a and b repeats over the longer.
Napi::Value BinaryCyclic(const Napi::CallbackInfo& info) {
  const int op = ArgCount(info, 0, "op");
  if (op > static_cast<int>(privlab::BinaryOp::Div)) Fail(info.Env(), "unknown binary op " + std::to_string(op), true);
  F32 a = ArgF32(info, 1, "a"), b = ArgF32(info, 2, "b"), out = ArgF32(info, 3, "out");
  const std::size_t big = a.length > b.length ? a.length : b.length;
  const std::size_t small = a.length > b.length ? b.length : a.length;
  if (small == 0 ? big != 0 : big % small != 0) Fail(info.Env(), "the longer operand's length must be a multiple of the shorter's", true);
  Need(info, out, big, "out");
  if (big > 0) privlab::BinaryCyclic(static_cast<privlab::BinaryOp>(op), a.data, a.length, b.data, b.length, out.data);
  return info.Env().Undefined();
}

// (x, rows, cols, out)
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  F32 x = ArgF32(info, 0, "x");
  const int rows = ArgCount(info, 1, "rows"), cols = ArgCount(info, 2, "cols");
  F32 out = ArgF32(info, 3, "out");
  Need(info, x, static_cast<std::size_t>(rows) * cols, "x");
  Need(info, out, static_cast<std::size_t>(cols), "out");
  privlab::SumRows(x.data, rows, cols, out.data);
  return info.Env().Undefined();
}

Napi::Value SumCols(const Napi::CallbackInfo& info) {
  F32 x = ArgF32(info, 0, "x");
  const int rows = ArgCount(info, 1, "rows"), cols = ArgCount(info, 2, "cols");
  F32 out = ArgF32(info, 3, "out");
  Need(info, x, static_cast<std::size_t>(rows) * cols, "x");
  Need(info, out, static_cast<std::size_t>(rows), "out");
  privlab::SumCols(x.data, rows, cols, out.data);
  return info.Env().Undefined();
}

// --- convolution ------------------------------------------------------------------------

// The shape comes as an Int32Array of 15 values, in ConvShape's field order.
privlab::ConvShape ReadConv(const Napi::CallbackInfo& info, std::size_t i) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    Fail(info.Env(), "argument 'shape' must be an Int32Array");
  }
  Napi::Int32Array a = info[i].As<Napi::Int32Array>();
  if (a.ElementLength() != 15) Fail(info.Env(), "conv shape must have 15 entries", true);
  const int32_t* v = a.Data();
  for (int j = 0; j < 15; ++j) {
    const bool canBeNegative = j >= 13;  // padding may be negative only in odd VALID cases; accept it
    if (!canBeNegative && v[j] < 0) Fail(info.Env(), "conv shape entries must be non-negative", true);
  }
  for (int j : {7, 8, 9, 10}) {
    if (v[j] < 1) Fail(info.Env(), "conv strides and dilations must be at least 1", true);
  }
  return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
}

std::size_t InSize(const privlab::ConvShape& s) { return static_cast<std::size_t>(s.batch) * s.inH * s.inW * s.inC; }
std::size_t OutSize(const privlab::ConvShape& s) { return static_cast<std::size_t>(s.batch) * s.outH * s.outW * s.outC; }
std::size_t FilterSize(const privlab::ConvShape& s) { return static_cast<std::size_t>(s.filterH) * s.filterW * s.inC * s.outC; }

// (x, filter, y, shape)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  F32 x = ArgF32(info, 0, "x"), f = ArgF32(info, 1, "filter"), y = ArgF32(info, 2, "y");
  const privlab::ConvShape s = ReadConv(info, 3);
  Need(info, x, InSize(s), "x");
  Need(info, f, FilterSize(s), "filter");
  Need(info, y, OutSize(s), "y");
  privlab::Conv2DForward(s, x.data, f.data, y.data);
  return info.Env().Undefined();
}

// (dy, filter, dx, shape)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  F32 dy = ArgF32(info, 0, "dy"), f = ArgF32(info, 1, "filter"), dx = ArgF32(info, 2, "dx");
  const privlab::ConvShape s = ReadConv(info, 3);
  Need(info, dy, OutSize(s), "dy");
  Need(info, f, FilterSize(s), "filter");
  Need(info, dx, InSize(s), "dx");
  privlab::Conv2DBackpropInput(s, dy.data, f.data, dx.data);
  return info.Env().Undefined();
}

// (x, dy, dfilter, shape)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  F32 x = ArgF32(info, 0, "x"), dy = ArgF32(info, 1, "dy"), df = ArgF32(info, 2, "dfilter");
  const privlab::ConvShape s = ReadConv(info, 3);
  Need(info, x, InSize(s), "x");
  Need(info, dy, OutSize(s), "dy");
  Need(info, df, FilterSize(s), "dfilter");
  privlab::Conv2DBackpropFilter(s, x.data, dy.data, df.data);
  return info.Env().Undefined();
}

// --- Adam ---------------------------------------------------------------------------------

// (w, m, v, g, lr, beta1, beta2, epsilon, biasCorrection1, biasCorrection2)
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  F32 w = ArgF32(info, 0, "w"), m = ArgF32(info, 1, "m"), v = ArgF32(info, 2, "v"), g = ArgF32(info, 3, "g");
  Need(info, m, w.length, "m");
  Need(info, v, w.length, "v");
  Need(info, g, w.length, "g");
  privlab::AdamParams p{};
  p.lr = static_cast<float>(ArgNumber(info, 4, "lr"));
  p.beta1 = static_cast<float>(ArgNumber(info, 5, "beta1"));
  p.beta2 = static_cast<float>(ArgNumber(info, 6, "beta2"));
  p.epsilon = static_cast<float>(ArgNumber(info, 7, "epsilon"));
  p.biasCorrection1 = static_cast<float>(ArgNumber(info, 8, "biasCorrection1"));
  p.biasCorrection2 = static_cast<float>(ArgNumber(info, 9, "biasCorrection2"));
  if (!(p.biasCorrection1 > 0.f) || !(p.biasCorrection2 > 0.f)) Fail(info.Env(), "Adam bias corrections must be positive", true);
  privlab::AdamUpdate(w.data, m.data, v.data, g.data, w.length, p);
  return info.Env().Undefined();
}

// --- batch normalisation, splits ----------------------------------------------------------
// (x, rows, channels, gamma, beta, epsilon, y, mean, invStd)
Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  F32 x = ArgF32(info, 0, "x");
  const int rows = ArgCount(info, 1, "rows"), channels = ArgCount(info, 2, "channels");
  F32 gamma = ArgF32(info, 3, "gamma"), beta = ArgF32(info, 4, "beta");
  const double eps = ArgNumber(info, 5, "epsilon");
  F32 y = ArgF32(info, 6, "y"), mean = ArgF32(info, 7, "mean"), invStd = ArgF32(info, 8, "invStd");
  if (rows < 1 || channels < 1) Fail(info.Env(), "batch norm needs at least one row and one channel", true);
  if (!(eps > 0)) Fail(info.Env(), "batch norm epsilon must be positive", true);
  const std::size_t n = static_cast<std::size_t>(rows) * channels;
  Need(info, x, n, "x");
  Need(info, y, n, "y");
  for (const auto& [a, name] : {std::pair{gamma, "gamma"}, std::pair{beta, "beta"}, std::pair{mean, "mean"}, std::pair{invStd, "invStd"}}) {
    Need(info, a, channels, name);
  }
  privlab::BatchNormForward(x.data, rows, channels, gamma.data, beta.data, static_cast<float>(eps), y.data, mean.data, invStd.data);
  return info.Env().Undefined();
}

// (dy, x, mean, invStd, gamma, rows, channels, dx, dgamma, dbeta)
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  F32 dy = ArgF32(info, 0, "dy"), x = ArgF32(info, 1, "x"), mean = ArgF32(info, 2, "mean"), invStd = ArgF32(info, 3, "invStd");
  F32 gamma = ArgF32(info, 4, "gamma");
  const int rows = ArgCount(info, 5, "rows"), channels = ArgCount(info, 6, "channels");
  F32 dx = ArgF32(info, 7, "dx"), dgamma = ArgF32(info, 8, "dgamma"), dbeta = ArgF32(info, 9, "dbeta");
  if (rows < 1 || channels < 1) Fail(info.Env(), "batch norm needs at least one row and one channel", true);
  const std::size_t n = static_cast<std::size_t>(rows) * channels;
  Need(info, dy, n, "dy");
  Need(info, x, n, "x");
  Need(info, dx, n, "dx");
  for (const auto& [a, name] : {std::pair{mean, "mean"}, std::pair{invStd, "invStd"}, std::pair{gamma, "gamma"}, std::pair{dgamma, "dgamma"},
                                std::pair{dbeta, "dbeta"}}) {
    Need(info, a, channels, name);
  }
  privlab::BatchNormBackward(dy.data, x.data, mean.data, invStd.data, gamma.data, rows, channels, dx.data, dgamma.data, dbeta.data);
  return info.Env().Undefined();
}

// The pieces of a row split or concatenation: an array of Float32Arrays of `rows` rows each;
// each piece's width is its length / rows. Their widths must sum to `cols`.
struct Pieces {
  std::vector<int> widths;
  std::vector<float*> data;
};

Pieces ArgPieces(const Napi::CallbackInfo& info, std::size_t i, const char* name, int rows, int cols) {
  if (i >= info.Length() || !info[i].IsArray()) Fail(info.Env(), std::string("argument '") + name + "' must be an array of Float32Arrays");
  if (rows < 1) Fail(info.Env(), "rows must be at least 1", true);
  Napi::Array arr = info[i].As<Napi::Array>();
  Pieces p;
  long long total = 0;
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr.Get(k);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      Fail(info.Env(), std::string("every entry of '") + name + "' must be a Float32Array");
    }
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    if (a.ElementLength() % rows != 0) Fail(info.Env(), std::string("each entry of '") + name + "' must have a multiple of rows values", true);
    p.widths.push_back(static_cast<int>(a.ElementLength() / rows));
    p.data.push_back(a.Data());
    total += p.widths.back();
  }
  if (total != cols) Fail(info.Env(), std::string("the widths of '") + name + "' must sum to cols", true);
  return p;
}

// (x, rows, cols, outs: Float32Array[])
Napi::Value SplitColumns(const Napi::CallbackInfo& info) {
  F32 x = ArgF32(info, 0, "x");
  const int rows = ArgCount(info, 1, "rows"), cols = ArgCount(info, 2, "cols");
  Need(info, x, static_cast<std::size_t>(rows) * cols, "x");
  Pieces outs = ArgPieces(info, 3, "outs", rows, cols);
  privlab::SplitColumns(x.data, rows, cols, outs.widths.data(), static_cast<int>(outs.widths.size()), outs.data.data());
  return info.Env().Undefined();
}

// (ins: Float32Array[], rows, cols, out)
Napi::Value ConcatColumns(const Napi::CallbackInfo& info) {
  const int rows = ArgCount(info, 1, "rows"), cols = ArgCount(info, 2, "cols");
  Pieces ins = ArgPieces(info, 0, "ins", rows, cols);
  F32 out = ArgF32(info, 3, "out");
  Need(info, out, static_cast<std::size_t>(rows) * cols, "out");
  privlab::ConcatColumns(ins.data.data(), ins.widths.data(), static_cast<int>(ins.widths.size()), rows, out.data);
  return info.Env().Undefined();
}


// --- double-precision linear algebra (FID) ---------------------------------------------

// (a: n×n, n, w: n, vectors) → LAPACK info (0 = success)
Napi::Value SymmetricEigen(const Napi::CallbackInfo& info) {
  F64 a = ArgF64(info, 0, "a");
  const int n = ArgCount(info, 1, "n");
  F64 w = ArgF64(info, 2, "w");
  const bool vectors = ArgBool(info, 3, "vectors");
  Need(info, a, static_cast<std::size_t>(n) * n, "a");
  Need(info, w, static_cast<std::size_t>(n), "w");
  return Napi::Number::New(info.Env(), privlab::SymmetricEigen(a.data, n, w.data, vectors));
}

// (a, b, c, m, n, k, transA, transB)
Napi::Value GemmF64(const Napi::CallbackInfo& info) {
  F64 a = ArgF64(info, 0, "a"), b = ArgF64(info, 1, "b"), c = ArgF64(info, 2, "c");
  const int m = ArgCount(info, 3, "m"), n = ArgCount(info, 4, "n"), k = ArgCount(info, 5, "k");
  const bool transA = ArgBool(info, 6, "transposeA"), transB = ArgBool(info, 7, "transposeB");
  Need(info, a, static_cast<std::size_t>(m) * k, "a");
  Need(info, b, static_cast<std::size_t>(k) * n, "b");
  Need(info, c, static_cast<std::size_t>(m) * n, "c");
  if (m > 0 && n > 0) privlab::GemmF64(a.data, b.data, c.data, m, n, k, transA, transB);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setBlasThreads", Napi::Function::New(env, SetBlasThreads));
  exports.Set("blasThreads", Napi::Function::New(env, BlasThreads));
  exports.Set("blasPoolThreading", Napi::Function::New(env, BlasPoolThreading));
  exports.Set("blasConfig", Napi::Function::New(env, BlasConfig));
  exports.Set("batchMatMul", Napi::Function::New(env, BatchMatMul));
  exports.Set("fusedBatchMatMul", Napi::Function::New(env, FusedBatchMatMul));
  exports.Set("biasActivation", Napi::Function::New(env, BiasActivation));
  exports.Set("activation", Napi::Function::New(env, ActivationForward));
  exports.Set("activationGradFromOutput", Napi::Function::New(env, ActivationGradFromOutput));
  exports.Set("leakyReluGrad", Napi::Function::New(env, LeakyReluGrad));
  exports.Set("binaryCyclic", Napi::Function::New(env, BinaryCyclic));
  exports.Set("sumRows", Napi::Function::New(env, SumRows));
  exports.Set("sumCols", Napi::Function::New(env, SumCols));
  exports.Set("conv2d", Napi::Function::New(env, Conv2D));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
  exports.Set("batchNormForward", Napi::Function::New(env, BatchNormForward));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward));
  exports.Set("splitColumns", Napi::Function::New(env, SplitColumns));
  exports.Set("concatColumns", Napi::Function::New(env, ConcatColumns));
  exports.Set("symmetricEigen", Napi::Function::New(env, SymmetricEigen));
  exports.Set("gemmF64", Napi::Function::New(env, GemmF64));
  return exports;
}

}  // namespace

NODE_API_MODULE(privlab_kernels, Init)
