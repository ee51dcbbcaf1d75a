// Two parts of the AVX2 kernels timed alone, for docs/performance.md (fifteenth session):
//   product M N K [SECONDS]   C[M × N] = Aᵀ·B with A stored [K × M] (rows M floats apart), B [K × N]:
//                             the weight gradients' form (256 64 1536 at hidden 64), GFLOP/s by the wall clock;
//   activations [SECONDS]     fk_sigmoid and fk_tanh over 4,096 floats, in ns per vector of 8.
// Build (as SwiftPM builds the kernels in release) and run:
//   clang -O3 -I Sources/CForecastKernels/include -I Sources/CForecastKernels scripts/kernel_parts_bench.c \
//         Sources/CForecastKernels/*.c -o kernel_parts_bench -lpthread
//   ./kernel_parts_bench product 256 64 1536 0.4; ./kernel_parts_bench activations
// Link it against a modified copy of Sources/CForecastKernels to time a change, alternating the two binaries.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CForecastKernels.h"

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static int product(int m, int n, int k, double seconds) {
    float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n);
    float *c = malloc(sizeof(float) * (size_t)m * n);
    if (!a || !b || !c) return 1;
    for (long i = 0; i < (long)m * k; i++) a[i] = (float)(i % 13) * 0.01f;
    for (long i = 0; i < (long)k * n; i++) b[i] = (float)(i % 7) * 0.01f;
    long calls = 0;
    double start = now(), elapsed;
    do {
        fk_matrix_product(FK_AVX2, m, n, k, a, 1, m, b, n, 1, c, n, 0, NULL);
        calls++;
    } while ((elapsed = now() - start) < seconds);
    printf("{\"form\": \"transposedA\", \"m\": %d, \"n\": %d, \"k\": %d, \"gflops\": %.1f, \"us_per_call\": %.1f}\n", m, n, k,
           2.0 * m * n * k * calls / elapsed / 1e9, elapsed / calls * 1e6);
    int sink = c[0] == 12345.f;
    free(a); free(b); free(c);
    return sink;
}

static int activations(double seconds) {
    const int count = 4096;
    float *x = malloc(sizeof(float) * count), *y = malloc(sizeof(float) * count);
    if (!x || !y) return 1;
    for (int i = 0; i < count; i++) x[i] = (float)(i % 200 - 100) * 0.05f;
    for (int which = 0; which < 2; which++) {
        long calls = 0;
        double start = now(), elapsed;
        do {
            if (which) fk_tanh(FK_AVX2, count, x, y); else fk_sigmoid(FK_AVX2, count, x, y);
            calls++;
        } while ((elapsed = now() - start) < seconds);
        printf("{\"function\": \"%s\", \"ns_per_vector\": %.2f}\n", which ? "tanh" : "sigmoid", elapsed / calls / (count / 8) * 1e9);
    }
    int sink = y[3] == 12345.f;
    free(x); free(y);
    return sink;
}

int main(int argc, char **argv) {
    if (!fk_is_supported(FK_AVX2)) { fprintf(stderr, "kernel_parts_bench: this CPU has no AVX2 and FMA\n"); return 2; }
    if (argc >= 5 && strcmp(argv[1], "product") == 0) {
        return product(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argc > 5 ? atof(argv[5]) : 0.5);
    }
    if (argc >= 2 && strcmp(argv[1], "activations") == 0) return activations(argc > 2 ? atof(argv[2]) : 0.5);
    fprintf(stderr, "usage: kernel_parts_bench product M N K [SECONDS] | activations [SECONDS]\n");
    return 2;
}
