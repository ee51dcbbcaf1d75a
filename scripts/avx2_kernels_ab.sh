#!/usr/bin/env bash
# Compares the AVX2 matrix-product kernel of this work tree with that of commit BASE, on the shapes of
# `forecast-bench kernels`, in one program (scripts/avx2_kernels_ab.c), alternated shape by shape,
# timed by the thread's CPU time (so that other programs holding the core count less), and checks
# that both give the same bits. Needs clang (the Swift toolchain's) and binutils' objcopy.
# With PROGRAM window (scripts/avx2_window_ab.c) it compares the single-window layer instead: one
# window of a 2-layer LSTM on one thread, in microseconds (BASE 80ea8b9 or later).
# Usage: scripts/avx2_kernels_ab.sh BASE [ROUNDS] [SECONDS] [products|window]   e.g. scripts/avx2_kernels_ab.sh 4df6c83 9 0.08
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1; rounds=${2:-9}; seconds=${3:-0.08}; program=${4:-products}
case $program in products) source=scripts/avx2_kernels_ab.c ;; window) source=scripts/avx2_window_ab.c ;; *) echo "unknown program $program" >&2; exit 2 ;; esac
clang=${CLANG:-clang}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
mkdir -p "$build/base/include"
for file in KernelTemplate.h KernelDeclarations.h KernelsAVX2.c include/CForecastKernels.h; do
  git show "$base:Sources/CForecastKernels/$file" > "$build/base/$file"
done
"$clang" -O2 -I "$build/base/include" -I "$build/base" -c "$build/base/KernelsAVX2.c" -o "$build/base.o"
nm "$build/base.o" | awk '$2 == "T" && $3 ~ /^fk_avx2_/ { s = $3; sub("fk_avx2_", "orig_avx2_", s); print $3, s }' > "$build/rename"
objcopy --redefine-syms="$build/rename" "$build/base.o"
src=Sources/CForecastKernels
# The window layer took W_ihᵀ packed once as an extra argument from cb65ed9 on: say which form BASE has.
orig_packed=$(grep -q packed_input_weights "$build/base/include/CForecastKernels.h" && echo 1 || echo 0)
"$clang" -O2 -DORIG_PACKED_INPUT="$orig_packed" -I "$src/include" -I "$src" "$source" "$build/base.o" "$src"/*.c -o "$build/ab" -lpthread
echo "# AVX2 $program: $base (orig) against this tree (new), thread CPU time, $rounds rounds of ${seconds}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/ab" "$rounds" "$seconds"
