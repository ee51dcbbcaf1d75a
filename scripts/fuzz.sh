#!/usr/bin/env bash
# Fuzzes the parsers with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     TARGET: csv series timestamp safetensors config (default all, 60 s each)
#
# Builds forecast-fuzz in .build-fuzz (debug, -sanitize=fuzzer,address), then runs each target on a
# working copy of its committed seed corpus fuzz/corpus/TARGET (new inputs go to .build-fuzz/corpus/TARGET,
# not into git). A crash, sanitizer report, time-out (>10 s for one input) or an input needing more than
# 2 GB is written to fuzz/artifacts/TARGET/ and the script exits non-zero: turn it into a regression test.
# The last line per target is `TARGET: N inputs in S s, K new corpus entries, result`, as docs/reliability.md records.
# Run long jobs as `nice -n 19 scripts/fuzz.sh all 600`.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(csv series timestamp safetensors config)
which="${1:-all}"
seconds="${2:-60}"
if [[ "$which" != all ]]; then
    [[ " ${targets[*]} " == *" $which "* ]] || { echo "fuzz.sh: unknown target '$which'; one of: ${targets[*]} all" >&2; exit 64; }
    targets=("$which")
fi

# Two separate --sanitize flags would reach swiftc as two -sanitize= options, the second replacing the
# first (no coverage instrumentation); hence the combined flag passed straight to the compilers.
swift build -c debug --product forecast-fuzz --build-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xcc -fsanitize=fuzzer-no-link,address \
    2>&1 | grep -v "Cannot export local symbol" | tail -n 3
binary=.build-fuzz/debug/forecast-fuzz

status=0
for target in "${targets[@]}"; do
    work=.build-fuzz/corpus/$target
    artifacts=fuzz/artifacts/$target
    mkdir -p "$work" "$artifacts"
    log=.build-fuzz/fuzz-$target.log
    set +e
    FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 "$binary" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 \
        "$work" "fuzz/corpus/$target" >"$log" 2>&1
    code=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "$seconds")
    added=$(grep -o 'stat::new_units_added: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    if [[ $code -eq 0 ]]; then
        result="no crash, hang, leak or sanitizer report"
    else
        status=1
        result="FAILED (exit $code): $(grep -m1 -E 'ERROR:|fatal error|Fatal error|deadly signal|timeout|out-of-memory' "$log" || true); see $log and $artifacts"
    fi
    echo "$target: $runs inputs in $took s, $added new corpus entries, $result"
done
exit $status
