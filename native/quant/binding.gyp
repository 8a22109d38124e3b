# privlab's fake-quantization kernels for quantization-aware training: one pass over a
# tensor's values, split across threads. Built by scripts/setup.sh (node-gyp rebuild).
{
  "targets": [
    {
      "target_name": "privlab_quant",
      "sources": ["src/fake_quant.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      # Built on the machine that runs it, as native/kernels is. No -ffast-math: results must
      # match the JavaScript fallback bit for bit (Math.round = floor(x + 0.5), in double).
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fexceptions"],
      "libraries": ["-lpthread"]
    }
  ]
}
