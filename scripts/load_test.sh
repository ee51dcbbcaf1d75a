#!/usr/bin/env bash
# Load test of `forecast serve` (docs/serving.md): wrk against 127.0.0.1 only, bounded in time.
#
#   scripts/load_test.sh [MODEL_DIR] [SECONDS]
#
# MODEL_DIR defaults to the README's tutorial model (trained here into .build/load-test/passengers-model
# if absent: data/airpassengers.csv, lookback 36, horizon 12, 2 LSTM layers of 64). SECONDS (default 30)
# is the length of each run. It starts a release-built server on a free port, then:
#   1. concurrency 1, 8 and 64, SECONDS each: requests/s, p50 and p99 latency, non-2xx answers;
#   2. the server's RSS before and after 100,000 more requests (concurrency 8, no time limit beyond
#      600 s), to show memory does not grow with requests;
#   3. stops the server with SIGTERM and checks it exits 0.
# The request is one series of the last 36 months with timestamps, horizon 12 (scripts/load_test.lua).
# Needs wrk (Debian: apt-get install -y wrk). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-}"
seconds="${2:-30}"
command -v wrk >/dev/null || { echo "load_test.sh: wrk is missing (apt-get install -y wrk)" >&2; exit 69; }
work=.build/load-test
mkdir -p "$work"
swift build -c release --product forecast 2>&1 | tail -n 1
forecast=.build/release/forecast
if [[ -z "$model" ]]; then
    model="$work/passengers-model"
    if [[ ! -f "$model/config.json" ]]; then
        # `season`: the normalisation scripts/onnx_serve.py computes too (the default for one series
        # may choose holt_winters, which it does not), and the network alone (it does not blend with
        # the fallback's simple methods), so both servers serve the same model.
        "$forecast" train --data data/airpassengers.csv --target passengers --lookback 36 --horizon 12 \
            --test-size 24 --normalization season --no-fallback --output "$model" >/dev/null
    fi
fi

# The body: the last 36 months of the airline passengers.
body="$work/body.json"
tail -n 36 data/airpassengers.csv | awk -F, 'BEGIN { printf "{\"series\":[{\"id\":\"air\",\"timestamps\":[" }
    { t[NR] = $1; v[NR] = $2 }
    END { for (i = 1; i <= NR; i++) printf "%s\"%s\"", (i > 1 ? "," : ""), t[i];
          printf "],\"values\":["; for (i = 1; i <= NR; i++) printf "%s%s", (i > 1 ? "," : ""), v[i];
          printf "]}],\"horizon\":12}" }' >"$body"
cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.body = io.open("$body"):read("*a")
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    io.write(string.format("RESULT requests=%d duration_s=%.2f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, errors))
end
EOF

log="$work/server.log"
"$forecast" serve --model "air=$model" --host 127.0.0.1 --port 0 --log-level notice 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do
    grep -q "listening on" "$log" && break
    sleep 0.1
done
port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log" | head -n 1)
[[ -n "$port" ]] || { echo "load_test.sh: the server did not start:" >&2; cat "$log" >&2; exit 70; }
url="http://127.0.0.1:$port/v1/models/air/forecast"
echo "server pid $server on port $port; model $model; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
curl -s -X POST --data-binary @"$body" "$url" | head -c 300; echo

source scripts/wrk_runs.sh   # the working directory is the repository (cd above)
wrk_table

before=$(rss)
# 100,000 more requests at concurrency 8: wrk in runs of 5 s until the server's own count of answered
# forecast requests (from /metrics) has grown by 100,000; at most 600 s.
answered() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^forecast_http_requests_total\{method="POST",route="\/v1\/models\/\{name\}\/forecast",status="200"\}/ { print $2 }'; }
first=$(answered)
deadline=$(( $(date +%s) + 600 ))
while (( $(answered) - first < 100000 && $(date +%s) < deadline )); do
    wrk -t 2 -c 8 -d 5s -s "$work/post.lua" "$url" >/dev/null
done
requests=$(( $(answered) - first ))
after=$(rss)
echo
echo "RSS before: $before KiB; after $requests more answered requests: $after KiB"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^forecast_(batch_series_(count|sum)|queue_rejected_total|http_errors_total)' || true

kill -TERM "$server"
status=0
wait "$server" || status=$?
trap - EXIT
echo "server exit status after SIGTERM: $status"
