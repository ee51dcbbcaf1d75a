#!/usr/bin/env bash
# Builds and runs scripts/machine_bounds.c: the FMA peak and the read rates from L2 and L3, on one
# thread and on two at once, one JSON line per measure and round (x86-64 with AVX2 and FMA).
# Usage: scripts/machine_bounds.sh [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(mktemp)
trap 'rm -f "$binary"' EXIT
"${CLANG:-clang}" -O2 scripts/machine_bounds.c -o "$binary" -lpthread
echo "# $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
"$binary" "${1:-0.5}" "${2:-3}"
