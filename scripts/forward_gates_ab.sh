#!/usr/bin/env bash
# Times the two ways the LSTM training forward pass can make a layer's gates (scripts/forward_gates_ab.c:
# the input projection of all steps then a recurrent product per step, or one pass per step with both
# weights packed), for a 32-row share and 48 steps, with the widest instruction set this CPU has,
# alternated, by the thread's CPU time, and checks that both give the same bits. Needs clang.
# Usage: scripts/forward_gates_ab.sh [ROUNDS] [SECONDS]     e.g. scripts/forward_gates_ab.sh 7 0.3
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}; seconds=${2:-0.3}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
src=Sources/CForecastKernels
"${CLANG:-clang}" -O2 -I "$src/include" -I "$src" scripts/forward_gates_ab.c "$src"/*.c -o "$build/ab" -lpthread
echo "# $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg); rows hidden inputs: the first and second layers of hidden 32, 64, 128, 256"
for shape in "32 32 1" "32 32 32" "32 64 1" "32 64 64" "32 128 1" "32 128 128" "32 256 1" "32 256 256"; do
  "$build/ab" $shape "$rounds" "$seconds"
done
