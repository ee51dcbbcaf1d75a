// What this machine's cores can do at most, for the bounds in docs/performance.md: the rate of
// fused multiply-adds from registers (the peak a product kernel approaches) and the rate at which
// one core streams floats it only reads from L2 and from L3 (what a single window at hidden 256,
// whose weights outgrow L2, waits for at every step), each on one thread and on two threads at
// once (do two threads double it, or share a core or a path to memory?). AVX2 and FMA.
// Build and run: scripts/machine_bounds.sh
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
typedef float v8 __attribute__((ext_vector_type(8)));

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

// 12 independent chains of 8-wide multiply-adds (2 FMA units × 4 cycles of latency need 8 or more):
// returns GFLOP/s over `seconds`.
static double fma_rate(double seconds) {
    v8 acc[12], x = (v8)(0.999999f), y = (v8)(1e-7f);
    for (int i = 0; i < 12; i++) acc[i] = (v8)((float)i);
    long rounds = 0;
    double start = now(), elapsed;
    do {
        for (int r = 0; r < 100000; r++) {
#pragma clang loop unroll(full)
            for (int i = 0; i < 12; i++) acc[i] = acc[i] * x + y;
        }
        rounds += 100000;
    } while ((elapsed = now() - start) < seconds);
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += acc[i][0];
    if (sink == 12345.f) puts("");
    return rounds * 12.0 * 16 / elapsed / 1e9;
}

// Reads `bytes` again and again (sums it in 4 chains), in address order or, with `alternate`, in
// address order and then backwards (what the single window's panels do from step to step, so that
// the lines read last are read first again); returns GB/s over `seconds`.
static double read_rate(const float *data, size_t bytes, int alternate, double seconds) {
    const size_t count = bytes / sizeof(float);
    v8 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long passes = 0;
    double start = now(), elapsed;
    do {
        for (size_t i = 0; i < count; i += 32) {
            s0 += *(const v8 *)(data + i); s1 += *(const v8 *)(data + i + 8);
            s2 += *(const v8 *)(data + i + 16); s3 += *(const v8 *)(data + i + 24);
        }
        passes++;
        if (alternate) {
            for (size_t i = count; i >= 32; i -= 32) {
                s0 += *(const v8 *)(data + i - 8); s1 += *(const v8 *)(data + i - 16);
                s2 += *(const v8 *)(data + i - 24); s3 += *(const v8 *)(data + i - 32);
            }
            passes++;
        }
    } while ((elapsed = now() - start) < seconds);
    v8 s = s0 + s1 + s2 + s3;
    if (s[0] == 12345.f) puts("");
    return passes * (double)bytes / elapsed / 1e9;
}
#pragma clang attribute pop

struct job { int kind; size_t bytes; int alternate; double seconds, result; float *data; };

static void *run(void *argument) {
    struct job *job = argument;
    job->result = job->kind == 0 ? fma_rate(job->seconds) : read_rate(job->data, job->bytes, job->alternate, job->seconds);
    return NULL;
}

int main(int argc, char **argv) {
    const double seconds = argc > 1 ? atof(argv[1]) : 0.5;
    const int rounds = argc > 2 ? atoi(argv[2]) : 3;
    // FMA; 256 KiB (in L2); 8 MiB (in L3, past L2); then, back and forth, the sizes around a core's
    // share of W_hhᵀ in the single window at hidden 256 (512 KiB: all of a Zen 3 core's L2).
    const size_t sizes[] = {0, 256 << 10, 8 << 20, 384 << 10, 448 << 10, 512 << 10};
    const int alternates[] = {0, 0, 0, 1, 1, 1};
    const char *names[] = {"fma_gflops", "read_gbps_256KiB", "read_gbps_8MiB", "read_gbps_384KiB_back_and_forth",
                           "read_gbps_448KiB_back_and_forth", "read_gbps_512KiB_back_and_forth"};
    const int kinds = sizeof sizes / sizeof sizes[0];
    for (int round = 0; round < rounds; round++) {
        for (int kind = 0; kind < kinds; kind++) {
            struct job jobs[2];
            for (int t = 0; t < 2; t++) {
                jobs[t] = (struct job){kind == 0 ? 0 : 1, sizes[kind], alternates[kind], seconds, 0, NULL};
                if (kind) {
                    if (posix_memalign((void **)&jobs[t].data, 64, sizes[kind]) != 0) return 1;
                    for (size_t i = 0; i < sizes[kind] / sizeof(float); i++) jobs[t].data[i] = (float)(i % 7);
                }
            }
            run(&jobs[0]);
            const double alone = jobs[0].result;
            pthread_t threads[2];
            for (int t = 0; t < 2; t++) pthread_create(&threads[t], NULL, run, &jobs[t]);
            for (int t = 0; t < 2; t++) pthread_join(threads[t], NULL);
            printf("{\"measure\": \"%s\", \"round\": %d, \"one_thread\": %.1f, \"two_threads_each\": [%.1f, %.1f], \"two_threads_total\": %.1f}\n",
                   names[kind], round + 1, alone, jobs[0].result, jobs[1].result, jobs[0].result + jobs[1].result);
            for (int t = 0; t < 2; t++) free(jobs[t].data);
        }
    }
    return 0;
}
