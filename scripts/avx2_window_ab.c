// The AVX2 single-window layer (fk_avx2_lstm_window_layer, one thread, the whole layer) of this tree
// against that of commit BASE (its symbols renamed orig_*; BASE must have the panel layout, 80ea8b9
// or later), both reading W_hhᵀ in the panels of fk_window_panel_width, alternated: one window of
// a 2-layer LSTM, lookback 48, input size 1, hidden 64, 128 and 256, in microseconds of the
// thread's CPU time (medians and best of ROUNDS rounds of SECONDS each), and whether the two gave
// the same bits. Built and run by scripts/avx2_kernels_ab.sh BASE ROUNDS SECONDS window. From cb65ed9
// on, the layer takes W_ihᵀ packed once (fk_pack_b) as an extra argument; this tree's layer gets it,
// and BASE's too when it has that argument (ORIG_PACKED_INPUT 1, set by the script).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stddef.h>
#include "CForecastKernels.h"
#ifndef ORIG_PACKED_INPUT
#define ORIG_PACKED_INPUT 0
#endif
// The layer with W_ihᵀ packed (this tree's, and BASE's from cb65ed9 on) and without (BASE's before).
typedef void (*packed_layer_fn)(ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *,
                                const float *, const float *, ptrdiff_t, const float *, float *, float *, float *, float *,
                                ptrdiff_t, ptrdiff_t, const fk_step_counter *, fk_step_counter *, fk_barrier *);
typedef void (*layer_fn)(ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *,
                         const float *, ptrdiff_t, const float *, float *, float *, float *, float *, ptrdiff_t, ptrdiff_t,
                         const fk_step_counter *, fk_step_counter *, fk_barrier *);
void fk_avx2_lstm_window_layer(ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *,
                               const float *, const float *, ptrdiff_t, const float *, float *, float *, float *, float *,
                               ptrdiff_t, ptrdiff_t, const fk_step_counter *, fk_step_counter *, fk_barrier *);
void orig_avx2_lstm_window_layer();  // its arguments are those of packed_layer_fn or layer_fn, by ORIG_PACKED_INPUT
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static float *rnd(size_t n, float scale) {
    float *p; if (posix_memalign((void **)&p, 64, n * 4 + 64)) exit(1);
    for (size_t i = 0; i < n; i++) p[i] = scale * (float)(rand() % 2001 - 1000) / 1000;
    return p;
}
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1) rounds = 1;
    if (rounds > 64) rounds = 64; double secs = argc > 2 ? atof(argv[2]) : 0.05;
    const ptrdiff_t time = 48, layers = 2, sizes[] = {64, 128, 256};
    const ptrdiff_t panel = fk_window_panel_width(FK_AVX2);
    packed_layer_fn f[2] = {ORIG_PACKED_INPUT ? (packed_layer_fn)orig_avx2_lstm_window_layer : NULL, fk_avx2_lstm_window_layer};
    layer_fn orig_unpacked = ORIG_PACKED_INPUT ? NULL : (layer_fn)orig_avx2_lstm_window_layer;
    if (!fk_is_supported(FK_AVX2)) { fprintf(stderr, "this CPU lacks AVX2\n"); return 1; }
    for (int s = 0; s < 3; s++) {
        const ptrdiff_t h = sizes[s], stride = (h + 15) / 16 * 16, block = (time + 1) * stride;
        float scale = 1.0f / (float)h;
        float *input = rnd(time, 1), *w[2][3], *bias[2], *packed[2];
        for (int k = 0; k < layers; k++) {
            w[k][0] = rnd((size_t)(k ? h : 1) * 4 * h, scale); w[k][1] = rnd((size_t)h * 4 * h, scale); bias[k] = rnd(4 * h, 0.1f);
            w[k][2] = rnd((size_t)h * 4 * h, 0);
            fk_window_panels(h, 4 * h, w[k][1], panel, w[k][2]);
            packed[k] = rnd((size_t)fk_packed_b_floats(FK_AVX2, k ? h : 1, 4 * h), 0);
            fk_pack_b(FK_AVX2, k ? h : 1, 4 * h, w[k][0], 4 * h, 1, packed[k]);
        }
        float *states[2][2], *gates = rnd((size_t)time * 4 * h + h, 0);
        for (int v = 0; v < 2; v++) for (int q = 0; q < 2; q++) { states[v][q] = rnd((size_t)layers * block, 0); }
        double us[2][64];
        for (int r = 0; r < rounds; r++) for (int v = 0; v < 2; v++) {
            long reps = 0; double t0 = cpu();
            while (cpu() - t0 < secs) {
                for (int k = 0; k < layers; k++) {
                    float *hidden = states[v][0] + k * block, *cells = states[v][1] + k * block;
                    memset(hidden, 0, stride * 4); memset(cells, 0, stride * 4);
                    const float *x = k ? states[v][0] + (k - 1) * block + stride : input;
                    if (f[v]) {
                        f[v](time, k ? h : 1, x, k ? stride : 1, h, 0, h, w[k][0], packed[k], w[k][2], panel, bias[k], gates,
                             gates + time * 4 * h, hidden, cells, stride, time, NULL, NULL, NULL);
                    } else {
                        orig_unpacked(time, k ? h : 1, x, k ? stride : 1, h, 0, h, w[k][0], w[k][2], panel, bias[k], gates,
                                      gates + time * 4 * h, hidden, cells, stride, time, NULL, NULL, NULL);
                    }
                }
                reps++;
            }
            us[v][r] = (cpu() - t0) / reps * 1e6;
        }
        qsort(us[0], rounds, 8, cmp); qsort(us[1], rounds, 8, cmp);
        printf("window, hidden %4td, panels of %td: orig median %8.1f best %8.1f us | new median %8.1f best %8.1f us  %s\n", h, panel,
               us[0][rounds / 2], us[0][0], us[1][rounds / 2], us[1][0],
               memcmp(states[0][0], states[1][0], (size_t)layers * block * 4) || memcmp(states[0][1], states[1][1], (size_t)layers * block * 4)
                   ? "BITS DIFFER" : "same bits");
    }
    return 0;
}
