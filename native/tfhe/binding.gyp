{
  # The TFHE evaluator (server side of privlab's FHE): negacyclic FFT products,
  # external product, blind rotation, sample extraction, key switching, modulus
  # switch and programmable bootstrapping on TFHE-rs shortint ciphertexts.
  # The FFT is our own (src/fft64_kernels.h), built for baseline x86-64 plus AVX2+FMA and
  # AVX-512 variants (target pragmas in their own files) chosen at run time
  # (src/fft64.cc), so the addon runs on any x86-64 machine.
  "targets": [
    {
      "target_name": "privlab_tfhe",
      "sources": [
        "src/fft64.cc",
        "src/kernels_avx512.cc",
        "src/kernels_avx2.cc",
        "src/kernels_generic.cc",
        "src/ggsw_external_product.cc",
        "src/blind_rotate.cc",
        "src/glwe_sample_extraction.cc",
        "src/lwe_keyswitch.cc",
        "src/modulus_switch.cc",
        "src/programmable_bootstrap.cc",
        "src/lwe_linear_algebra.cc",
        "src/encryption_helpers.cc",
        "src/server_key.cc",
        "src/addon.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-psabi"],
      "libraries": ["-lpthread"]
    }
  ]
}
