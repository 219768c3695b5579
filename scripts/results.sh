#!/usr/bin/env bash
# Runs the experiments behind docs/RESULTS.md, then writes the table.
#
#   scripts/results.sh [dolly|gsm8k|dropout|table] [--set key=value ...]
#
# With no dataset it runs both, one after the other. Each dataset runs FedBiOT for
# beta in {0.2, 0.5} x adapter a in {1, 2}, plus FedOT once: on stories260K (5 layers) FedOT's
# window is layer 2 alone, so neither beta nor a changes it. Every run covers seeds 0, 1, 2
# (the configs' `seeds`). Extra --set arguments go to every run, e.g. --set rounds=100 to scale up.
# Runs land in runs/results/<dataset>-<variant>/ (rounds.csv, untuned.csv, report.md);
# `dropout` runs bin/fedbiot study-dropout into runs/results/dropout/; `table` only rebuilds docs/RESULTS.md's table from them (scripts/results_table.py).
# RESULTS_ALL=1 also runs beta 0.5 with a = 2 (the same split as beta 0.2, see below).
# FEDBIOT overrides the command (e.g. a copied jar, so a rebuild does not touch running JVMs).
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a CLI <<<"${FEDBIOT:-bin/fedbiot}"

what="${1:-all}"
[ $# -gt 0 ] && shift

run_dataset() {
  local ds="$1"; shift
  local beta a
  for beta in 0.2 0.5; do
    for a in 1 2; do
      # a = 2 leaves a 3-layer window, where beta 0.2 and 0.5 both keep k = rint(2.4) = rint(1.5) = 2
      # layers (0, 2): the same split, so the same deterministic run. It runs once, as b0.2-a2.
      [ "$beta-$a" = "0.5-2" ] && [ -z "${RESULTS_ALL:-}" ] && continue
      "${CLI[@]}" run --config "configs/$ds.yaml" --quiet --set "methods=[fedbiot]" --set "beta=$beta" \
        --set "adapter=$a" --set "output=runs/results/$ds-fedbiot-b$beta-a$a" "$@"
    done
  done
  "${CLI[@]}" run --config "configs/$ds.yaml" --quiet --set "methods=[fedot]" --set "output=runs/results/$ds-fedot" "$@"
}

# The layer-dropout study on the same model and public data (FedBiOT a = 1: the 4-layer window).
study_dropout() {
  "${CLI[@]}" study-dropout --quiet --model ../shared/data/models/stories260K.bin \
    --tokenizer ../shared/data/models/tok512.bin --data ../shared/data/datasets/alpaca/alpaca_small.json \
    --max-len 512 --beta 0.2,0.5 --rules fedbiot,fedot --adapter 1 --prealign-rounds 6 --align-steps 5 --lr-align 3e-3 \
    --batch-size 4 --heldout 32 --seed 0 --out runs/results/dropout
  cp runs/results/dropout/dropout.png docs/dropout.png
}

case "$what" in
  all) run_dataset dolly "$@"; run_dataset gsm8k "$@"; study_dropout ;;
  dolly | gsm8k) run_dataset "$what" "$@" ;;
  dropout) study_dropout ;;
  table) ;;
  *) echo "usage: scripts/results.sh [dolly|gsm8k|dropout|table] [--set key=value ...]" >&2; exit 2 ;;
esac
/usr/bin/python3 scripts/results_table.py runs/results
