// 2-D convolution (NHWC input, [fh, fw, inC, outC] filter) as im2col + GEMM.
// The patch matrix ("col") has one row per output pixel and fh·fw·inC columns, in the
// filter's own memory order, so the filter is already the right-hand GEMM operand.
// Images are processed in chunks so that the patch matrix stays within kMaxColFloats.
#include <algorithm>
#include <cblas.h>
#include <cstring>
#include <vector>
#include "kernels.h"
#include "parallel_gemm.h"

namespace privlab {
namespace {

constexpr std::size_t kMaxColFloats = std::size_t{4} << 20;  // 16 MiB of patches per chunk

std::size_t PatchSize(const ConvShape& s) { return static_cast<std::size_t>(s.filterH) * s.filterW * s.inC; }

// A 1x1, stride-1, unpadded convolution reads each input pixel once: x itself is the patch matrix.
bool IsPointwise(const ConvShape& s) {
  return s.filterH == 1 && s.filterW == 1 && s.strideH == 1 && s.strideW == 1 && s.padTop == 0 && s.padLeft == 0 &&
         s.outH == s.inH && s.outW == s.inW;
}

int ImagesPerChunk(const ConvShape& s) {
  const std::size_t perImage = static_cast<std::size_t>(s.outH) * s.outW * PatchSize(s);
  if (perImage == 0) return std::max(1, s.batch);
  return static_cast<int>(std::clamp<std::size_t>(kMaxColFloats / perImage, 1, static_cast<std::size_t>(s.batch)));
}

// col[(b·outH + oy)·outW + ox][(ky·fw + kx)·inC + c] = x[b0 + b, iy, ix, c] (0 outside the image)
void Im2Col(const ConvShape& s, const float* x, int b0, int images, float* col) {
  const std::size_t patch = PatchSize(s);
  const std::size_t imageSize = static_cast<std::size_t>(s.inH) * s.inW * s.inC;
  float* row = col;
  for (int b = 0; b < images; ++b) {
    const float* img = x + (b0 + b) * imageSize;
    for (int oy = 0; oy < s.outH; ++oy) {
      for (int ox = 0; ox < s.outW; ++ox, row += patch) {
        float* dst = row;
        for (int ky = 0; ky < s.filterH; ++ky) {
          const int iy = oy * s.strideH - s.padTop + ky * s.dilationH;
          for (int kx = 0; kx < s.filterW; ++kx, dst += s.inC) {
            const int ix = ox * s.strideW - s.padLeft + kx * s.dilationW;
            if (iy < 0 || iy >= s.inH || ix < 0 || ix >= s.inW) {
              std::memset(dst, 0, sizeof(float) * s.inC);
            } else {
              std::memcpy(dst, img + (static_cast<std::size_t>(iy) * s.inW + ix) * s.inC, sizeof(float) * s.inC);
            }
          }
        }
      }
    }
  }
}

// The adjoint of Im2Col: adds each patch entry back onto the input pixel it came from.
void Col2ImAdd(const ConvShape& s, const float* col, int b0, int images, float* dx) {
  const std::size_t patch = PatchSize(s);
  const std::size_t imageSize = static_cast<std::size_t>(s.inH) * s.inW * s.inC;
  const float* row = col;
  for (int b = 0; b < images; ++b) {
    float* img = dx + (b0 + b) * imageSize;
    for (int oy = 0; oy < s.outH; ++oy) {
      for (int ox = 0; ox < s.outW; ++ox, row += patch) {
        const float* src = row;
        for (int ky = 0; ky < s.filterH; ++ky) {
          const int iy = oy * s.strideH - s.padTop + ky * s.dilationH;
          for (int kx = 0; kx < s.filterW; ++kx, src += s.inC) {
            const int ix = ox * s.strideW - s.padLeft + kx * s.dilationW;
            if (iy < 0 || iy >= s.inH || ix < 0 || ix >= s.inW) continue;
            float* d = img + (static_cast<std::size_t>(iy) * s.inW + ix) * s.inC;
            for (int c = 0; c < s.inC; ++c) d[c] += src[c];
          }
        }
      }
    }
  }
}

std::vector<float>& ColBuffer(std::size_t n) {
  // One scratch buffer per thread, grown as needed: convolutions run on the JS thread and
  // reallocating tens of MiB for every call would cost more than the copy itself.
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf;
}

// Calls fn(b0, images, col) for consecutive chunks of the batch, with col a scratch buffer
// big enough for the chunk's patch matrix.
template <typename Fn>
void ForEachChunk(const ConvShape& s, Fn fn) {
  const int chunk = ImagesPerChunk(s);
  float* col = ColBuffer(static_cast<std::size_t>(chunk) * s.outH * s.outW * PatchSize(s)).data();
  for (int b0 = 0; b0 < s.batch; b0 += chunk) fn(b0, std::min(chunk, s.batch - b0), col);
}

}  // namespace

void Conv2DForward(const ConvShape& s, const float* x, const float* filter, float* y) {
  const int k = static_cast<int>(PatchSize(s));
  const int pixels = s.outH * s.outW;
  if (k == 0) {
    std::fill(y, y + static_cast<std::size_t>(s.batch) * pixels * s.outC, 0.f);
    return;
  }
  if (IsPointwise(s)) {
    Sgemm(CblasNoTrans, CblasNoTrans, s.batch * pixels, s.outC, k, x, k, filter, s.outC, 0.f, y,
                s.outC);
    return;
  }
  ForEachChunk(s, [&](int b0, int images, float* col) {
    Im2Col(s, x, b0, images, col);
    Sgemm(CblasNoTrans, CblasNoTrans, images * pixels, s.outC, k, col, k, filter, s.outC, 0.f,
                y + static_cast<std::size_t>(b0) * pixels * s.outC, s.outC);
  });
}

void Conv2DBackpropInput(const ConvShape& s, const float* dy, const float* filter, float* dx) {
  const int k = static_cast<int>(PatchSize(s));
  const int pixels = s.outH * s.outW;
  const std::size_t inSize = static_cast<std::size_t>(s.batch) * s.inH * s.inW * s.inC;
  if (k == 0 || s.outC == 0) {
    std::fill(dx, dx + inSize, 0.f);
    return;
  }
  if (IsPointwise(s)) {
    Sgemm(CblasNoTrans, CblasTrans, s.batch * pixels, k, s.outC, dy, s.outC, filter, s.outC,
                0.f, dx, k);
    return;
  }
  std::fill(dx, dx + inSize, 0.f);
  ForEachChunk(s, [&](int b0, int images, float* col) {
    Sgemm(CblasNoTrans, CblasTrans, images * pixels, k, s.outC, dy + static_cast<std::size_t>(b0) * pixels * s.outC, s.outC,
          filter, s.outC, 0.f, col, k);
    Col2ImAdd(s, col, b0, images, dx);
  });
}

void Conv2DBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dfilter) {
  const int k = static_cast<int>(PatchSize(s));
  const int pixels = s.outH * s.outW;
  if (k == 0 || s.outC == 0) return;
  if (s.batch == 0 || pixels == 0) {
    std::fill(dfilter, dfilter + static_cast<std::size_t>(k) * s.outC, 0.f);
    return;
  }
  if (IsPointwise(s)) {
    Sgemm(CblasTrans, CblasNoTrans, k, s.outC, s.batch * pixels, x, k, dy, s.outC, 0.f,
                dfilter, s.outC);
    return;
  }
  ForEachChunk(s, [&](int b0, int images, float* col) {
    Im2Col(s, x, b0, images, col);
    // The first chunk overwrites dfilter (beta 0), later ones accumulate (beta 1).
    Sgemm(CblasTrans, CblasNoTrans, k, s.outC, images * pixels, col, k,
                dy + static_cast<std::size_t>(b0) * pixels * s.outC, s.outC, b0 == 0 ? 0.f : 1.f, dfilter, s.outC);
  });
}

}  // namespace privlab
