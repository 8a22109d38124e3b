#!/usr/bin/env bash
# privlab set-up: everything a fresh Debian machine needs, and quick when already done.
#   Debian packages (Jupyter, Chromium, build tools, OpenBLAS, datasets) → npm packages →
#   TypeScript build → native addon (when present) → project-local kernelspec.
# Each step checks whether it is needed first. Safe to run any number of times.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAMPS="$ROOT/.cache/setup"
mkdir -p "$STAMPS"
t0=$(date +%s)
log() { printf 'setup: %s\n' "$*" >&2; }

# --- 1. Debian packages -------------------------------------------------------------
DEB_PACKAGES=(
  python3 python3-notebook python3-nbconvert python3-nbclient jupyter-client
  python3-ipykernel python3-jupyter-kernel-test python3-scipy python3-sklearn python3-xgboost
  chromium
  build-essential python3-dev pkg-config libopenblas-dev
  dataset-fashion-mnist
  python3-torch
  openssl  # self-signed certificates in the fhe serve TLS test
)
if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  log "this set-up installs Debian packages with apt-get, which is not available here."
  log "install the equivalents of: ${DEB_PACKAGES[*]} — then set PRIVLAB_SKIP_APT=1 and run again."
  [ "${PRIVLAB_SKIP_APT:-}" = 1 ] || exit 1
fi
missing=()
[ "${PRIVLAB_SKIP_APT:-}" = 1 ] || for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then missing+=("$p"); fi
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO=(sudo); else
      log "not root and no sudo: install these Debian packages, then run again: ${missing[*]}"; exit 1
    fi
  fi
  "${SUDO[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# Debian packages whose data files are used but which are not installed (that would pull in
# R): downloaded and extracted into .cache/debian/PACKAGE/. r-cran-kernlab ships Spambase as
# data/spam.rda (src/data/spambase.ts).
DEB_EXTRACT=(r-cran-kernlab)
[ "${PRIVLAB_SKIP_APT:-}" = 1 ] || for p in "${DEB_EXTRACT[@]}"; do
  [ -d ".cache/debian/$p/usr" ] && continue
  log "extracting Debian package $p into .cache/debian/$p (not installed)"
  tmp=$(mktemp -d); chmod 755 "$tmp"
  if ! (cd "$tmp" && apt-get download -q "$p" >&2 2>/dev/null); then
    SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    "${SUDO[@]}" apt-get update -q >&2
    (cd "$tmp" && apt-get download -q "$p" >&2)
  fi
  mkdir -p .cache/debian
  dpkg-deb -x "$tmp"/"$p"_*.deb "$tmp/x" && rm -rf ".cache/debian/$p" && mv "$tmp/x" ".cache/debian/$p"
  rm -rf "$tmp"
done

# --- 2. npm packages ----------------------------------------------------------------
# Re-run npm when package.json or the lock changed since the last successful install.
if [ ! -f node_modules/.package-lock.json ] || [ ! -f "$STAMPS/npm" ] \
   || [ package.json -nt "$STAMPS/npm" ] || { [ -f package-lock.json ] && [ package-lock.json -nt "$STAMPS/npm" ]; }; then
  log "npm install"
  npm install --no-audit --no-fund --loglevel=error >&2
  touch "$STAMPS/npm"
fi
# Notebooks import "privlab/kernel-ext": resolve the package name to this checkout.
if [ "$(readlink node_modules/privlab 2>/dev/null || true)" != ".." ]; then
  rm -rf node_modules/privlab
  ln -s .. node_modules/privlab
fi

# --- 3. TypeScript build ------------------------------------------------------------
newest_src=$(find src kernel-ext test bench tsconfig.json package.json -newer "$STAMPS/tsc" -type f 2>/dev/null | head -1 || true)
if [ ! -f "$STAMPS/tsc" ] || [ ! -d dist ] || [ -n "$newest_src" ]; then
  log "compiling TypeScript"
  node node_modules/typescript/bin/tsc -p tsconfig.json >&2
  # Drop compiled files whose source was moved or deleted (a stale dist/test/x.test.js would still run).
  find dist -name '*.js' -type f | while read -r js; do
    src="${js#dist/}"; src="${src%.js}.ts"
    [ -f "$src" ] || rm -f "$js" "${js%.js}.d.ts" "$js.map"
  done
  touch "$STAMPS/tsc"
fi

# --- 4. native addons -----------------------------------------------------------
# One node-gyp project per folder (native/kernels: training kernels, native/tfhe: the
# TFHE evaluator), each rebuilt only when one of its files changed.
# Build against the headers of the node that runs us when they are installed beside it
# (node-gyp would otherwise try to download them, which fails on an offline machine).
NODE_PREFIX=$(dirname "$(dirname "$(command -v node)")")
GYP_ARGS=()
if [ -f "$NODE_PREFIX/include/node/node_api.h" ]; then GYP_ARGS+=("--nodedir=$NODE_PREFIX"); fi
for gyp in native/*/binding.gyp; do
  [ -f "$gyp" ] || continue
  dir=$(dirname "$gyp"); name=$(basename "$dir")
  stamp="$STAMPS/native-$name"
  newest=$(find "$dir" -path "$dir/build" -prune -o -type f -newer "$stamp" -print 2>/dev/null | head -1 || true)
  if [ ! -f "$stamp" ] || [ ! -d "$dir/build/Release" ] || [ -n "$newest" ]; then
    log "building native addon $dir"
    (cd "$dir" && node "$ROOT/node_modules/node-gyp/bin/node-gyp.js" rebuild --jobs="$(nproc)" "${GYP_ARGS[@]}" >&2)
    touch "$stamp"
  fi
done

# --- 5. kernelspec (project-local) --------------------------------------------------
node dist/src/cli/main.js setup-kernel >/dev/null

log "ok ($(( $(date +%s) - t0 )) s)"
