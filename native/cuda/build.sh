#!/usr/bin/env bash
# Compiles every kernels source native/cuda/*.cu into a fatbin (SASS for sm_80 and sm_90, plus
# compute_90 PTX that newer GPUs JIT-compile) under OUT (default: kernels/target/cuda-fatbin,
# the folder the kernels jar packages). Without nvcc it says so and exits 0: the backend then
# compiles the same sources with NVRTC at first use. A kernel that does not compile fails.
#
#   native/cuda/build.sh [OUT]      NVCC=/path/to/nvcc to choose the compiler
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$SRC/../../kernels/target/cuda-fatbin}"

find_nvcc() {
  if [ -n "${NVCC:-}" ]; then printf '%s\n' "$NVCC"; return; fi
  if command -v nvcc >/dev/null 2>&1; then command -v nvcc; return; fi
  local c
  for c in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda /usr/local/cuda-*; do
    if [ -n "$c" ] && [ -x "$c/bin/nvcc" ]; then printf '%s\n' "$c/bin/nvcc"; return; fi
  done
}

NVCC_BIN="$(find_nvcc || true)"
if [ -z "$NVCC_BIN" ]; then
  echo "[cuda] nvcc not found (PATH, CUDA_HOME, /usr/local/cuda*): no fatbin built; the CUDA backend will use NVRTC at first use" >&2
  exit 0
fi

mkdir -p "$OUT/io/fedbiot/kernels/cuda"
PKG="$(cd "$OUT" && pwd)/io/fedbiot/kernels/cuda"
# -lineinfo keeps profilers useful; no -G (debug) code. Two real archs plus portable PTX.
FLAGS=(-std=c++17 -O3 -lineinfo --fatbin
       -gencode arch=compute_80,code=sm_80
       -gencode arch=compute_90,code=sm_90
       -gencode arch=compute_90,code=compute_90)
built=0
for cu in "$SRC"/*.cu; do
  name="$(basename "$cu" .cu)"
  fat="$PKG/$name.fatbin"
  # Up to date when newer than its source, the shared header and this script.
  if [ -f "$fat" ] && [ "$fat" -nt "$cu" ] && [ "$fat" -nt "$SRC/common.cuh" ] && [ "$fat" -nt "$SRC/build.sh" ]; then
    continue
  fi
  # Run from the source folder so the fatbin records "name.cu", not a machine path.
  (cd "$SRC" && "$NVCC_BIN" "${FLAGS[@]}" -o "$fat.tmp" "$name.cu")
  mv -f "$fat.tmp" "$fat"
  built=$((built + 1))
done
echo "[cuda] $(basename "$NVCC_BIN") $("$NVCC_BIN" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'): $built fatbin(s) built, $(ls "$PKG"/*.fatbin | wc -l) in $PKG" >&2
