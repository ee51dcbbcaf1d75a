#!/usr/bin/env bash
# Builds the C kernels (every instruction set the arm64 build has: NEON and the baseline) and
# scripts/neon_kernels_test.c for arm64, and runs the test under qemu-user: the NEON kernels must
# give the baseline's bits and agree with plain loops. Correctness only: qemu says nothing of speed.
# Needs Debian's gcc-aarch64-linux-gnu (its C library and linker) and qemu-user, and a clang (the
# Swift toolchain's): apt-get install gcc-aarch64-linux-gnu qemu-user
# Usage: scripts/test_neon_qemu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
clang=${CLANG:-clang}
sources=Sources/CForecastKernels
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
# The flags SwiftPM gives a C target in a release build (-O2), for arm64 Linux; no CPU-specific flags.
for file in "$sources"/*.c scripts/neon_kernels_test.c; do
  "$clang" --target=aarch64-linux-gnu -O2 -std=gnu11 -Wall -Werror -Wno-unknown-pragmas \
    -isystem /usr/aarch64-linux-gnu/include -I "$sources/include" -I "$sources" \
    -c "$file" -o "$build/$(basename "$file" .c).o"
done
aarch64-linux-gnu-gcc "$build"/*.o -o "$build/neon_kernels_test" -lm -lpthread
echo "built for $(file -b "$build/neon_kernels_test" | cut -d, -f1-2)"
echo "NEON kernels in the binary: $(aarch64-linux-gnu-nm "$build/neon_kernels_test" | grep -c ' T fk_neon_')"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$build/neon_kernels_test"
