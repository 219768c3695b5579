#!/usr/bin/env bash
# Runs configs/many-clients.yaml over client counts x participation fractions and prints a table:
# final AdapFu losses of FedBiOT and FedOT, the clients drawn per round, the peak client state the
# in-process federation held (and what holding every client at once would take), peak RSS, wall time.
#
#   scripts/many-clients.sh ["3 10 100"] ["0.1 1.0"] [--set key=value ...]
#
# Runs land in runs/many-clients/k<K>-p<P>/ (with time.txt from /usr/bin/time -v when present).
# FEDBIOT overrides the command (e.g. a copied jar); TABLE_ONLY=1 only prints the table of runs already there.
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a CLI <<<"${FEDBIOT:-bin/fedbiot}"
counts="${1:-3 10 100}"; [ $# -gt 0 ] && shift
fractions="${1:-0.1 1.0}"; [ $# -gt 0 ] && shift
timer=(); [ -x /usr/bin/time ] && timer=(/usr/bin/time -v -o)
for k in $counts; do
  for p in $fractions; do
    [ -n "${TABLE_ONLY:-}" ] && continue
    out="runs/many-clients/k$k-p$p"
    mkdir -p "$out"
    if [ ${#timer[@]} -gt 0 ]; then
      "${timer[@]}" "$out.time.txt" "${CLI[@]}" run --quiet --config configs/many-clients.yaml --set "partition.clients=$k" \
        --set "partition.participation=$p" --set "output=$out" "$@" > "$out.log" 2>&1
      mv "$out.time.txt" "$out/time.txt"
    else
      "${CLI[@]}" run --quiet --config configs/many-clients.yaml --set "partition.clients=$k" --set "partition.participation=$p" \
        --set "output=$out" "$@" > "$out.log" 2>&1
    fi
    mv "$out.log" "$out/log.txt"
  done
done
python3 - "$counts" "$fractions" <<'PY'
import csv, re, sys
print("| clients | participation | drawn per round | FedBiOT AdapFu client loss | FedOT AdapFu client loss | FedBiOT AdapFu public loss | FedOT AdapFu public loss | client state held (peak / all at once, bytes) | peak RSS MiB | wall s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for k in sys.argv[1].split():
    for p in sys.argv[2].split():
        d = f"runs/many-clients/k{k}-p{p}"
        rows = list(csv.DictReader(open(f"{d}/rounds.csv")))
        last = {}
        for r in rows: last[r["method"]] = r
        def m(method, key):
            v = last.get(method, {}).get(key, "")
            return f"{float(v):.4f}" if v else "-"
        log = open(f"{d}/log.txt").read()
        held = re.findall(r"client state: at most \d+ of \d+ clients held at once, (\d+) bytes of client state \(all at once: (-?\d+)\)", log)
        state = " ; ".join(f"{a} / {b}" for a, b in held)
        rss = wall = "-"
        try:
            t = open(f"{d}/time.txt").read()
            kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
            rss = f"{kib / 1024:.0f}"
            w = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", t).group(1).split(":")
            wall = f"{sum(float(x) * 60 ** i for i, x in enumerate(reversed(w))):.0f}"
        except (OSError, AttributeError):
            pass
        drawn = next(iter(last.values()))["clients"]
        print(f"| {k} | {p} | {drawn} | {m('FedBiOT', 'AdapFu/client_loss')} | {m('FedOT', 'AdapFu/client_loss')} | "
              f"{m('FedBiOT', 'AdapFu/public_loss')} | {m('FedOT', 'AdapFu/public_loss')} | {state} | {rss} | {wall} |")
PY
