// The single window's input projection (x·W_ihᵀ + b for a chunk of steps) with W_ihᵀ read in place
// (fk_matrix_product, which on AVX2 copies it into panels at every call once 4u ≥ 512) against W_ihᵀ
// packed beforehand (fk_pack_b once, then fk_packed_product), alternated, best of 9 rounds by the wall
// clock, and whether the two gave the same bits; the shapes of docs/performance.md ("Zen 3 again").
// Build and run (AVX2 kernels; any x86-64 with AVX2):
//   clang -O2 -I Sources/CForecastKernels/include -I Sources/CForecastKernels scripts/packed_projection_ab.c \
//       Sources/CForecastKernels/*.c -o /tmp/packed_projection_ab -lpthread -lm && /tmp/packed_projection_ab
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CForecastKernels.h"

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static void compare(int m, int n, int k, int reps) {
    float *a = aligned_alloc(64, 4ul * m * k + 64), *b = aligned_alloc(64, 4ul * k * n + 64);
    float *c1 = aligned_alloc(64, 4ul * m * n + 64), *c2 = aligned_alloc(64, 4ul * m * n + 64), *bias = calloc(n, 4);
    float *packed = aligned_alloc(64, 4ul * fk_packed_b_floats(FK_AVX2, k, n) + 64);
    srand(2);
    for (long i = 0; i < (long)m * k; i++) a[i] = (rand() % 200 - 100) * 1e-2f;
    for (long i = 0; i < (long)k * n; i++) b[i] = (rand() % 200 - 100) * 1e-3f;
    fk_pack_b(FK_AVX2, k, n, b, n, 1, packed);
    double in_place = 1e9, prepacked = 1e9;
    for (int r = 0; r < 9; r++) {
        double t0 = now();
        for (int i = 0; i < reps; i++) fk_matrix_product(FK_AVX2, m, n, k, a, k, 1, b, n, 1, c1, n, 0, bias);
        double d = (now() - t0) / reps; if (d < in_place) in_place = d;
        t0 = now();
        for (int i = 0; i < reps; i++) fk_packed_product(FK_AVX2, m, n, k, a, k, packed, c2, n, 0, bias);
        d = (now() - t0) / reps; if (d < prepacked) prepacked = d;
    }
    printf("%4d x %4d x %3d: in place %7.1f us, packed once %7.1f us  %s\n", m, n, k, in_place * 1e6, prepacked * 1e6,
           memcmp(c1, c2, 4ul * m * n) ? "BITS DIFFER" : "same bits");
    free(a); free(b); free(c1); free(c2); free(bias); free(packed);
}

int main(void) {
    if (!fk_is_supported(FK_AVX2)) { fprintf(stderr, "this CPU lacks AVX2\n"); return 1; }
    // steps × 4u × inputs: hidden 256 (one thread, units split, a pipelined chunk), 128, 64.
    const int shapes[][4] = {{48, 1024, 256, 30}, {48, 512, 256, 50}, {8, 1024, 256, 100}, {48, 512, 128, 100},
                             {8, 512, 128, 500}, {48, 256, 64, 500}, {8, 256, 64, 2000}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) compare(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3]);
    return 0;
}
