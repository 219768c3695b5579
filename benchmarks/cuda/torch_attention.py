#!/usr/bin/env python3
"""PyTorch twin of CudaAttentionBenchmark: causal grouped-KV attention forward + backward with
scaled_dot_product_attention (bf16 or f32), ms per iteration on the current GPU.

    python3 benchmarks/cuda/torch_attention.py --shape 4:2048:32:4:64 --dtype bf16
"""
import argparse
import time

import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="4:2048:32:4:64", help="B:T:H:G:D")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f32"])
    ap.add_argument("--iters", type=int, default=50)
    a = ap.parse_args()
    B, T, H, G, D = map(int, a.shape.split(":"))
    dt = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    dev = "cuda"
    q = torch.randn(B, H, T, D, device=dev, dtype=dt, requires_grad=True)
    k = torch.randn(B, G, T, D, device=dev, dtype=dt, requires_grad=True)
    v = torch.randn(B, G, T, D, device=dev, dtype=dt, requires_grad=True)
    dout = torch.randn(B, H, T, D, device=dev, dtype=dt)

    def step():
        kk = k.repeat_interleave(H // G, dim=1)
        vv = v.repeat_interleave(H // G, dim=1)
        out = F.scaled_dot_product_attention(q, kk, vv, is_causal=True)
        out.backward(dout)

    for _ in range(5):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(a.iters):
        step()
    torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) * 1000 / a.iters
    flops = 7.0 * 2 * B * H * T * T * D / 2
    print(f"torch sdpa {a.dtype} B{B} T{T} H{H} G{G} D{D}: {ms:.3f} ms, {flops / ms / 1e9:.1f} TFLOP/s")


if __name__ == "__main__":
    main()
