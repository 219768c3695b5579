#!/usr/bin/env bash
# One run of the issue-6 comparison: GEMM GFLOP/s (native, java, OpenBLAS through FFM) on the
# LLaMA shapes and their backward transposes; training-step tokens/s (native, java, then the
# PyTorch twin right after) for stories15M full / LoRA-last-two / inference forward and
# stories260K full; peak RSS against the analytic bytes; a per-op profile of the native steps.
#
#   benchmarks/compare.sh [--no-build] [--steps N] [--out FILE] [--quick]
#   (--quick: one GEMM shape and the stories260K step only, to check the script)
#
# Installs Debian's libopenblas0 and python3-torch when missing (needs root and apt).
# Results: a markdown report on stdout and in FILE (default benchmarks/target/compare.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD=1; STEPS=5; OUT="$ROOT/benchmarks/target/compare.md"; QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --steps) STEPS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --quick) QUICK=1 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

need_apt=()
[ -e /usr/lib/x86_64-linux-gnu/libopenblas.so.0 ] || need_apt+=(libopenblas0)
/usr/bin/python3 -c 'import torch' 2>/dev/null || need_apt+=(python3-torch)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
fi
[ "$BUILD" = 1 ] && bin/fedbiot build -q >&2

JAVA="$(bin/fedbiot --which-java)/bin/java"
FLAGS="$(sed -n 's:.*<fedbiot.jvm.flags>\(.*\)</fedbiot.jvm.flags>.*:\1:p' pom.xml)"
CP=benchmarks/target/benchmarks.jar
RAW="$(mktemp)"
trap 'rm -f "$RAW"' EXIT
run_java() { "$JAVA" $FLAGS -cp "$CP" "$@" 2>>"$RAW.err"; }

{
  echo "## machine"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores; $(grep -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | xargs)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "jdk: $("$JAVA" -version 2>&1 | head -1); torch: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
  echo "openblas: $(readlink -f /usr/lib/x86_64-linux-gnu/libopenblas.so.0); PyTorch BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
} > "$RAW.head"

SHAPES=(); CONFIGS=("stories15M:8:256 full" "stories15M:8:256 lora2" "stories15M:8:256 forward" "stories260K:8:512 full")
PROFILED=("stories15M:8:256 full" "stories260K:8:512 full")
if [ "$QUICK" = 1 ]; then SHAPES=(4096x288x288:fwd); CONFIGS=("stories260K:8:512 full"); PROFILED=("stories260K:8:512 full"); fi

echo "GEMM..." >&2
# Two rounds of native, java, OpenBLAS; the report keeps each backend's best round per shape, so
# a burst of load from elsewhere during one backend's turn does not decide a ratio.
for round in 1 2; do
  for b in native java openblas; do
    run_java io.fedbiot.benchmarks.GemmGflops -b "$b" "${SHAPES[@]}" | grep -v '^backend' >> "$RAW"
  done
done

echo "training steps..." >&2
for cfg in "${CONFIGS[@]}"; do
  set -- $cfg
  run_java io.fedbiot.benchmarks.StepRunner "$1" "$2" native "$STEPS" >> "$RAW"
  run_java io.fedbiot.benchmarks.StepRunner "$1" "$2" java "$STEPS" >> "$RAW"
  /usr/bin/python3 benchmarks/peer/torch_step.py "$1" "$2" "$STEPS" --threads "$(nproc)" >> "$RAW"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW.head"

echo "per-op profile..." >&2
: > "$RAW.prof"
for cfg in "${PROFILED[@]}"; do
  set -- $cfg
  echo "### $1 $2 (native)" >> "$RAW.prof"
  "$JAVA" $FLAGS -cp "$CP" io.fedbiot.benchmarks.StepRunner "$1" "$2" native 2 --profile 2>&1 >/dev/null \
    | grep -v WARNING | head -25 >> "$RAW.prof"
done

mkdir -p "$(dirname "$OUT")"
python3 benchmarks/peer/summarize.py "$RAW" "$RAW.head" "$RAW.prof" | tee "$OUT"
rm -f "$RAW.head" "$RAW.prof" "$RAW.err"
