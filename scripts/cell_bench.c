// The AVX2 LSTM cell (fk_avx2_lstm_cell_forward) of one row, timed by the wall clock, and σ and tanh
// alone on independent vectors: how long a vector of 8 units takes, and whether the cell is bound by
// its arithmetic (the activations' rate alone) or by the chains between them. The five arrays of the
// cell (gates, c_{t−1}, c_t, tanh(c_t), h_t) are placed at the float offsets given, inside one
// 4 KiB-aligned arena, because where they fall moves the time. The cell's time includes copying its 4H
// gates in before each call (it writes its activations over them). Build (from the repository root):
//   clang -O2 -I Sources/CForecastKernels/include -I Sources/CForecastKernels scripts/cell_bench.c Sources/CForecastKernels/*.c -o cell_bench -lpthread
// Usage: cell_bench HIDDEN CALLS [GATES PREVIOUS CELLS TANH HIDDEN offsets in floats]
//   e.g. cell_bench 64 100000 0 100000 200000 300000 400000
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stddef.h>
void fk_avx2_lstm_cell_forward(ptrdiff_t, ptrdiff_t, float *, const float *, float *, float *, float *);
void fk_avx2_sigmoid(ptrdiff_t, const float *, float *);
void fk_avx2_tanh(ptrdiff_t, const float *, float *);
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char **argv) {
    int h = argc > 1 ? atoi(argv[1]) : 64;
    long calls = argc > 2 ? atol(argv[2]) : 100000;
    long offsets[5] = {0, 100000, 200000, 300000, 400000};
    for (int i = 0; i < 5 && 3 + i < argc; i++) offsets[i] = atol(argv[3 + i]);
    if (h < 8 || h % 8 != 0 || h > 65536 || calls < 1) {
        fprintf(stderr, "cell_bench: HIDDEN a multiple of 8 up to 65536, CALLS at least 1\n");
        return 2;
    }
    // Each array must fit the arena: the gates 4H floats from their offset, the others H.
    const long arena_floats = 600000 + 8L * h;
    for (int i = 0; i < 5; i++) {
        if (offsets[i] < 0 || offsets[i] + (i == 0 ? 4L * h : (long)h) > arena_floats) {
            fprintf(stderr, "cell_bench: offset %ld does not fit an arena of %ld floats\n", offsets[i], arena_floats);
            return 2;
        }
    }
    float *arena;
    if (posix_memalign((void **)&arena, 4096, (size_t)arena_floats * sizeof(float)) != 0) return 1;
    float *gates = arena + offsets[0], *previous = arena + offsets[1], *cells = arena + offsets[2], *tanh_cells = arena + offsets[3],
          *hidden = arena + offsets[4];
    float *source = malloc((size_t)4 * h * sizeof(float));
    if (source == NULL) return 1;
    srand(1);
    for (int i = 0; i < 4 * h; i++) source[i] = (float)(rand() % 2001 - 1000) / 300.0f;
    for (int i = 0; i < h; i++) previous[i] = (float)(rand() % 2001 - 1000) / 500.0f;
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        double start = now();
        for (long i = 0; i < calls; i++) {
            memcpy(gates, source, (size_t)4 * h * sizeof(float));  // the cell writes its activations over the gates
            fk_avx2_lstm_cell_forward(1, h, gates, previous, cells, tanh_cells, hidden);
        }
        double t = (now() - start) / calls;
        if (t < best) best = t;
    }
    printf("cell, hidden %d, offsets %ld %ld %ld %ld %ld: %.2f ns a vector of 8 units (best of 5 rounds)\n", h, offsets[0], offsets[1],
           offsets[2], offsets[3], offsets[4], best * 1e9 / (h / 8));
    // σ and tanh alone over 1,024 floats (every vector independent of the others).
    const int n = 1024;
    float *x, *y;
    if (posix_memalign((void **)&x, 64, n * sizeof(float)) != 0 || posix_memalign((void **)&y, 64, n * sizeof(float)) != 0) return 1;
    for (int i = 0; i < n; i++) x[i] = (float)(rand() % 2001 - 1000) / 300.0f;
    for (int which = 0; which < 2; which++) {
        double least = 1e9;
        for (int round = 0; round < 5; round++) {
            double start = now();
            for (long i = 0; i < 100000; i++) (which ? fk_avx2_tanh : fk_avx2_sigmoid)(n, x, y);
            double t = (now() - start) / 100000;
            if (t < least) least = t;
        }
        printf("%s alone: %.2f ns a vector of 8\n", which ? "tanh" : "sigmoid", least * 1e9 / (n / 8));
    }
    return 0;
}
