// SIMD kernels for any x86-64 CPU (the fallback when AVX2/FMA are missing): the same
// algorithms and Fourier layout as kernels_avx2.cc over a plain 4-double vector.
#include <cstring>
#include <vector>

#include "keyswitch_rows.h"
#include "tfhe.h"

namespace privlab_tfhe {
namespace generic_impl {

// GCC vector extensions: four doubles, lowered to SSE2 pairs on baseline x86-64 (they
// never cross this file's boundary, hence -Wno-psabi in binding.gyp).
typedef double v4d __attribute__((vector_size(32)));

struct S {
  using D = v4d;
  static constexpr const char* name = "generic";
  static constexpr size_t W = 4;
  static D set1(double x) { return D{x, x, x, x}; }
  static D load(const double* p) {
    D d;
    std::memcpy(&d, p, sizeof d);
    return d;
  }
  static void store(double* p, D v) { std::memcpy(p, &v, sizeof v); }
  static D zero() { return D{0, 0, 0, 0}; }
  static D add(D a, D b) { return a + b; }
  static D sub(D a, D b) { return a - b; }
  static D mul(D a, D b) { return a * b; }
  static D fmadd(D a, D b, D c) { return a * b + c; }
  static D fmsub(D a, D b, D c) { return a * b - c; }
  static D fnmadd(D a, D b, D c) { return c - a * b; }
  static void transpose(D* v) {  // 4x4
    const D a0 = v[0], b0 = v[1], c0 = v[2], d0 = v[3];
    v[0] = D{a0[0], b0[0], c0[0], d0[0]};
    v[1] = D{a0[1], b0[1], c0[1], d0[1]};
    v[2] = D{a0[2], b0[2], c0[2], d0[2]};
    v[3] = D{a0[3], b0[3], c0[3], d0[3]};
  }
  // as the AVX2 version; round(t) by the 1.5 * 2^52 trick (|t| < 2^51 here: |x| < 2^115)
  static void torus_add(uint64_t* out, D t) {
    const D magic = D{6755399441055744.0, 6755399441055744.0, 6755399441055744.0, 6755399441055744.0};
    const D f = t - ((t + magic) - magic);
    const D v = f * 0x1p52 + magic;  // f 2^52 is exact: one rounding, as the FMA
    for (int l = 0; l < 4; ++l) {
      int64_t bits;
      std::memcpy(&bits, &v[l], sizeof bits);
      out[l] += uint64_t(bits - 0x4338000000000000LL) << 12;
    }
  }
};

}  // namespace generic_impl
}  // namespace privlab_tfhe

#define KERNEL_NS generic_impl
#include "fft64_kernels.h"
#undef KERNEL_NS

namespace privlab_tfhe {
namespace generic_impl {

static void add_scaled_row(uint64_t* out, const uint64_t* row, size_t width, uint64_t factor, bool negate) {
  const uint64_t f = negate ? uint64_t(0) - factor : factor;
  for (size_t x = 0; x < width; ++x) out[x] += f * row[x];
}

const SimdKernels kernels = {S::name, S::W, forward, backward_add_torus, multiply_accumulate, decompose_rotated_difference,
                             subtract_digit_rows_by_row<add_scaled_row>};

}  // namespace generic_impl
}  // namespace privlab_tfhe
