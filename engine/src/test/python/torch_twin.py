"""PyTorch twin of FedBiOT4J's LLaMA + LoRA training step on stories260K (llm.c's "debug state" method).

It runs one forward/backward of the LLaMA architecture in plain PyTorch (float32, CPU,
deterministic) on a fixed batch and dumps the loss and the gradient of every base weight and
every LoRA matrix to

    engine/src/test/resources/torch_twin/stories260K_grads.safetensors

which engine/src/test/java/io/fedbiot/engine/model/TorchTwinGradTest.java compares against our
own engine. The dump is committed so that the Java tests need neither Python nor PyTorch; the
script only has to be re-run when the batch, the LoRA setup or the dump's layout changes.

Regenerate (from the repository root; Debian's system python, which has torch and numpy):

    apt-get update && apt-get install -y python3-torch python3-numpy
    /usr/bin/python3 engine/src/test/python/torch_twin.py

Options: --shared DIR (default ../shared next to the repo root, where data/models/stories260K.bin
lives) and --out FILE. The model is written here from the LLaMA architecture, independently of
the engine's code:

  x = emb[ids]
  per layer:  xn = rmsnorm(x, w_att)
              q = xn Wq^T + s (xn Aq^T) Bq^T, k = xn Wk^T, v = xn Wv^T + s (xn Av^T) Bv^T
              RoPE on q, k with llama2.c's interleaved pairs (2i, 2i+1), freq_i = 10000^(-2i/D)
              causal attention, query head h reads KV head h // (H/G), scale 1/sqrt(D)
              x = x + attn Wo^T
              hn = rmsnorm(x, w_ffn)
              x = x + (silu(hn W1^T) * (hn W3^T)) W2'^T   with W2' LoRA-adapted like Wq
  logits = rmsnorm(x, w_final) emb^T   (tied classifier)
  loss = sum_t mask_t CE_t / sum_t mask_t

LoRA: rank 4, alpha 8 (scaling 2), no dropout, on wq, wv and w2 of every layer; A [r, in] and
B [out, r] both ~ N(0, 0.1^2) from numpy's default_rng(LORA_SEED) so that A gets a gradient.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

BATCH_SEED = 20240601
LORA_SEED = 20240602
B, T = 4, 64
RANK, ALPHA = 4, 8.0
LORA_TARGETS = ("wq", "wv", "w2")
EPS = 1e-5
THETA = 10000.0


def read_llama2c(path):
    """llama2.c legacy (version 0) float32 checkpoint -> (config dict, {canonical name: np.float32 array})."""
    with open(path, "rb") as f:
        raw = f.read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq = struct.unpack("<7i", raw[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    head = dim // n_heads
    kv_dim = n_kv * head
    data = np.frombuffer(raw, dtype="<f4", offset=28)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        a = data[pos:pos + n].reshape(shape).astype(np.float32)
        pos += n
        return a

    emb = take(vocab, dim)
    rms_att = take(n_layers, dim)
    wq = take(n_layers, dim, dim)
    wk = take(n_layers, kv_dim, dim)
    wv = take(n_layers, kv_dim, dim)
    wo = take(n_layers, dim, dim)
    rms_ffn = take(n_layers, dim)
    w1 = take(n_layers, hidden, dim)
    w2 = take(n_layers, dim, hidden)
    w3 = take(n_layers, hidden, dim)
    rms_final = take(dim)
    pos += seq * head // 2 * 2  # freq_cis_real and freq_cis_imag: not used
    if not shared:
        raise ValueError("expected a shared classifier in " + path)
    if pos != data.size:
        raise ValueError(f"{path}: {data.size - pos} floats left over")
    w = {"tok_embeddings": emb, "norm": rms_final}
    for i in range(n_layers):
        p = f"layers.{i}."
        w[p + "attention_norm"] = rms_att[i]
        w[p + "wq"], w[p + "wk"], w[p + "wv"], w[p + "wo"] = wq[i], wk[i], wv[i], wo[i]
        w[p + "ffn_norm"] = rms_ffn[i]
        w[p + "w1"], w[p + "w2"], w[p + "w3"] = w1[i], w2[i], w3[i]
    cfg = dict(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads, n_kv=n_kv, vocab=vocab, seq=seq)
    return cfg, w


def rmsnorm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + EPS) * w


def rope_interleaved(x, pos0=0):
    """x [B,T,heads,D]: rotates pairs (x[2i], x[2i+1]) by angle pos * 10000^(-2i/D), in float32."""
    _, t, _, d = x.shape
    freq = (1.0 / THETA ** (np.arange(0, d, 2, dtype=np.float64) / d)).astype(np.float32)
    pos = np.arange(pos0, pos0 + t, dtype=np.float32)
    angle = torch.from_numpy(pos[:, None] * freq[None, :])  # [T, D/2] float32 products
    cos = torch.cos(angle)[None, :, None, :]
    sin = torch.sin(angle)[None, :, None, :]
    xr, xi = x[..., 0::2], x[..., 1::2]
    out_r = xr * cos - xi * sin
    out_i = xr * sin + xi * cos
    return torch.stack((out_r, out_i), dim=-1).flatten(-2)


def attention(q, k, v):
    """q [B,T,H,D], k/v [B,T,G,D]; causal; query head h uses KV head h // (H/G)."""
    bsz, t, h, d = q.shape
    g = k.shape[2]
    rep = h // g
    k = k.repeat_interleave(rep, dim=2)
    v = v.repeat_interleave(rep, dim=2)
    q, k, v = (z.transpose(1, 2) for z in (q, k, v))  # [B,H,T,D]
    scores = (q @ k.transpose(-1, -2)) * (1.0 / np.sqrt(d))
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    scores = scores.masked_fill(~causal, float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return out.transpose(1, 2)  # [B,T,H,D]


def forward(cfg, w, lora, ids):
    """ids LongTensor [B,T] -> logits [B,T,V]. lora: {(layer, target): (A, B)} or {}."""
    scaling = ALPHA / RANK
    h, g = cfg["n_heads"], cfg["n_kv"]
    d = cfg["dim"] // h

    def lin(x, layer, target):
        y = x @ w[f"layers.{layer}.{target}"].T
        if (layer, target) in lora:
            a, b = lora[(layer, target)]
            y = y + scaling * ((x @ a.T) @ b.T)
        return y

    bsz, t = ids.shape
    x = w["tok_embeddings"][ids]
    for i in range(cfg["n_layers"]):
        p = f"layers.{i}."
        xn = rmsnorm(x, w[p + "attention_norm"])
        q = rope_interleaved(lin(xn, i, "wq").view(bsz, t, h, d))
        k = rope_interleaved(lin(xn, i, "wk").view(bsz, t, g, d))
        v = lin(xn, i, "wv").view(bsz, t, g, d)
        a = attention(q, k, v).reshape(bsz, t, h * d)
        x = x + lin(a, i, "wo")
        hn = rmsnorm(x, w[p + "ffn_norm"])
        x = x + lin(torch.nn.functional.silu(lin(hn, i, "w1")) * lin(hn, i, "w3"), i, "w2")
    return rmsnorm(x, w["norm"]) @ w["tok_embeddings"].T


def masked_ce(logits, targets, mask):
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    m = mask.reshape(-1)
    return (ce * m).sum() / m.sum()


def write_safetensors(path, tensors, metadata):
    """Minimal safetensors writer: u64 LE header length, JSON header, raw little-endian data."""
    header = {"__metadata__": metadata}
    blobs, off = [], 0
    for name, arr in tensors.items():
        if arr.dtype == np.float32:
            dt, raw = "F32", arr.astype("<f4").tobytes()
        elif arr.dtype == np.int32:
            dt, raw = "I32", arr.astype("<i4").tobytes()
        else:
            raise TypeError(f"{name}: unsupported dtype {arr.dtype}")
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * (-len(hj) % 8)  # pad so the data starts 8-byte aligned
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for raw in blobs:
            f.write(raw)


def main():
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(repo, "..", "shared"))
    ap.add_argument("--out", default=os.path.join(repo, "engine", "src", "test", "resources", "torch_twin",
                                                 "stories260K_grads.safetensors"))
    args = ap.parse_args()

    torch.set_default_dtype(torch.float32)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.manual_seed(0)

    models = os.path.join(args.shared, "data", "models")
    cfg, w_np = read_llama2c(os.path.join(models, "stories260K.bin"))
    assert (cfg["dim"], cfg["hidden"], cfg["n_layers"], cfg["n_heads"], cfg["n_kv"], cfg["vocab"]) == (64, 172, 5, 8, 4, 512), cfg
    w = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in w_np.items()}

    # Sanity: without LoRA the forward reproduces llama2.c's greedy decode from BOS.
    greedy_path = os.path.join(models, "expected", "stories260K-greedy-from-bos.ids")
    if os.path.exists(greedy_path):
        with open(greedy_path) as f:
            greedy = [int(s) for s in f.read().split()]
        seq = torch.tensor([[1] + greedy], dtype=torch.long)
        with torch.no_grad():
            pred = forward(cfg, w, {}, seq[:, :-1]).argmax(-1)[0]
        agree = int((pred == seq[0, 1:]).sum())
        print(f"greedy check: {agree}/{len(greedy)} next-token argmaxes agree with llama2.c")
        if agree < len(greedy):
            first = int((pred != seq[0, 1:]).nonzero()[0])
            print(f"  first disagreement at step {first}")
            if first < 32:
                sys.exit("the twin's forward does not reproduce llama2.c's greedy output")

    # The fixed batch.
    rng = np.random.default_rng(BATCH_SEED)
    ids = rng.integers(0, cfg["vocab"], size=(B, T), dtype=np.int64).astype(np.int32)
    last = rng.integers(0, cfg["vocab"], size=(B, 1), dtype=np.int64).astype(np.int32)
    targets = np.concatenate([ids[:, 1:], last], axis=1)
    mask = np.ones((B, T), dtype=np.float32)
    mask[:, :8] = 0
    mask[2, T - 5:] = 0

    # LoRA matrices, in the order layer, target (wq, wv, w2), A then B.
    lrng = np.random.default_rng(LORA_SEED)
    lora, lora_np = {}, {}
    io = {"wq": (cfg["dim"], cfg["dim"]), "wv": (cfg["dim"], cfg["n_kv"] * cfg["dim"] // cfg["n_heads"]),
          "w2": (cfg["hidden"], cfg["dim"])}
    for i in range(cfg["n_layers"]):
        for t in LORA_TARGETS:
            fan_in, fan_out = io[t]
            a = lrng.normal(0.0, 0.1, size=(RANK, fan_in)).astype(np.float32)
            b = lrng.normal(0.0, 0.1, size=(fan_out, RANK)).astype(np.float32)
            lora_np[(i, t)] = (a, b)
            lora[(i, t)] = (torch.from_numpy(a.copy()).requires_grad_(True), torch.from_numpy(b.copy()).requires_grad_(True))

    logits = forward(cfg, w, lora, torch.from_numpy(ids.astype(np.int64)))
    loss = masked_ce(logits, torch.from_numpy(targets.astype(np.int64)), torch.from_numpy(mask))
    loss.backward()
    print(f"loss = {loss.item():.9g}")

    out = {"input_ids": ids, "targets": targets, "mask": mask, "loss": np.array([loss.item()], dtype=np.float32)}
    for (i, t), (a, b) in lora_np.items():
        out[f"lora.layers.{i}.{t}.A"] = a
        out[f"lora.layers.{i}.{t}.B"] = b
    for name, p in w.items():
        out[f"grad.{name}"] = p.grad.numpy()
    for (i, t), (a, b) in lora.items():
        out[f"grad.layers.{i}.{t}.lora_A"] = a.grad.numpy()
        out[f"grad.layers.{i}.{t}.lora_B"] = b.grad.numpy()
    meta = {
        "generator": "engine/src/test/python/torch_twin.py",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "model": "stories260K.bin",
        "batch_seed": str(BATCH_SEED),
        "lora_seed": str(LORA_SEED),
        "batch": f"B={B},T={T}",
        "mask": "1 except positions 0..7 of every row and the last 5 positions of row 2",
        "lora_rank": str(RANK),
        "lora_alpha": str(ALPHA),
        "lora_targets": ",".join(LORA_TARGETS),
        "lora_layers": "all",
        "loss": repr(loss.item()),
    }
    write_safetensors(args.out, out, meta)
    print(f"wrote {len(out)} tensors, {os.path.getsize(args.out)} bytes to {args.out}")


if __name__ == "__main__":
    main()
