// The forward products of one LSTM layer for one thread's share of a training batch, the two ways
// the training forward pass can make them (see PreparedLayer.fusedGatesBytes in Sources/ForecastNN/LSTM.swift):
//   two products: gates[T·B, 4H] = x·W_ihᵀ + bias for every step at once, then at each step
//                 gates_t += h_{t−1}·W_hhᵀ (fk_matrix_product, then fk_packed_product);
//   one pass:     at each step gates_t = bias + x_t·W_ihᵀ + h_{t−1}·W_hhᵀ (fk_packed_gates, both weights packed).
// Alternated round by round, timed by the thread's CPU time, best of each; checks that both give the
// same bits. Built and run by scripts/forward_gates_ab.sh.
#include "CForecastKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double thread_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float draw(unsigned *state) { *state = *state * 1664525u + 1013904223u; return (float)(*state >> 8) / 16777216.0f - 0.5f; }

static unsigned long long fnv1a(const float *x, long count) {
    unsigned long long hash = 1469598103934665603ULL;
    for (long i = 0; i < count; i++) { unsigned u; memcpy(&u, &x[i], 4); hash = (hash ^ u) * 1099511628211ULL; }
    return hash;
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: %s ROWS HIDDEN INPUTS ROUNDS SECONDS\n", argv[0]); return 2; }
    const long b = atol(argv[1]), h = atol(argv[2]), in = atol(argv[3]), rounds = atol(argv[4]), steps = 48, n = 4 * h;
    const double seconds = atof(argv[5]);
    const fk_instruction_set set = fk_best_supported();
    float *x = malloc(sizeof(float) * steps * b * in), *hidden = malloc(sizeof(float) * (steps + 1) * b * h);
    float *wih = malloc(sizeof(float) * in * n), *whh = malloc(sizeof(float) * h * n), *bias = malloc(sizeof(float) * n);
    float *two = malloc(sizeof(float) * steps * b * n), *one = malloc(sizeof(float) * steps * b * n);
    float *pih = malloc(sizeof(float) * fk_packed_b_floats(set, in, n)), *phh = malloc(sizeof(float) * fk_packed_b_floats(set, h, n));
    unsigned state = 18;
    for (long i = 0; i < steps * b * in; i++) x[i] = draw(&state);
    for (long i = 0; i < (steps + 1) * b * h; i++) hidden[i] = draw(&state);
    for (long i = 0; i < in * n; i++) wih[i] = draw(&state);
    for (long i = 0; i < h * n; i++) whh[i] = draw(&state);
    for (long i = 0; i < n; i++) bias[i] = draw(&state);
    fk_pack_b(set, in, n, wih, n, 1, pih);
    fk_pack_b(set, h, n, whh, n, 1, phh);
    double best[2] = {1e30, 1e30};
    for (long round = 0; round < rounds; round++) {
        for (int way = 0; way < 2; way++) {
            const double start = thread_seconds();
            long calls = 0;
            do {
                if (way == 0) {
                    fk_matrix_product(set, steps * b, n, in, x, in, 1, wih, n, 1, two, n, 0, bias);
                    for (long t = 0; t < steps; t++)
                        fk_packed_product(set, b, n, h, hidden + t * b * h, h, phh, two + t * b * n, n, 1, NULL);
                } else {
                    for (long t = 0; t < steps; t++)
                        fk_packed_gates(set, b, n, in, x + t * b * in, in, pih, h, hidden + t * b * h, h, phh, bias, one + t * b * n, n);
                }
                calls++;
            } while (thread_seconds() - start < seconds);
            const double each = (thread_seconds() - start) / calls;
            if (each < best[way]) best[way] = each;
        }
    }
    const int same = fnv1a(two, steps * b * n) == fnv1a(one, steps * b * n);
    printf("{\"rows\": %ld, \"hidden\": %ld, \"inputs\": %ld, \"steps\": %ld, \"two_products_us\": %.1f, \"one_pass_us\": %.1f, "
           "\"one_pass_speedup\": %.3f, \"same_bits\": %s}\n",
           b, h, in, steps, best[0] * 1e6, best[1] * 1e6, best[0] / best[1], same ? "true" : "false");
    return same ? 0 : 1;
}
