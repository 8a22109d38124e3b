// The key switch's inner loop for kernel sets without a blocked version (kernels_avx2.cc,
// kernels_generic.cc), over the set's own add_scaled_row(out, row, width, factor,
// negate) (out[x] += factor * row[x], or -= when negating, modulo 2^64): row by row, each
// row added (scaled by its digit) into every ciphertext of the batch while it is in cache.
#pragma once

#include <cstddef>
#include <cstdint>

namespace privlab_tfhe {

using AddScaledRow = void (*)(uint64_t* out, const uint64_t* row, size_t width, uint64_t factor, bool negate);

// outs[b][x] -= sum over r < nrows of digits[r * count + b] * rows[r * width + x] (mod 2^64)
template <AddScaledRow ADD>
void subtract_digit_rows_by_row(uint64_t* const* outs, size_t count, const int64_t* digits, const uint64_t* rows,
                                size_t nrows, size_t width, const uint64_t* /*prefetch*/, size_t /*prefetch_words*/) {
  for (size_t r = 0; r < nrows; ++r)
    for (size_t b = 0; b < count; ++b) {
      const int64_t d = digits[r * count + b];
      if (d == 0) continue;
      ADD(outs[b], rows + r * width, width, d > 0 ? uint64_t(d) : uint64_t(0) - uint64_t(d), d > 0);
    }
}

}  // namespace privlab_tfhe
