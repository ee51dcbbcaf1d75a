#!/usr/bin/env bash
# The comparison of docs/serving.md: the same model and the same wrk runs as scripts/load_test.sh,
# served by ONNX Runtime from Python (scripts/onnx_serve.py). 127.0.0.1 only, bounded in time.
#
#   scripts/load_test_onnx.sh [MODEL_DIR] [SECONDS]
#
# Makes a virtualenv .build-onnx-venv with onnx, onnxruntime and numpy from PyPI if absent. Run
# scripts/load_test.sh first: it trains the default model and writes the body and wrk scripts. Checks
# that the ONNX server's forecast equals `forecast predict`'s to 1e-3 relative before measuring.
set -euo pipefail
cd "$(dirname "$0")/.."
work=.build/load-test
model="${1:-$work/passengers-model}"
seconds="${2:-30}"
[[ -f "$work/post.lua" && -f "$model/config.json" ]] || { echo "load_test_onnx.sh: run scripts/load_test.sh first" >&2; exit 66; }
venv=.build-onnx-venv
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q onnx onnxruntime numpy
fi
"$venv/bin/python" -c 'import onnxruntime, onnx, numpy; print("onnxruntime", onnxruntime.__version__, "onnx", onnx.__version__, "numpy", numpy.__version__)'

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$work/onnx-server.log"
"$venv/bin/python" scripts/onnx_serve.py "$model" "$port" 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    grep -q "listening on" "$log" && break
    sleep 0.1
done
grep -q "listening on" "$log" || { echo "load_test_onnx.sh: the server did not start:" >&2; cat "$log" >&2; exit 70; }
url="http://127.0.0.1:$port/v1/models/air/forecast"

# The same forecast as `forecast predict` on the same 36 months, to Float rounding.
answer=$(curl -s -X POST --data-binary @"$work/body.json" "$url")
tail -n 36 data/airpassengers.csv | sed '1i date,passengers' >"$work/last36.csv"
expected=$(.build/release/forecast predict --model "$model" --data "$work/last36.csv" --horizon 12 | tail -n +2 | cut -d, -f2 | paste -sd, -)
"$venv/bin/python" - "$answer" "$expected" <<'EOF'
import json, sys
got = json.loads(sys.argv[1])["forecasts"][0]["forecast"]
want = [float(x) for x in sys.argv[2].split(",")]
worst = max(abs(g - w) / abs(w) for g, w in zip(got, want))
print(f"ONNX Runtime vs forecast predict: largest relative difference {worst:.2e} over {len(want)} steps")
assert len(got) == len(want) and worst < 1e-3, (got, want)
EOF

source scripts/wrk_runs.sh   # the working directory is the repository (cd above)
wrk_table
echo "RSS after the runs: $(rss) KiB"
