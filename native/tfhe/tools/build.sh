#!/usr/bin/env bash
# Builds the stand-alone tools (profiling driver, FFT precision check) with the
# addon's own sources and flags: bash native/tfhe/tools/build.sh [OUTDIR [TOOL...]]
# (all tools unless some are named, e.g. fft_check)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/../build/tools}"
shift $(( $# > 0 ? 1 : 0 ))
TOOLS=("$@")
if [ ${#TOOLS[@]} -eq 0 ]; then for t in "$HERE"/*.cc; do TOOLS+=("$(basename "$t" .cc)"); done; fi
mkdir -p "$OUT"
SRCS=()
for f in "$HERE"/../src/*.cc; do [ "$(basename "$f")" = addon.cc ] || SRCS+=("$f"); done
CXXFLAGS=(-O3 -g -std=c++17 -fno-math-errno -Wall -Wextra -Wno-unused-parameter -Wno-psabi ${EXTRA_CXXFLAGS:-})
for name in "${TOOLS[@]}"; do
  [ -f "$HERE/$name.cc" ] || { echo "build.sh: no tool $name" >&2; exit 2; }
  g++ "${CXXFLAGS[@]}" -o "$OUT/$name" "$HERE/$name.cc" "${SRCS[@]}" -lpthread
done
echo "$OUT"
