# privlab's training kernels: GEMM-based dense and convolution kernels on OpenBLAS.
# Built by scripts/setup.sh (node-gyp rebuild) against Node's own headers.
{
  "targets": [
    {
      "target_name": "privlab_kernels",
      "sources": [
        "src/addon.cc",
        "src/blas_threads.cc",
        "src/parallel_gemm.cc",
        "src/gemm.cc",
        "src/activation.cc",
        "src/conv2d.cc",
        "src/adam.cc",
        "src/reduce.cc",
        "src/elementwise.cc",
        "src/batch_norm.cc",
        "src/concat.cc",
        "src/linalg_f64.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(pkg-config --cflags-only-I openblas | sed -e 's/-I//g')"
      ],
      "libraries": ["<!@(pkg-config --libs openblas)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      # Built on the machine that runs it (scripts/setup.sh), so -march=native is safe and
      # lets the elementwise loops use AVX2/FMA. -fno-trapping-math lets gcc turn branches on
      # floats into vector blends (nothing here reads FP exception flags); no -ffast-math, as
      # NaN must propagate as in tfjs.
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-fexceptions"]
    }
  ]
}
