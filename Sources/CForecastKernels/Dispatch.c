// Chooses the kernels for the CPU the program runs on. `fk_best_supported` asks the CPU once;
// every public function takes the instruction set explicitly, so that tests can run each one.
#include "CForecastKernels.h"
#include "KernelDeclarations.h"
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

int fk_is_supported(fk_instruction_set set) {
    switch (set) {
    case FK_BASELINE:
        return 1;
#if defined(__x86_64__)
    case FK_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case FK_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
#endif
#if defined(__aarch64__)
    case FK_NEON:
        return 1;  // Advanced SIMD with FMA is part of the arm64 architecture
#endif
    default:
        return 0;
    }
}

fk_instruction_set fk_best_supported(void) {
    static _Atomic int best = -1;
    int found = best;
    if (found < 0) {
        found = fk_is_supported(FK_AVX512) ? FK_AVX512 : fk_is_supported(FK_AVX2) ? FK_AVX2
              : fk_is_supported(FK_NEON) ? FK_NEON : FK_BASELINE;
        best = found;
    }
    return (fk_instruction_set)found;
}

// Calls the kernel `name` of the instruction set `set` (the baseline for a set this CPU's build lacks).
#if defined(__x86_64__)
#define FK_DISPATCH(set, name, ...)                                          \
    switch (set) {                                                           \
    case FK_AVX512: fk_avx512_##name(__VA_ARGS__); break;                    \
    case FK_AVX2: fk_avx2_##name(__VA_ARGS__); break;                        \
    default: fk_baseline_##name(__VA_ARGS__); break;                         \
    }
#elif defined(__aarch64__)
#define FK_DISPATCH(set, name, ...)                                          \
    switch (set) {                                                           \
    case FK_NEON: fk_neon_##name(__VA_ARGS__); break;                        \
    default: fk_baseline_##name(__VA_ARGS__); break;                         \
    }
#else
#define FK_DISPATCH(set, name, ...) fk_baseline_##name(__VA_ARGS__);
#endif

void fk_matrix_product(fk_instruction_set set, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                       const float *a, ptrdiff_t a_rs, ptrdiff_t a_cs,
                       const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs,
                       float *c, ptrdiff_t ldc, int accumulate, const float *start_row) {
    FK_DISPATCH(set, matrix_product, m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, accumulate, start_row)
}

ptrdiff_t fk_packed_b_floats(fk_instruction_set set, ptrdiff_t k, ptrdiff_t n) {
    switch (set) {
#if defined(__x86_64__)
    case FK_AVX512: return fk_avx512_packed_b_floats(k, n);
    case FK_AVX2: return fk_avx2_packed_b_floats(k, n);
#elif defined(__aarch64__)
    case FK_NEON: return fk_neon_packed_b_floats(k, n);
#endif
    default: return fk_baseline_packed_b_floats(k, n);
    }
}

void fk_pack_b(fk_instruction_set set, ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs,
               float *packed) {
    FK_DISPATCH(set, pack_b, k, n, b, b_rs, b_cs, packed)
}

void fk_packed_product(fk_instruction_set set, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t a_rs,
                       const float *packed, float *c, ptrdiff_t ldc, int accumulate, const float *start_row) {
    FK_DISPATCH(set, packed_product, m, n, k, a, a_rs, packed, c, ldc, accumulate, start_row)
}

void fk_packed_gates(fk_instruction_set set, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k1, const float *a1, ptrdiff_t lda1,
                     const float *packed1, ptrdiff_t k2, const float *a2, ptrdiff_t lda2, const float *packed2,
                     const float *start_row, float *c, ptrdiff_t ldc) {
    FK_DISPATCH(set, packed_gates, m, n, k1, a1, lda1, packed1, k2, a2, lda2, packed2, start_row, c, ldc)
}

