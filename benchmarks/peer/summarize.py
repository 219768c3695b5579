"""Turns compare.sh's raw lines into the markdown report (tables and target ratios)."""
import sys

raw, head, prof = sys.argv[1:4]
gemm, steps = {}, {}
for line in open(raw):
    p = line.split()
    if not p:
        continue
    if "=" in p[0]:
        kv = dict(x.split("=", 1) for x in p)
        b = kv["backend"].split("-")[0] if kv["backend"].startswith("pytorch") else kv["backend"]
        steps[(kv["shape"], kv["mode"], b)] = kv
    elif len(p) == 7:  # backend shape threads mean_ms mean_gflops best_ms best_gflops
        # the sweep runs in rounds: keep each backend's best round, so a burst of load on the
        # machine during one backend's turn does not decide a ratio
        prev = gemm.get((p[1], p[0]))
        if prev is None or float(p[6]) > prev[1]:
            gemm[(p[1], p[0])] = (float(p[4]), float(p[6]))

out = print
out("# FedBiOT4J vs OpenBLAS and PyTorch (benchmarks/compare.sh)\n")
for l in open(head):
    out("- " + l.strip().lstrip("# "))
out("\n## GEMM GFLOP/s (best of the run; mean of that round in brackets)\n")
out("`MxKxN:op`: fwd Y=X·Wᵀ, dx dX=dY·W, dw dW=dYᵀ·X.\n")
out("| shape | native | java | OpenBLAS | native/OpenBLAS | java/OpenBLAS |")
out("|---|---:|---:|---:|---:|---:|")
shapes = sorted({s for s, _ in gemm}, key=lambda s: (s.split(":")[1], s))
rn, rj = [], []
for s in shapes:
    n, j, o = gemm.get((s, "native")), gemm.get((s, "java")), gemm.get((s, "openblas"))
    cell = lambda v: "%.1f (%.1f)" % (v[1], v[0]) if v else "-"
    r1 = n[1] / o[1] if n and o else None
    r2 = j[1] / o[1] if j and o else None
    if r1: rn.append(r1)
    if r2: rj.append(r2)
    out("| %s | %s | %s | %s | %s | %s |" % (s, cell(n), cell(j), cell(o), "%.2f" % r1 if r1 else "-", "%.2f" % r2 if r2 else "-"))
if rn:
    gm = lambda xs: __import__("math").exp(sum(__import__("math").log(x) for x in xs) / len(xs))
    out("\nGeometric mean: native/OpenBLAS %.2f (min %.2f), java/OpenBLAS %.2f (min %.2f)." % (gm(rn), min(rn), gm(rj), min(rj)))

out("\n## Training step tokens/s (median of the run; best in brackets)\n")
out("| step | native | java | PyTorch | native/PyTorch | target | peak RSS native MB | RSS at start | step MB (peak - start) | analytic MB | step/analytic (target 1.3) | pool peak MB |")
out("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
targets = {("stories15M:8:256", "full"): 1.3, ("stories15M:8:256", "lora2"): 1.5,
           ("stories15M:8:256", "forward"): 1.2, ("stories260K:8:512", "full"): 3.0}
for (shape, mode), t in targets.items():
    n, j, p = (steps.get((shape, mode, b)) for b in ("native", "java", "pytorch"))
    cell = lambda k: "%s (%s)" % (k["tok_s"], k["best_tok_s"]) if k else "-"
    r = float(n["tok_s"]) / float(p["tok_s"]) if n and p else None
    rss = float(n["peak_rss_mb"]) if n else None
    an = float(n["analytic_mb"]) if n else None
    base = float(n["base_rss_mb"]) if n else 0
    pool = n.get("pool_peak_mb", "-") if n else "-"
    out("| %s %s | %s | %s | %s | %s | %.1f | %s | %s | %s | %s | %s | %s |" % (
        shape, mode, cell(n), cell(j), cell(p), "%.2f" % r if r else "-", t,
        "%.0f" % rss if rss else "-", "%.0f" % base if n else "-", "%.0f" % (rss - base) if rss else "-",
        "%.0f" % an if an else "-", "%.2f" % ((rss - base) / an) if rss and an else "-", pool))
out("\nPeak RSS of the other runs (MB): " + ", ".join(
    "%s %s %s %s" % (k[0].split(":")[0], k[1], k[2], v["peak_rss_mb"]) for k, v in sorted(steps.items()) if k[2] != "native"))
out("\n## Per-op profile of the native steps (kernel wall time)\n")
out("```")
for l in open(prof):
    out(l.rstrip())
out("```")
