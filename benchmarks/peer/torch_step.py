#!/usr/bin/python3
"""PyTorch twin of the FedBiOT4J benchmark step (TrainStep.java): the same LLaMA shapes, random
weights, B x T random tokens, and the same three modes:
  full     every weight trained, AdamW (lr 1e-4, betas 0.9/0.95, eps 1e-8, no decay)
  lora2    rank-8 LoRA (alpha 16) on wq and wv of the last two layers, base frozen
  forward  inference forward (torch.inference_mode)
Model: tied embedding/classifier, RMSNorm (eps 1e-5), interleaved RoPE (theta 1e4), causal
attention with grouped KV heads, SwiGLU FFN: as LlamaModel.java.

usage: /usr/bin/python3 torch_step.py SHAPE MODE [STEPS] [--threads N]
  SHAPE: stories15M:8:256 | stories260K:8:512
Prints one line key=value like StepRunner: median and best tokens/s and peak RSS.
"""
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SHAPES = {  # dim, hidden, layers, heads, kv heads, vocab
    "stories15M": (288, 768, 6, 6, 6, 32000),
    "stories260K": (64, 172, 5, 8, 4, 512),
}


def rss_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return 0.0


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class LoraLinear(nn.Module):
    """y = x W^T + s (x A^T) B^T, W frozen."""

    def __init__(self, base, rank=8, alpha=16.0):
        super().__init__()
        self.base = base
        self.a = nn.Parameter(torch.randn(rank, base.in_features) * (1.0 / math.sqrt(base.in_features)))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.s = alpha / rank

    def forward(self, x):
        return self.base(x) + self.s * F.linear(F.linear(x, self.a), self.b)


def rope_tables(T, D, theta=10000.0):
    freq = 1.0 / (theta ** (torch.arange(0, D, 2).float() / D))
    ang = torch.outer(torch.arange(T).float(), freq)      # [T, D/2]
    return torch.cos(ang), torch.sin(ang)


def rope(x, cos, sin):
    """x [B,T,H,D], interleaved pairs (2i, 2i+1)."""
    xr = x.float().reshape(*x.shape[:-1], -1, 2)
    a, b = xr[..., 0], xr[..., 1]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)


class Layer(nn.Module):
    def __init__(self, dim, hidden, H, G):
        super().__init__()
        self.H, self.G, self.D = H, G, dim // H
        self.attention_norm = RMSNorm(dim)
        self.wq = nn.Linear(dim, H * self.D, bias=False)
        self.wk = nn.Linear(dim, G * self.D, bias=False)
        self.wv = nn.Linear(dim, G * self.D, bias=False)
        self.wo = nn.Linear(H * self.D, dim, bias=False)
        self.ffn_norm = RMSNorm(dim)
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        xn = self.attention_norm(x)
        q = rope(self.wq(xn).view(B, T, self.H, self.D), cos, sin)
        k = rope(self.wk(xn).view(B, T, self.G, self.D), cos, sin)
        v = self.wv(xn).view(B, T, self.G, self.D)
        if self.G != self.H:
            k = k.repeat_interleave(self.H // self.G, dim=2)
            v = v.repeat_interleave(self.H // self.G, dim=2)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)   # [B,H,T,D]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.D)) + mask
        a = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, self.H * self.D)
        x = x + self.wo(a)
        hn = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(hn)) * self.w3(hn))


class Llama(nn.Module):
    def __init__(self, dim, hidden, L, H, G, V, T):
        super().__init__()
        self.tok = nn.Embedding(V, dim)
        self.layers = nn.ModuleList(Layer(dim, hidden, H, G) for _ in range(L))
        self.norm = RMSNorm(dim)
        cos, sin = rope_tables(T, dim // H)
        self.register_buffer("cos", cos)
        self.register_buffer("sin", sin)
        self.register_buffer("mask", torch.full((T, T), float("-inf")).triu(1))

    def forward(self, ids):
        x = self.tok(ids)
        for l in self.layers:
            x = l(x, self.cos, self.sin, self.mask)
        return F.linear(self.norm(x), self.tok.weight)   # tied classifier


def main():
    args = [a for a in sys.argv[1:]]
    threads = 2
    if "--threads" in args:
        i = args.index("--threads")
        threads = int(args[i + 1])
        del args[i:i + 2]
    shape, mode = args[0], args[1]
    steps = int(args[2]) if len(args) > 2 else 5
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    name, B, T = shape.split(":")
    B, T = int(B), int(T)
    dim, hidden, L, H, G, V = SHAPES[name]
    base_rss = rss_mb("VmRSS")
    model = Llama(dim, hidden, L, H, G, V, T)
    for p in model.parameters():
        nn.init.normal_(p, std=0.02)
    for l in model.layers:
        l.attention_norm.weight.data.fill_(1.0)
        l.ffn_norm.weight.data.fill_(1.0)
    model.norm.weight.data.fill_(1.0)
    params = []
    if mode == "full":
        params = list(model.parameters())
    elif mode == "lora2":
        for p in model.parameters():
            p.requires_grad_(False)
        for l in model.layers[L - 2:]:
            l.wq = LoraLinear(l.wq)
            l.wv = LoraLinear(l.wv)
            params += [l.wq.a, l.wq.b, l.wv.a, l.wv.b]
    elif mode != "forward":
        raise SystemExit("unknown mode " + mode)
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0, foreach=True) if params else None
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)

    def step():
        if opt is None:
            with torch.inference_mode():
                return float(model(ids)[0, 0, 0])
        logits = model(ids)
        loss = F.cross_entropy(logits.view(-1, V), targets.view(-1))
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return float(loss)

    step()
    step()
    times, loss = [], 0.0
    for _ in range(steps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    s = sorted(times)
    med, best = s[len(s) // 2], s[0]
    print("shape=%s mode=%s backend=pytorch-%s threads=%d steps=%d median_ms=%.1f best_ms=%.1f tok_s=%.0f best_tok_s=%.0f "
          "peak_rss_mb=%.1f base_rss_mb=%.1f loss=%.4f"
          % (shape, mode, torch.__version__, torch.get_num_threads(), steps, med * 1e3, best * 1e3, B * T / med,
             B * T / best, rss_mb("VmHWM"), base_rss, loss))


if __name__ == "__main__":
    main()
