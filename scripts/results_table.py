#!/usr/bin/env python3
"""Builds docs/RESULTS.md's tables from the runs of scripts/results.sh (standard library only).

    python3 scripts/results_table.py [RUNS_DIR] [--doc docs/RESULTS.md]

RUNS_DIR (default runs/results) holds one folder per run, named <dataset>-fedbiot-b<beta>-a<a>
or <dataset>-fedot, each with the rounds.csv and untuned.csv that `bin/fedbiot run` writes. Per
dataset the table has the untuned model, then one row per run: the final round's metrics as
mean ± sample std over the seeds found. The tables replace the text between
<!-- results:begin --> and <!-- results:end --> in the doc, and RUNS_DIR/dropout/dropout.md (from
`bin/fedbiot study-dropout`) the text between <!-- dropout:begin --> and <!-- dropout:end -->; the
rest of the doc is left alone.
"""
import csv
import math
import re
import sys
from pathlib import Path

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
DBEGIN, DEND = "<!-- dropout:begin -->", "<!-- dropout:end -->"  # RUNS_DIR/dropout/dropout.md (study-dropout)
RUN = re.compile(r"^(?P<ds>[a-z0-9]+)-(?:fedbiot-b(?P<beta>[0-9.]+)-a(?P<a>[0-9]+)|(?P<other>fedot))$")
# (column title, metric key in rounds.csv / untuned.csv)
LOSS_COLUMNS = [
    ("AdapEmu loss", "AdapEmu/client_loss"), ("AdapEmu ppl", "AdapEmu/client_ppl"),
    ("AdapFu loss", "AdapFu/client_loss"), ("AdapFu ppl", "AdapFu/client_ppl"),
    ("AdapFu public loss", "AdapFu/public_loss"),
]
EM_COLUMNS = [("AdapEmu EM", "AdapEmu/gsm8k_em"), ("AdapFu EM", "AdapFu/gsm8k_em")]  # fractions of the scored rows
NAMES = {"dolly": "Dolly-15k by category (8 clients)", "gsm8k": "GSM8K (3 IID clients)"}


def fail(msg):
    sys.exit("results_table.py: " + msg)


def read_csv(path):
    if not path.is_file():
        fail(f"{path}: missing; the run did not finish (bin/fedbiot run writes it at the end)")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        fail(f"{path}: no rows")
    for col in ("method", "seed", "round", "train_loss", "align_nmse", "wall_seconds"):
        if col not in rows[0]:
            fail(f"{path}: no column {col!r}; not a round-record CSV of bin/fedbiot run")
    return rows


def num(row, key, path):
    v = row.get(key, "")
    if v == "":
        return math.nan
    try:
        x = float(v)
    except ValueError:
        fail(f"{path}: round {row['round']} seed {row['seed']}: {key}={v!r} is not a number")
    if math.isnan(x):
        fail(f"{path}: round {row['round']} seed {row['seed']}: {key} is NaN")
    return x


def finals(path):
    """Per seed, the last round's row (every run evaluates its last round)."""
    last = {}
    for r in read_csv(path):
        s, t = int(r["seed"]), int(r["round"])
        if s not in last or t > int(last[s]["round"]):
            last[s] = r
    return [last[s] for s in sorted(last)]


def mean_std(xs):
    xs = [x for x in xs if not math.isnan(x)]
    if not xs:
        return "–"
    m = sum(xs) / len(xs)
    if len(xs) == 1:
        return f"{m:.4g}"
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))
    return f"{m:.4g} ± {sd:.2g}"


def table(ds, runs):
    em = ds == "gsm8k"
    cols = LOSS_COLUMNS + (EM_COLUMNS if em else [])
    head = ["run", "seeds", "rounds"] + [c for c, _ in cols] + ["AdapFu − AdapEmu loss", "final train loss",
                                                                  "final align NMSE", "round wall s per seed"]
    out = [f"### {NAMES.get(ds, ds)}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    first = runs[0][1]
    unt = read_csv(first / "untuned.csv")[0]
    cells = ["untuned full model", "–", "0"] + [
        (mean_std([num(unt, k, first / "untuned.csv")]) if k.startswith("AdapFu/") else "–") for _, k in cols] + ["–"] * 4
    out.append("| " + " | ".join(cells) + " |")
    for label, d in runs:
        path = d / "rounds.csv"
        fin = finals(path)
        rounds = sorted({int(r["round"]) for r in read_csv(path)})
        wall = {}
        for r in read_csv(path):
            wall[r["seed"]] = wall.get(r["seed"], 0.0) + num(r, "wall_seconds", path)
        cells = [label, str(len(fin)), str(len(rounds))] + [mean_std([num(r, k, path) for r in fin]) for _, k in cols]
        gap = [num(r, "AdapFu/client_loss", path) - num(r, "AdapEmu/client_loss", path) for r in fin]
        cells += [mean_std(gap), mean_std([num(r, "train_loss", path) for r in fin]), mean_std([num(r, "align_nmse", path) for r in fin]),
                  f"{sum(wall.values()) / len(wall):.0f}"]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def splice(body, begin, end, text):
    a, b = body.index(begin) + len(begin), body.index(end)
    return body[:a] + "\n" + text + body[b:]


def main(argv):
    doc = Path("docs/RESULTS.md")
    args = list(argv)
    if "--doc" in args:
        i = args.index("--doc")
        doc = Path(args[i + 1])
        del args[i:i + 2]
    root = Path(args[0] if args else "runs/results")
    if not root.is_dir():
        fail(f"{root}: no such folder; run scripts/results.sh first")
    by_ds = {}
    for d in sorted(root.iterdir()):
        m = RUN.match(d.name)
        if not m or not (d / "rounds.csv").is_file():
            continue  # unfinished or foreign folder
        if m["other"]:
            label, key = "FedOT (2 + 2 adapter)", (1, 0.0, 0)
        else:
            label, key = f"FedBiOT β={m['beta']}, a={m['a']}", (0, float(m["beta"]), int(m["a"]))
        by_ds.setdefault(m["ds"], []).append((key, label, d))
    if not by_ds:
        fail(f"{root}: no finished runs (folders with rounds.csv)")
    text = "\n".join(table(ds, [(l, d) for _, l, d in sorted(runs)]) for ds, runs in sorted(by_ds.items()))
    body = doc.read_text(encoding="utf-8") if doc.exists() else f"# Results\n\n{BEGIN}\n{END}\n"
    if BEGIN not in body or END not in body:
        fail(f"{doc}: no {BEGIN} ... {END} markers to put the table between")
    new = splice(body, BEGIN, END, text)
    study = root / "dropout" / "dropout.md"
    if study.is_file() and DBEGIN in new and DEND in new:
        # The study's own table, without its title; its plot is referenced where it lies.
        lines = study.read_text(encoding="utf-8").splitlines()
        keep = [l for l in lines if not l.startswith("# ") and not l.startswith("![")]
        new = splice(new, DBEGIN, DEND, "\n".join(keep).strip() + "\n")
    tmp = doc.with_name("." + doc.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(doc)
    print(text, end="")


if __name__ == "__main__":
    main(sys.argv[1:])
