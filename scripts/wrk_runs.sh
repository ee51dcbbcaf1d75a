# Sourced by scripts/load_test.sh and scripts/load_test_onnx.sh: the server's resident memory, and
# the table of wrk runs at concurrency 1, 8 and 64. Needs $server (the server's pid), $url,
# $seconds and $work/post.lua (which prints a RESULT line) set by the caller.

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$server/status"; }

wrk_table() {
    echo
    echo "| concurrency | requests | requests/s | p50 (ms) | p99 (ms) | non-2xx | socket errors |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    local connections threads line
    for connections in 1 8 64; do
        threads=$(( connections < 2 ? 1 : 2 ))
        line=$(wrk -t "$threads" -c "$connections" -d "${seconds}s" --latency -s "$work/post.lua" "$url" | grep '^RESULT')
        eval "${line#RESULT }"
        echo "| $connections | $requests | $rps | $p50_ms | $p99_ms | $non2xx | $socket_errors |"
    done
}
