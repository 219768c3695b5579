#!/usr/bin/env bash
# Builds libfedbiot_cpu.so from native/c: every kernel source once per instruction set
# (portable, AVX2+FMA, AVX-512 on x86-64), the pool and error slots once. Exports are what
# fedbiot_kernels.h declares (-fvisibility=hidden hides the rest). Usage: build.sh OUT_DIR
# No C compiler: says so once and exits 0 (the Java backend is then used at run time).
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:?usage: build.sh OUT_DIR}"
CC="${CC:-}"
if [ -z "$CC" ]; then
  for c in cc gcc clang; do command -v "$c" >/dev/null 2>&1 && { CC="$c"; break; }; done
fi
if [ -z "$CC" ]; then
  echo "[native] no C compiler (cc, gcc, clang) found: native backend not built; the Java backend will be used"
  exit 0
fi
LIB="$OUT/libfedbiot_cpu.so"
# Up to date: nothing under native/c is newer than the library.
if [ -f "$LIB" ] && [ -z "$(find "$SRC" -newer "$LIB" -type f | head -n 1)" ]; then
  exit 0
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
CFLAGS=(-O3 -std=gnu11 -fPIC -fvisibility=hidden -ffp-contract=off -fno-math-errno -fno-trapping-math -pthread -Wall -Wno-unused-function)
KERNELS=(fb_par fb_gemm fb_elementwise fb_norm fb_attention fb_losses fb_linear_ce)
declare -A ISA_FLAGS=([generic]="")
case "$(uname -m)" in
  x86_64|amd64) ISA_FLAGS[avx2]="-mavx2 -mfma"; ISA_FLAGS[avx512]="-mavx512f -mavx512vl -mavx2 -mfma" ;;
esac
objs=()
for f in fb_pool fb_error; do   # once, shared by every ISA variant
  if ! "$CC" "${CFLAGS[@]}" -c "$SRC/$f.c" -o "$TMP/$f.o" 2>"$TMP/err"; then
    echo "[native] C compiler $CC failed on $f.c: native backend not built; the Java backend will be used"; cat "$TMP/err"; exit 0
  fi
  objs+=("$TMP/$f.o")
done
for isa in "${!ISA_FLAGS[@]}"; do
  for k in "${KERNELS[@]}"; do
    # shellcheck disable=SC2086
    if ! "$CC" "${CFLAGS[@]}" ${ISA_FLAGS[$isa]} -DFB_ISA="$isa" -c "$SRC/$k.c" -o "$TMP/${k}_$isa.o" 2>"$TMP/err"; then
      echo "[native] $CC failed on $k.c ($isa): native backend not built; the Java backend will be used"; cat "$TMP/err"; exit 0
    fi
    objs+=("$TMP/${k}_$isa.o")
  done
done
mkdir -p "$OUT"
if ! "$CC" -shared -pthread -o "$TMP/libfedbiot_cpu.so" "${objs[@]}" -lm 2>"$TMP/err"; then
  echo "[native] linking failed: native backend not built; the Java backend will be used"; cat "$TMP/err"; exit 0
fi
mv "$TMP/libfedbiot_cpu.so" "$LIB"
echo "[native] built $LIB with $CC (ISAs: ${!ISA_FLAGS[*]})"
