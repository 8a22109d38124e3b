#!/usr/bin/env bash
# Builds the stand-alone tools (profiling driver, FFT precision check) with the
# addon's own sources and flags: bash native/tfhe/tools/build.sh [OUTDIR]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/../build/tools}"
mkdir -p "$OUT"
SRCS=()
for f in "$HERE"/../src/*.cc; do [ "$(basename "$f")" = addon.cc ] || SRCS+=("$f"); done
CXXFLAGS=(-O3 -g -std=c++17 -fno-math-errno -Wall -Wextra -Wno-unused-parameter -Wno-psabi ${EXTRA_CXXFLAGS:-})
for tool in "$HERE"/*.cc; do
  name=$(basename "$tool" .cc)
  g++ "${CXXFLAGS[@]}" -o "$OUT/$name" "$tool" "${SRCS[@]}" -lpthread
done
echo "$OUT"
