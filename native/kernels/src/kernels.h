// Plain C++ kernels behind the Node bindings (addon.cc). No Node types here, so each
// kernel can be read, and tested from C++, on its own. All tensors are dense,
// row-major float32; "NHWC" for images.
#pragma once
#include <cstddef>
#include <cstdint>

namespace privlab {

// Activation codes shared with src/backend/native-addon.ts (keep in sync).
enum class Activation : int { Linear = 0, Relu = 1, Relu6 = 2, LeakyRelu = 3, Sigmoid = 4, Elu = 5, Tanh = 6 };

// How a bias broadcasts over a [batch, m, n] result.
enum class BiasKind : int { None = 0, Scalar = 1, PerColumn = 2, PerMatrix = 3, Full = 4 };

// --- BLAS threading (blas_threads.cc) ---------------------------------------
// n threads for matrix products; pool: privlab's block sharing (parallel_gemm.cc) over
// single-threaded OpenBLAS calls, else OpenBLAS's own threads.
void SetBlasThreads(int n, bool pool);
int BlasThreads();
bool BlasPoolThreading();
const char* BlasConfig();

// --- GEMM (gemm.cc) -----------------------------------------------------------
// C[b] = op(A[b]) · op(B[b]) for b < batch, C contiguous [batch, m, n]. A batch stride of 0
// broadcasts that operand over the batch (tfjs's BatchMatMul broadcasting of a batch of 1).
struct GemmShape {
  int batch, m, n, k;
  bool transA, transB;
  std::size_t strideA, strideB;  // elements between consecutive matrices of A / B
};
void BatchGemm(const GemmShape& s, const float* a, const float* b, float* c);

// Bias add then activation, in place on a [batch, m, n] result.
void BiasActivation(float* c, int batch, int m, int n, const float* bias, BiasKind kind, Activation act, float alpha);

// --- elementwise activations (activation.cc) ----------------------------------
void ActivationForward(const float* x, float* y, std::size_t n, Activation act, float alpha);
// dx = dy · f'(x), written in terms of the activation's OUTPUT y (what the backward pass keeps).
void ActivationGradFromOutput(const float* dy, const float* y, float* dx, std::size_t n, Activation act, float alpha);
// dx = dy · f'(x) in terms of the activation's INPUT x (tfjs's LeakyRelu/Relu gradients use x).
void LeakyReluGradFromInput(const float* dy, const float* x, float* dx, std::size_t n, float alpha);

// --- binary elementwise (elementwise.cc) ---------------------------------------
enum class BinaryOp : int { Add = 0, Sub = 1, Mul = 2, Div = 3 };
// out = a op b where the shorter operand repeats cyclically over the longer one; the longer
// length must be a multiple of the shorter (callers check shapes: equal, scalar, or row broadcast).
void BinaryCyclic(BinaryOp op, const float* a, std::size_t aLen, const float* b, std::size_t bLen, float* out);

// --- reductions (reduce.cc) -----------------------------------------------------
// out[j] = sum_i x[i, j] for a [rows, cols] matrix.
void SumRows(const float* x, int rows, int cols, float* out);
// out[i] = sum_j x[i, j] for a [rows, cols] matrix.
void SumCols(const float* x, int rows, int cols, float* out);

// --- 2-D convolution, NHWC, im2col + GEMM (conv2d.cc) ------------------------
struct ConvShape {
  int batch, inH, inW, inC, outH, outW, outC;
  int strideH, strideW, dilationH, dilationW, filterH, filterW, padTop, padLeft;
};
void Conv2DForward(const ConvShape& s, const float* x, const float* filter, float* y);
void Conv2DBackpropInput(const ConvShape& s, const float* dy, const float* filter, float* dx);
void Conv2DBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dfilter);

// --- batch normalisation (batch_norm.cc) ------------------------------
// Per channel of a [rows, channels] matrix: mean, invStd = 1/sqrt(biased variance + ε),
// y = γ·(x − mean)·invStd + β.
void BatchNormForward(const float* x, int rows, int channels, const float* gamma, const float* beta, float epsilon,
                      float* y, float* mean, float* invStd);
// Its gradient: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)).
void BatchNormBackward(const float* dy, const float* x, const float* mean, const float* invStd, const float* gamma, int rows,
                       int channels, float* dx, float* dgamma, float* dbeta);

// --- channel splits and concatenations (concat.cc) -----------------------------
// Splits each row of a [rows, cols] matrix into consecutive pieces of widths[p] columns
// (sum = cols): outs[p] is [rows, widths[p]]. The gradient of a channel concatenation.
void SplitColumns(const float* x, int rows, int cols, const int* widths, int parts, float* const* outs);
// Its inverse: out [rows, Σ widths] from the pieces ins[p] [rows, widths[p]] (a channel concatenation).
void ConcatColumns(const float* const* ins, const int* widths, int parts, int rows, float* out);

// --- Adam (adam.cc) ---------------------------------------------------------------
// One Adam step in place on w, m, v (tfjs's formula):
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g²;  w -= lr (m/bc1) / (sqrt(v/bc2) + eps)
// with bc1 = 1 - b1^t and bc2 = 1 - b2^t.
struct AdamParams { float lr, beta1, beta2, epsilon, biasCorrection1, biasCorrection2; };
void AdamUpdate(float* w, float* m, float* v, const float* g, std::size_t n, const AdamParams& p);

// --- double-precision linear algebra (linalg_f64.cc), for FID -------------------
// Eigenvalues (ascending, into w[n]) of the symmetric n×n matrix a (its lower triangle is
// read); with `vectors`, a is overwritten by the eigenvectors (row i = the i-th eigenvector
// in row-major order). Returns LAPACK's info: 0 on success.
int SymmetricEigen(double* a, int n, double* w, bool vectors);
// c[m×n] = op(a)·op(b), row-major; op(a) is m×k, op(b) is k×n.
void GemmF64(const double* a, const double* b, double* c, int m, int n, int k, bool transA, bool transB);

}  // namespace privlab
