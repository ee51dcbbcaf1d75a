// The kernels of each instruction set, defined by KernelTemplate.h in KernelsAVX512.c, KernelsAVX2.c,
// KernelsNEON.c and KernelsBaseline.c. Private to this target: Swift reaches them through Dispatch.c.
#ifndef FK_KERNEL_DECLARATIONS_H
#define FK_KERNEL_DECLARATIONS_H

#include <stddef.h>
#include "CForecastKernels.h"

// Every kernel of one instruction set, named fk_<isa>_<kernel>.
#define FK_DECLARE_KERNELS(isa) \
    void fk_##isa##_matrix_product(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t a_rs, ptrdiff_t a_cs, \
        const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs, float *c, ptrdiff_t ldc, int accumulate, const float *start_row); \
    void fk_##isa##_lstm_gates(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k1, const float *a1, ptrdiff_t lda1, const float *b1, \
        ptrdiff_t k2, const float *a2, ptrdiff_t lda2, const float *b2, const float *bias, float *c); \
    void fk_##isa##_adam_update(ptrdiff_t count, float *values, const float *gradients, float *first_moments, \
        float *second_moments, float step_size, float bias_correction2_root, float learning_rate, \
        float beta1, float beta2, float epsilon, float weight_decay, int decoupled); \
    void fk_##isa##_transpose(ptrdiff_t rows, ptrdiff_t cols, const float *source, float *destination); \
    void fk_##isa##_sigmoid(ptrdiff_t count, const float *x, float *y); \
    void fk_##isa##_tanh(ptrdiff_t count, const float *x, float *y); \
    void fk_##isa##_lstm_cell_forward(ptrdiff_t batch, ptrdiff_t hidden_size, float *gates, const float *previous_cells, \
        float *cells, float *tanh_cells, float *hidden); \
    void fk_##isa##_lstm_window_layer(ptrdiff_t time, ptrdiff_t input_size, const float *input, ptrdiff_t input_stride, \
        ptrdiff_t hidden_size, ptrdiff_t unit_start, ptrdiff_t unit_count, const float *input_weights, \
        const float *packed_input_weights, const float *hidden_weights, ptrdiff_t panel_width, const float *bias, float *gates, float *tanh_cells, \
        float *hidden, float *cells, ptrdiff_t state_stride, ptrdiff_t chunk, const fk_step_counter *below, fk_step_counter *done, \
        fk_barrier *barrier); \
    ptrdiff_t fk_##isa##_window_panel_width(void); \
    ptrdiff_t fk_##isa##_packed_b_floats(ptrdiff_t k, ptrdiff_t n); \
    void fk_##isa##_pack_b(ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs, float *packed); \
    void fk_##isa##_packed_product(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t a_rs, \
        const float *packed, float *c, ptrdiff_t ldc, int accumulate, const float *start_row); \
    void fk_##isa##_packed_gates(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k1, const float *a1, ptrdiff_t lda1, \
        const float *packed1, ptrdiff_t k2, const float *a2, ptrdiff_t lda2, const float *packed2, \
        const float *start_row, float *c, ptrdiff_t ldc); \
    void fk_##isa##_lstm_stream_block(ptrdiff_t layers, ptrdiff_t time, ptrdiff_t batch, ptrdiff_t input_size, \
        ptrdiff_t hidden_size, const float *input, const float *const *input_weights, const float *const *hidden_weights, \
        const float *const *biases, float *hidden, float *cells, float *gates, float *tanh_cells, float *outputs); \
    void fk_##isa##_lstm_cell_backward(ptrdiff_t batch, ptrdiff_t hidden_size, const float *gates, const float *previous_cells, \
        const float *tanh_cells, const float *hidden_gradient, float *cell_gradient, float *gate_gradients);

FK_DECLARE_KERNELS(avx512)
FK_DECLARE_KERNELS(avx2)
FK_DECLARE_KERNELS(neon)
FK_DECLARE_KERNELS(baseline)

#endif
