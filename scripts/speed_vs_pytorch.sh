#!/usr/bin/env bash
# The speed comparison of docs/performance.md: `forecast-bench speed` and PyTorch's
# torch_lstm_bench.py, alternated RUNS times per hidden size, each line prefixed with the time and
# the load average; then `forecast-bench inference` once per hidden size (a batch-inference block
# split into its products and its cells); then the medians of each measure and their ratios, and the
# batch-predict rate that the products alone would allow beside 3 × PyTorch's.
# With ONNX_BENCH=PATH/TO/onnx_lstm_bench.py, each run also times ONNX Runtime's inference
# (between PyTorch and swift-forecast) and the summary gives latency and batch-predict ratios to it.
# WINDOWS=N passes --windows N to every benchmark (20,000 by default: training windows per epoch and
# windows predicted in one call), to make the runs shorter on a busy machine.
# Usage: [ONNX_BENCH=…] [WINDOWS=N] scripts/speed_vs_pytorch.sh PATH/TO/torch_lstm_bench.py [RUNS] [HIDDEN…]
#        e.g. ONNX_BENCH=../shared/bench/onnx_lstm_bench.py scripts/speed_vs_pytorch.sh ../shared/bench/torch_lstm_bench.py 3 64 256
set -euo pipefail
torch_bench=$(realpath "$1"); runs=${2:-3}; shift $(( $# >= 2 ? 2 : 1 )); sizes=("${@:-64}")
onnx_bench=${ONNX_BENCH:+$(realpath "$ONNX_BENCH")}
windows=(${WINDOWS:+--windows "$WINDOWS"})
cd "$(dirname "$0")/.."
swift build -c release --product forecast-bench >/dev/null
log=$(mktemp)
for hidden in "${sizes[@]}"; do
  options=(--hidden "$hidden" --layers 2 --lookback 48 --batch 64 --threads 2 "${windows[@]}")
  for run in $(seq 1 "$runs"); do
    echo "# $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) torch run $run" | tee -a "$log"
    python3 "$torch_bench" "${options[@]}" | tee -a "$log"
    if [ -n "$onnx_bench" ]; then
      echo "# $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) onnxruntime run $run" | tee -a "$log"
      python3 "$onnx_bench" --hidden "$hidden" --layers 2 --lookback 48 --threads 2 "${windows[@]}" --engines onnxruntime 2>/dev/null \
        | grep '^{' | tee -a "$log"
    fi
    echo "# $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) swift run $run" | tee -a "$log"
    .build/release/forecast-bench speed "${options[@]}" | tee -a "$log"
  done
  echo "# $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) swift inference" | tee -a "$log"
  .build/release/forecast-bench inference --hidden "$hidden" --layers 2 --lookback 48 --threads 2 | tee -a "$log"
done
python3 - "$log" <<'PY'
import json, statistics, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
runs = [r for r in lines if "impl" in r]
ceilings = {r["hidden"]: r for r in lines if "ceiling_windows_per_s" in r}
keys = [("train_windows_per_s", "training, windows/s", 1), ("predict_latency_us", "single-window latency, µs", -1),
        ("predict_windows_per_s", "batch predict, windows/s", 1), ("peak_rss_mb", "peak RSS, MB", -1)]
for hidden in sorted({r["hidden"] for r in runs}):
    print(f"\nhidden {hidden}: medians of {sum(r['hidden'] == hidden and r['impl'] == 'pytorch' for r in runs)} runs")
    for key, label, better in keys:
        torch = statistics.median(r[key] for r in runs if r["hidden"] == hidden and r["impl"] == "pytorch")
        swift = statistics.median(r[key] for r in runs if r["hidden"] == hidden and r["impl"] == "swift-forecast")
        ratio = swift / torch if better > 0 else torch / swift
        print(f"  {label:32s} pytorch {torch:10.1f}   swift-forecast {swift:10.1f}   " +
              (f"{ratio:.2f}x" if better > 0 else f"1/{ratio:.1f}"))
    onnx = [r for r in runs if r["hidden"] == hidden and r["impl"] == "onnxruntime"]
    if onnx:
        swift_runs = [r for r in runs if r["hidden"] == hidden and r["impl"] == "swift-forecast"]
        for key, label, better in keys[1:3]:
            theirs = statistics.median(r[key] for r in onnx)
            ours = statistics.median(r[key] for r in swift_runs)
            ratio = ours / theirs if better > 0 else theirs / ours
            print(f"  {label:32s} onnxruntime {theirs:10.1f}   swift-forecast {ours:10.1f}   " +
                  (f"{ratio:.2f}x" if better > 0 else f"1/{ratio:.1f}") + f"   ({len(onnx)} runs)")
    sets = sorted({r.get("instruction_set", "?") for r in runs if r["hidden"] == hidden and r["impl"] == "swift-forecast"})
    print(f"  swift-forecast instruction set: {', '.join(sets)}")
    if hidden in ceilings:
        c = ceilings[hidden]
        torch = statistics.median(r["predict_windows_per_s"] for r in runs if r["hidden"] == hidden and r["impl"] == "pytorch")
        print(f"  batch predict: 3 x pytorch {3 * torch:.0f}; one block on 2 threads {c['block_windows_per_s']:.0f};"
              f" products alone (cells free) {c['ceiling_windows_per_s']:.0f} at {c['products_gflops']} GFLOP/s per thread")
PY
rm -f "$log"