void fk_lstm_gates(fk_instruction_set set, ptrdiff_t batch, ptrdiff_t gate_count,
                   ptrdiff_t input_size, const float *input, ptrdiff_t input_stride, const float *input_weights,
                   ptrdiff_t hidden_size, const float *hidden, ptrdiff_t hidden_stride, const float *hidden_weights,
                   const float *bias, float *gates) {
    FK_DISPATCH(set, lstm_gates, batch, gate_count, input_size, input, input_stride, input_weights,
                hidden_size, hidden, hidden_stride, hidden_weights, bias, gates)
}

void fk_transpose(fk_instruction_set set, ptrdiff_t rows, ptrdiff_t cols, const float *source, float *destination) {
    FK_DISPATCH(set, transpose, rows, cols, source, destination)
}

void fk_sigmoid(fk_instruction_set set, ptrdiff_t count, const float *x, float *y) {
    FK_DISPATCH(set, sigmoid, count, x, y)
}

void fk_tanh(fk_instruction_set set, ptrdiff_t count, const float *x, float *y) {
    FK_DISPATCH(set, tanh, count, x, y)
}

void fk_lstm_cell_forward(fk_instruction_set set, ptrdiff_t batch, ptrdiff_t hidden_size,
                          float *gates, const float *previous_cells, float *cells,
                          float *tanh_cells, float *hidden) {
    FK_DISPATCH(set, lstm_cell_forward, batch, hidden_size, gates, previous_cells, cells, tanh_cells, hidden)
}

void fk_lstm_cell_backward(fk_instruction_set set, ptrdiff_t batch, ptrdiff_t hidden_size,
                           const float *gates, const float *previous_cells, const float *tanh_cells,
                           const float *hidden_gradient, float *cell_gradient, float *gate_gradients) {
    FK_DISPATCH(set, lstm_cell_backward, batch, hidden_size, gates, previous_cells, tanh_cells,
                hidden_gradient, cell_gradient, gate_gradients)
}

void fk_adam_update(fk_instruction_set set, ptrdiff_t count, float *values, const float *gradients,
                    float *first_moments, float *second_moments, float step_size, float bias_correction2_root,
                    float learning_rate, float beta1, float beta2, float epsilon, float weight_decay, int decoupled) {
    FK_DISPATCH(set, adam_update, count, values, gradients, first_moments, second_moments, step_size,
                bias_correction2_root, learning_rate, beta1, beta2, epsilon, weight_decay, decoupled)
}

void fk_lstm_window_layer(fk_instruction_set set, ptrdiff_t time, ptrdiff_t input_size, const float *input,
                          ptrdiff_t input_stride, ptrdiff_t hidden_size, ptrdiff_t unit_start, ptrdiff_t unit_count,
                          const float *input_weights, const float *packed_input_weights, const float *hidden_weights,
                          ptrdiff_t panel_width, const float *bias, float *gates, float *tanh_cells, float *hidden,
                          float *cells, ptrdiff_t state_stride, ptrdiff_t chunk, const fk_step_counter *below,
                          fk_step_counter *done, fk_barrier *barrier) {
    FK_DISPATCH(set, lstm_window_layer, time, input_size, input, input_stride, hidden_size, unit_start, unit_count,
                input_weights, packed_input_weights, hidden_weights, panel_width, bias, gates, tanh_cells, hidden, cells, state_stride, chunk, below, done,
                barrier)
}

void fk_window_panels(ptrdiff_t rows, ptrdiff_t columns, const float *matrix, ptrdiff_t panel_width, float *panels) {
    if (panel_width < 1 || panel_width > columns) panel_width = columns;
    for (ptrdiff_t j0 = 0; j0 < columns; j0 += panel_width) {
        const ptrdiff_t width = columns - j0 < panel_width ? columns - j0 : panel_width;
        for (ptrdiff_t p = 0; p < rows; p++) {
            memcpy(panels + j0 * rows + p * width, matrix + p * columns + j0, (size_t)width * sizeof(float));
        }
    }
}

