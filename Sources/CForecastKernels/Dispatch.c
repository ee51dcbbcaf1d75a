// Chooses the kernels for the CPU the program runs on. `fk_best_supported` asks the CPU once;
// every public function takes the instruction set explicitly, so that tests can run each one.
#include "CForecastKernels.h"
#include "KernelDeclarations.h"

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
    default:
        return 0;
    }
}

fk_instruction_set fk_best_supported(void) {
    static _Atomic int best = -1;
    int found = best;
    if (found < 0) {
        found = fk_is_supported(FK_AVX512) ? FK_AVX512 : fk_is_supported(FK_AVX2) ? FK_AVX2 : FK_BASELINE;
        best = found;
    }
    return (fk_instruction_set)found;
}

// Calls the kernel `name` of the instruction set `set` (the baseline on CPUs other than x86-64).
#if defined(__x86_64__)
#define FK_DISPATCH(set, name, ...)                                          \
    switch (set) {                                                           \
    case FK_AVX512: fk_avx512_##name(__VA_ARGS__); break;                    \
    case FK_AVX2: fk_avx2_##name(__VA_ARGS__); break;                        \
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
