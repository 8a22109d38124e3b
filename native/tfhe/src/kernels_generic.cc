// SIMD kernels for any x86-64 CPU (the fallback when AVX2/FMA are missing): the same
// algorithms and Fourier layout as kernels_avx2.cc over a plain 4-double vector.
#include <cmath>
#include <cstring>
#include <vector>

#include "tfhe.h"

namespace privlab_tfhe {
namespace generic_impl {

struct S {
  struct D {
    double v[4];
  };
  static constexpr const char* name = "generic";
#define PRIVLAB_LANES(expr) \
  D r;                      \
  for (int l = 0; l < 4; ++l) r.v[l] = (expr); \
  return r
  static D load(const double* p) { PRIVLAB_LANES(p[l]); }
  static void store(double* p, D v) {
    for (int l = 0; l < 4; ++l) p[l] = v.v[l];
  }
  static D zero() { PRIVLAB_LANES(0.0); }
  static D add(D a, D b) { PRIVLAB_LANES(a.v[l] + b.v[l]); }
  static D sub(D a, D b) { PRIVLAB_LANES(a.v[l] - b.v[l]); }
  static D mul(D a, D b) { PRIVLAB_LANES(a.v[l] * b.v[l]); }
  static D fmadd(D a, D b, D c) { PRIVLAB_LANES(a.v[l] * b.v[l] + c.v[l]); }
  static D fmsub(D a, D b, D c) { PRIVLAB_LANES(a.v[l] * b.v[l] - c.v[l]); }
  static D fnmadd(D a, D b, D c) { PRIVLAB_LANES(c.v[l] - a.v[l] * b.v[l]); }
#undef PRIVLAB_LANES
  static void transpose(D& a, D& b, D& c, D& d) {
    D* rows[4] = {&a, &b, &c, &d};
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j) std::swap(rows[i]->v[j], rows[j]->v[i]);
  }
  static void torus_add(uint64_t* out, D t) {
    for (int l = 0; l < 4; ++l) {
      const double f = t.v[l] - std::nearbyint(t.v[l]);
      const double v = f * 0x1p52 + 6755399441055744.0;  // f 2^52 is exact: one rounding, as the FMA
      int64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
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

const SimdKernels kernels = {S::name, forward, backward_add_torus, multiply_accumulate, decompose_rotated_difference,
                             add_scaled_row};

}  // namespace generic_impl
}  // namespace privlab_tfhe
