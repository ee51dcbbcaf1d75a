#!/usr/bin/env bash
# Runs the test suite under a sanitizer, in its own build folder (.build-SANITIZER), leaving .build alone.
#
#   scripts/sanitize.sh thread [FILTER]     ThreadSanitizer over the whole suite (CI runs this), or the
#                                           tests FILTER (a swift test --filter regex) names, e.g. `threads`
#                                           for the tests that run threads
#   scripts/sanitize.sh address [FILTER]    AddressSanitizer, likewise
#
# The suite must pass with no sanitizer report: TSan and ASan make a report a test failure (halt_on_error),
# so the exit status is the verdict. Prints the test counts and the time taken.
# Skipped under ThreadSanitizer: aRealRunIsTimedAndEveryPlanGetsItsTurn, which asserts that calls made
# back to back arrive within the worker team's spin; TSan slows them 5-15x, so the team's thread may
# fall asleep between them (a timing assertion, not a race; it passes in the plain `swift test`).
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer="${1:-thread}"
# The worker team and its jobs, the single-window layouts shared among threads, the threaded LSTM
# (training and inference on several threads), the trainer and command line that drive them, and
# the server's inference pool (batching, the bounded queue, reload, shutdown).
thread_tests='WorkerTeamTests|LSTMWindowTests|LSTMThreadingTests|FastMatrixProductTests|TrainerTests|ForecastingStrategyTests|ForecastServerTests'
skip=""
filter="${2:-}"
[[ "$filter" == threads ]] && filter="$thread_tests"
case "$sanitizer" in
    thread) skip="aRealRunIsTimedAndEveryPlanGetsItsTurn"
            export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}" ;;
    address) export ASAN_OPTIONS="halt_on_error=1:detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" ;;
    *) echo "sanitize.sh: the sanitizer is thread or address, not '$sanitizer'" >&2; exit 64 ;;
esac
start=$(date +%s)
swift build --build-tests --sanitize="$sanitizer" --build-path ".build-$sanitizer" 2>&1 | grep -E "error|warning: .*(race|sanitiz)|Compiling|Build" | tail -n 3
built=$(date +%s)
args=(--skip-build --sanitize="$sanitizer" --build-path ".build-$sanitizer")
[[ -n "$filter" ]] && args+=(--filter "$filter")
[[ -n "$skip" ]] && args+=(--skip "$skip")
log=".build-$sanitizer/sanitize.log"
set +e
swift test "${args[@]}" >"$log" 2>&1
code=$?
set -e
grep -E "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|SUMMARY:" "$log" | head -n 20 || true
grep -E "^(✔|✘) Test run with|Executed [0-9]+ tests" "$log" | tail -n 2 || true
echo "sanitize.sh $sanitizer: exit $code; build $((built - start)) s, tests $(( $(date +%s) - built )) s; filter: ${filter:-all tests}${skip:+, skipping $skip}; log $log"
exit $code
