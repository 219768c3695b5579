#!/usr/bin/env bash
# The GPU checks of the CUDA backend in one go, for a machine with an NVIDIA GPU (sm_80+):
# every kernel test on java and cuda, the cuBLAS bindings, the CUDA-only kernel tests, the
# engine's gradient tests, GPU greedy text against llama2.c, FedBiOT rounds GPU vs CPU; then the
# kernel tests once more with the kernels compiled by NVRTC instead of the nvcc fatbin (skip that
# part with NVRTC=0). Run from the repository root; needs ../shared/data like the other tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
TESTS='Cuda*Test,Bf16BaseTest,GemmBindingsTest,BackendOptionTest,KernelParityTest,*KernelsTest,GemmTest,OpsGradientTest,TransformerBlockGradTest'
bin/fedbiot test -pl kernels,engine,fedbiot -am -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false "$@"
if [ "${NVRTC:-1}" != 0 ]; then
  # NVRTC path: the same kernel tests, PTX compiled at first use into a fresh cache.
  cache="$(mktemp -d)"
  # (Surefire passes -D user properties on to the test JVM as system properties.)
  bin/fedbiot test -pl kernels -Dtest='*KernelsTest' -Dsurefire.failIfNoSpecifiedTests=false \
      -Dfedbiot.cuda.kernels=nvrtc -Dfedbiot.cuda.cache="$cache" "$@"
  rm -rf "$cache"
fi
