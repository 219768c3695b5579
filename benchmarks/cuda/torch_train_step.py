#!/usr/bin/env python3
"""PyTorch twin of TrainStepBenchmark (mode full) for the TinyLlama 1.1B shape: random weights,
forward + cross-entropy + backward + AdamW, ms per step and model FLOP utilisation.

    python3 benchmarks/cuda/torch_train_step.py --batch 4 --seq 2048 --dtype bf16 --peak-tflops 989
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DIM, HIDDEN, LAYERS, HEADS, KV, VOCAB = 2048, 5632, 22, 32, 4, 32000


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        hd = DIM // HEADS
        self.n1, self.n2 = nn.RMSNorm(DIM, eps=1e-5), nn.RMSNorm(DIM, eps=1e-5)
        self.wq, self.wk = nn.Linear(DIM, DIM, bias=False), nn.Linear(DIM, KV * hd, bias=False)
        self.wv, self.wo = nn.Linear(DIM, KV * hd, bias=False), nn.Linear(DIM, DIM, bias=False)
        self.w1, self.w3 = nn.Linear(DIM, HIDDEN, bias=False), nn.Linear(DIM, HIDDEN, bias=False)
        self.w2 = nn.Linear(HIDDEN, DIM, bias=False)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        hd = DIM // HEADS
        h = self.n1(x)
        q = self.wq(h).view(B, T, HEADS, hd).transpose(1, 2)
        k = self.wk(h).view(B, T, KV, hd).transpose(1, 2)
        v = self.wv(h).view(B, T, KV, hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        k, v = k.repeat_interleave(HEADS // KV, 1), v.repeat_interleave(HEADS // KV, 1)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, DIM)
        x = x + self.wo(a)
        h = self.n2(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


def rope(x, cos, sin):
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f32"])
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--peak-tflops", type=float, default=989.0, help="dense bf16 peak of the GPU (H100 SXM: 989)")
    a = ap.parse_args()
    dt = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    dev = "cuda"
    emb = nn.Embedding(VOCAB, DIM).to(dev, dt)
    blocks = nn.ModuleList([Block() for _ in range(LAYERS)]).to(dev, dt)
    norm, head = nn.RMSNorm(DIM, eps=1e-5).to(dev, dt), nn.Linear(DIM, VOCAB, bias=False).to(dev, dt)
    params = list(emb.parameters()) + list(blocks.parameters()) + list(norm.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0, fused=True)
    hd = DIM // HEADS
    freq = 10000.0 ** (-torch.arange(0, hd // 2, device=dev, dtype=torch.float32) * 2 / hd)
    ang = torch.arange(a.seq, device=dev, dtype=torch.float32)[:, None] * freq[None]
    cos, sin = ang.cos().to(dt), ang.sin().to(dt)
    ids = torch.randint(0, VOCAB, (a.batch, a.seq), device=dev)
    tgt = torch.randint(0, VOCAB, (a.batch, a.seq), device=dev)

    def step():
        x = emb(ids)
        for b in blocks:
            x = b(x, cos, sin)
        loss = F.cross_entropy(head(norm(x)).float().view(-1, VOCAB), tgt.view(-1))
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    for _ in range(3):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(a.iters):
        step()
    torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) * 1000 / a.iters
    n = sum(p.numel() for p in params)
    tokens = a.batch * a.seq
    flops = 6 * n * tokens + 12 * LAYERS * DIM * a.seq * tokens / 2   # matmuls + causal attention
    mfu = flops / (ms / 1000) / (a.peak_tflops * 1e12)
    print(f"torch {a.dtype} TinyLlama-1.1B B{a.batch} T{a.seq}: {ms:.1f} ms/step, {tokens / ms * 1000:.0f} tokens/s, MFU {mfu:.1%}")


if __name__ == "__main__":
    main()
