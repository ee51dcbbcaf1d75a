#!/usr/bin/env bash
# Crash safety of the files the CLI writes: SIGKILL at random moments, then check what is on disk.
#
#   scripts/kill_test.sh [ROUNDS] [FORECAST]      (default 200 rounds, .build/debug/forecast)
#
# 1. `forecast train --output M` replacing an existing model M is killed ROUNDS times at a random moment:
#    odd rounds anywhere from its start to 20% past its usual end, even rounds from 70% to 170% of its
#    usual run time (around the end, where the files are written; runs vary with the load).
#    Afterwards M must be exactly the old model or exactly the new one (both are byte-for-byte known: the same seed gives the same files),
#    never a mix, and must load (`forecast predict --model M`).
#    Every write pauses 100 ms after each of its steps (FORECAST_KILL_TEST_PAUSE_MS, read by AtomicFile
#    for this test only), so that many kills land inside the write; each round says whether it did (a
#    temporary was left behind).
# 2. `forecast predict --output F` replacing an existing F, likewise: F is the old or the new CSV, whole.
# 3. Disk full (a 150 KB tmpfs, when this user may mount one): train fails with one line, exit 73, and the
#    old model is unchanged.
# Prints the counts; exits non-zero on the first violation.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-200}"
forecast="$(realpath "${2:-.build/debug/forecast}")"
data="$(realpath data/airpassengers.csv)"
work="$(mktemp -d)"
trap 'umount "$work/small" 2>/dev/null || true; rm -rf "$work"' EXIT
export FORECAST_KILL_TEST_PAUSE_MS="${FORECAST_KILL_TEST_PAUSE_MS:-100}"

fail() { echo "kill_test: FAILED: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
digest() { (cd "$1" && ls -A | tr '\n' ' ' && cat config.json model.safetensors 2>/dev/null | sha1sum | cut -c1-40); }

train_args=(train --data "$data" --lookback 24 --horizon 12 --epochs 2 --hidden-size 16 --quiet)
"$forecast" "${train_args[@]}" --seed 1 --output "$work/old" >/dev/null 2>&1
start=$(now_ms)
"$forecast" "${train_args[@]}" --seed 2 --output "$work/new" >/dev/null 2>&1
duration=$(( $(now_ms) - start ))
old=$(digest "$work/old"); new=$(digest "$work/new")
[[ "$old" != "$new" ]] || fail "the two reference models are identical"

kept_old=0; got_new=0; mid_write=0
for ((i = 1; i <= rounds; i++)); do
    rm -rf "$work/m"; cp -r "$work/old" "$work/m"
    if (( i % 2 )); then delay=$(( RANDOM * duration * 12 / 10 / 32767 )); else delay=$(( duration * 7 / 10 + RANDOM * duration / 32767 )); fi
    "$forecast" "${train_args[@]}" --seed 2 --output "$work/m" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [[ -d "$work/m" ]] || fail "round $i (kill after ${delay} ms): no model directory at all"
    # A temporary left behind means the kill came while the model was being written.
    if [[ -n "$(find "$work" -maxdepth 1 -name '.m.partial-*')" ]]; then
        mid_write=$((mid_write + 1)); find "$work" -maxdepth 1 -name '.m.partial-*' -exec rm -rf {} +
    fi
    now=$(digest "$work/m")
    if [[ "$now" == "$old" ]]; then kept_old=$((kept_old + 1))
    elif [[ "$now" == "$new" ]]; then got_new=$((got_new + 1))
    else fail "round $i (kill after ${delay} ms): the model is neither the old nor the new one: $now"; fi
    "$forecast" predict --model "$work/m" --data "$data" --quiet >/dev/null 2>&1 || fail "round $i: the model does not load"
done
echo "train --output: $rounds kills over 0-$((duration * 12 / 10)) ms (half of them in $((duration * 7 / 10))-$((duration * 17 / 10)) ms) (a full run takes $duration ms): old model kept $kept_old, new model complete $got_new, mixed or unloadable 0; killed while writing the model (a temporary left behind) $mid_write"

predict_args=(predict --model "$work/old" --data "$data" --quiet)
"$forecast" "${predict_args[@]}" --horizon 12 --output "$work/old.csv"
start=$(now_ms)
"$forecast" "${predict_args[@]}" --horizon 36 --output "$work/new.csv"
duration=$(( $(now_ms) - start ))
old=$(sha1sum < "$work/old.csv"); new=$(sha1sum < "$work/new.csv")
kept_old=0; got_new=0; mid_write=0
for ((i = 1; i <= rounds; i++)); do
    cp "$work/old.csv" "$work/f.csv"
    delay=$(( RANDOM * duration * 12 / 10 / 32767 ))
    "$forecast" "${predict_args[@]}" --horizon 36 --output "$work/f.csv" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    now=$(sha1sum < "$work/f.csv" 2>/dev/null || echo missing)
    if [[ -n "$(find "$work" -maxdepth 1 -name '.f.csv.partial-*')" ]]; then
        mid_write=$((mid_write + 1)); find "$work" -maxdepth 1 -name '.f.csv.partial-*' -delete
    fi
    if [[ "$now" == "$old" ]]; then kept_old=$((kept_old + 1))
    elif [[ "$now" == "$new" ]]; then got_new=$((got_new + 1))
    else fail "round $i (kill after ${delay} ms): the forecast file is neither the old nor the new one"; fi
done
echo "predict --output: $rounds kills over 0-$((duration * 12 / 10)) ms (a full run takes $duration ms): old file kept $kept_old, new file complete $got_new, mixed or partial 0; killed while writing the file $mid_write"

mkdir -p "$work/small"
if mount -t tmpfs -o size=150k tmpfs "$work/small" 2>/dev/null; then
    "$forecast" "${train_args[@]}" --hidden-size 8 --seed 1 --output "$work/small/m" >/dev/null 2>&1
    before=$(digest "$work/small/m")
    set +e
    message=$("$forecast" "${train_args[@]}" --hidden-size 64 --seed 1 --output "$work/small/m" 2>&1 >/dev/null)
    code=$?
    set -e
    [[ $code -eq 73 ]] || fail "disk full: exit $code, expected 73 ($message)"
    [[ "$(digest "$work/small/m")" == "$before" ]] || fail "disk full: the old model changed"
    [[ -z "$(ls -A "$work/small" | grep -v '^m$')" ]] || fail "disk full: litter left: $(ls -A "$work/small")"
    echo "disk full (150 KB tmpfs): exit $code, old model unchanged, nothing left behind: $message"
    umount "$work/small"
else
    echo "disk full: skipped (this user cannot mount a tmpfs)"
fi
echo "kill_test: passed"