ptrdiff_t fk_window_panel_width(fk_instruction_set set) {
    switch (set) {
#if defined(__x86_64__)
    case FK_AVX512: return fk_avx512_window_panel_width();
    case FK_AVX2: return fk_avx2_window_panel_width();
#elif defined(__aarch64__)
    case FK_NEON: return fk_neon_window_panel_width();
#endif
    default: return fk_baseline_window_panel_width();
    }
}

void fk_lstm_stream_block(fk_instruction_set set, ptrdiff_t layers, ptrdiff_t time, ptrdiff_t batch,
                          ptrdiff_t input_size, ptrdiff_t hidden_size, const float *input,
                          const float *const *input_weights, const float *const *hidden_weights,
                          const float *const *biases, float *hidden, float *cells, float *gates,
                          float *tanh_cells, float *outputs) {
    FK_DISPATCH(set, lstm_stream_block, layers, time, batch, input_size, hidden_size, input, input_weights,
                hidden_weights, biases, hidden, cells, gates, tanh_cells, outputs)
}

// MARK: - Barrier

// A counting barrier with a phase number: the last party to arrive resets the count and starts the
// next phase; the others spin until the phase changes. Each counter has its own cache line, so that
// the arrivals do not disturb the spinning readers more than they must.
struct fk_barrier {
    _Alignas(64) atomic_int arrived;
    _Alignas(64) atomic_int phase;
    int parties;
};

fk_barrier *fk_barrier_create(int parties) {
    fk_barrier *barrier = NULL;
    if (posix_memalign((void **)&barrier, 64, sizeof(fk_barrier)) != 0) return NULL;
    atomic_init(&barrier->arrived, 0);
    atomic_init(&barrier->phase, 0);
    barrier->parties = parties;
    return barrier;
}

void fk_barrier_destroy(fk_barrier *barrier) { free(barrier); }

void fk_barrier_wait(fk_barrier *barrier) {
    if (barrier == NULL || barrier->parties <= 1) return;
    const int phase = atomic_load_explicit(&barrier->phase, memory_order_acquire);
    if (atomic_fetch_add_explicit(&barrier->arrived, 1, memory_order_acq_rel) == barrier->parties - 1) {
        atomic_store_explicit(&barrier->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&barrier->phase, phase + 1, memory_order_release);
        return;
    }
    // About 10 µs of spinning, then give the core away between looks: a party that is not running
    // (more threads than cores) gets to run instead of waiting for the end of a time slice.
    for (unsigned spins = 0; atomic_load_explicit(&barrier->phase, memory_order_acquire) == phase; spins++) {
        if (spins < 4096) fk_spin_pause(); else sched_yield();
    }
}

// MARK: - Step counter

struct fk_step_counter {
    _Alignas(64) atomic_long steps;
    char padding[64 - sizeof(atomic_long)];
};

fk_step_counter *fk_step_counter_create(void) {
    fk_step_counter *counter = NULL;
    if (posix_memalign((void **)&counter, 64, sizeof(fk_step_counter)) != 0) return NULL;
    atomic_init(&counter->steps, 0);
    return counter;
}

void fk_step_counter_destroy(fk_step_counter *counter) { free(counter); }

void fk_step_counter_reset(fk_step_counter *counter) {
    if (counter) atomic_store_explicit(&counter->steps, 0, memory_order_relaxed);
}

void fk_step_counter_publish(fk_step_counter *counter, ptrdiff_t steps) {
    if (counter) atomic_store_explicit(&counter->steps, (long)steps, memory_order_release);
}

void fk_step_counter_wait(const fk_step_counter *counter, ptrdiff_t steps) {
    if (counter == NULL) return;
    for (unsigned spins = 0; atomic_load_explicit(&((fk_step_counter *)counter)->steps, memory_order_acquire) < steps; spins++) {
        if (spins < 4096) fk_spin_pause(); else sched_yield();
    }
}
