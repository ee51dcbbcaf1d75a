#!/usr/bin/env bash
# The accuracy protocol of docs/accuracy.md on airpassengers and wineind for seeds 1…10, with the
# given extra `forecast backtest` options: how a choice of default does beyond the benchmark's 3 seeds.
# Usage: scripts/seed_sweep.sh [options…]      e.g. scripts/seed_sweep.sh --batch-size 32
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product forecast >/dev/null
forecast=.build/release/forecast
for task in "airpassengers.csv" "wineind.csv"; do
  values=()
  for seed in 1 2 3 4 5 6 7 8 9 10; do
    values+=("$("$forecast" backtest --data "data/$task" --lookback 36 --horizon 12 --origins 2 --seed "$seed" --json --quiet "$@" \
      | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["model"]["mase"], 3))')")
  done
  python3 - "$task" "$*" "${values[@]}" <<'PY'
import sys
task, options, values = sys.argv[1], sys.argv[2], [float(v) for v in sys.argv[3:]]
print(f"{task:18s} {options or '(defaults)':28s} MASE mean of 10 {sum(values)/10:.3f}, of seeds 1-3 {sum(values[:3])/3:.3f}, max {max(values):.3f}  {values}")
PY
done
