// The innermost fast kernels of ForecastKernels, in C so that each can be compiled for several
// instruction sets in one build (no compiler flags, so the package stays usable as a versioned
// dependency) and the best one chosen when the program runs.
//
// Every matrix is dense Float32, addressed through strides: element (i, j) of a matrix X with row
// stride rs and column stride cs is x[i * rs + j * cs]. Swift calls these through ForecastKernels,
// which checks bounds and holds the plain reference version of each kernel that the tests compare
// against. Nothing here allocates memory, and every result is a fixed sequence of Float operations,
// so it does not depend on timing or on how a batch is split into rows.
#ifndef C_FORECAST_KERNELS_H
#define C_FORECAST_KERNELS_H

#include <stddef.h>

/// An instruction set the kernels are compiled for.
typedef enum {
    /// Plain C with 4-wide vectors and a small tile: SSE2 on x86-64 (any x86-64 CPU, no FMA), NEON with FMA on arm64.
    FK_BASELINE = 0,
    /// 8-wide vectors with fused multiply-add (x86-64 with AVX2 and FMA: Haswell, Zen and later).
    FK_AVX2 = 1,
    /// 16-wide vectors with fused multiply-add (x86-64 with AVX-512F and VL).
    FK_AVX512 = 2,
    /// 4-wide Advanced SIMD vectors with fused multiply-add and a tile for 32 registers (every arm64 CPU).
    FK_NEON = 3,
} fk_instruction_set;

/// Whether this CPU (and operating system) can run kernels compiled for `set`.
int fk_is_supported(fk_instruction_set set);

/// The widest supported instruction set, detected once.
fk_instruction_set fk_best_supported(void);

/// C[M×N] = A·B, or C += A·B when `accumulate` is non-zero, or C = start_row + A·B (start_row [N]
/// added to every row) when `start_row` is not NULL and `accumulate` is zero.
///
/// A(i, p) = a[i * a_rs + p * a_cs] (one of a_rs, a_cs must be 1); B(p, j) = b[p * b_rs + j * b_cs]
/// (one of b_rs, b_cs must be 1); C(i, j) = c[i * ldc + j]. Each C element is computed as one chain of
/// multiply-adds over p = 0, 1, …, K−1, starting from 0, from start_row[j] or from the old C, whatever
/// its position in the matrix: a row's result does not depend on the other rows.
void fk_matrix_product(fk_instruction_set set, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                       const float *a, ptrdiff_t a_rs, ptrdiff_t a_cs,
                       const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs,
                       float *c, ptrdiff_t ldc, int accumulate, const float *start_row);

/// The floats B [k × n] takes once packed by fk_pack_b for `set` (panels of the set's tile width,
/// the last one zero-padded).
ptrdiff_t fk_packed_b_floats(fk_instruction_set set, ptrdiff_t k, ptrdiff_t n);

/// Packs B [k × n] (B(p, j) = b[p * b_rs + j * b_cs]) for fk_packed_product with the same `set`: a
/// matrix used by many products (a recurrent weight, at every time step) is laid out once instead of
/// at every product. `packed` must hold fk_packed_b_floats(set, k, n) floats.
void fk_pack_b(fk_instruction_set set, ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs,
               float *packed);

/// C[m × n] (+)= A[m × k] · B with A row-major (rows a_rs apart), B packed by fk_pack_b with the same
/// `set`, C rows ldc apart, C = A·B + start_row when start_row is not NULL (and not accumulating).
/// Each element of C is the same chain of multiply-adds as fk_matrix_product gives with B in place.
void fk_packed_product(fk_instruction_set set, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t a_rs,
                       const float *packed, float *c, ptrdiff_t ldc, int accumulate, const float *start_row);

/// C[m × n] = start_row + A1[m × k1] · B1 + A2[m × k2] · B2 with A1, A2 row-major (rows lda1, lda2
/// apart) and B1 [k1 × n], B2 [k2 × n] packed by fk_pack_b with the same `set`, C rows ldc apart; no
/// start row: from 0. An LSTM step's gates from W_ihᵀ and W_hhᵀ packed once. Each element is the chain
/// start row, then A1's multiply-adds, then A2's: fk_packed_product with the start row followed by
/// an accumulating one, bit for bit.
void fk_packed_gates(fk_instruction_set set, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k1, const float *a1, ptrdiff_t lda1,
                     const float *packed1, ptrdiff_t k2, const float *a2, ptrdiff_t lda2, const float *packed2,
                     const float *start_row, float *c, ptrdiff_t ldc);

/// The gates of one LSTM step, in one pass over the gate tile:
/// gates[B × 4H] = bias + input[B × I] · input_weights[I × 4H] + hidden[B × H] · hidden_weights[H × 4H].
///
/// input_weights and hidden_weights are W_ihᵀ and W_hhᵀ (rows of 4H = gate_count); input and hidden
/// rows are input_stride and hidden_stride apart; gates rows are contiguous. Each element is the
/// chain bias, then the input's multiply-adds, then the hidden state's: the same numbers as
/// fk_matrix_product with the bias as start row, followed by an accumulating one.
void fk_lstm_gates(fk_instruction_set set, ptrdiff_t batch, ptrdiff_t gate_count,
                   ptrdiff_t input_size, const float *input, ptrdiff_t input_stride, const float *input_weights,
                   ptrdiff_t hidden_size, const float *hidden, ptrdiff_t hidden_stride, const float *hidden_weights,
                   const float *bias, float *gates);

/// destination[cols × rows] = sourceᵀ for a row-major source[rows × cols].
void fk_transpose(fk_instruction_set set, ptrdiff_t rows, ptrdiff_t cols, const float *source, float *destination);

/// y[i] = σ(x[i]) with the fast sigmoid of the LSTM cell (see fk_lstm_cell_forward).
void fk_sigmoid(fk_instruction_set set, ptrdiff_t count, const float *x, float *y);

/// y[i] = tanh(x[i]) with the fast tanh of the LSTM cell (see fk_lstm_cell_forward).
void fk_tanh(fk_instruction_set set, ptrdiff_t count, const float *x, float *y);

/// One LSTM time step after the gate products, in one pass over the gate tile.
///
/// gates: [B, 4H] pre-activations in (gate order i, f, g, o), activations out: i, f, o = σ, g = tanh.
/// previous_cells: c_{t−1} [B, H]; cells: c_t = f ⊙ c_{t−1} + i ⊙ g [B, H]; tanh_cells: tanh(c_t) [B, H];
/// hidden: h_t = o ⊙ tanh(c_t) [B, H]. All rows contiguous.
/// σ and tanh are computed from a range-reduced exponential (Cephes' polynomial) and one division,
/// with a few ulps of error; the bounds are stated and tested in ForecastKernels (FastActivations).
void fk_lstm_cell_forward(fk_instruction_set set, ptrdiff_t batch, ptrdiff_t hidden_size,
                          float *gates, const float *previous_cells, float *cells,
                          float *tanh_cells, float *hidden);

/// A point where `parties` threads wait for each other, reusable from one step to the next. Its
/// counters sit on cache lines of their own; a waiting thread spins (yielding the core after a
/// while, in case the machine has more threads than cores), so that passing the barrier costs tens
/// of nanoseconds when every party is running.
typedef struct fk_barrier fk_barrier;

/// A barrier for `parties` threads, or NULL when memory is short.
fk_barrier *fk_barrier_create(int parties);

void fk_barrier_destroy(fk_barrier *barrier);

/// Returns once every party has called it; with NULL or a single party, at once. Writes made before
/// the call by any party are visible to every party after it.
void fk_barrier_wait(fk_barrier *barrier);

/// A count of completed steps that one thread raises and others wait on: how a layer tells the layer
/// above, running on another core, how far its outputs are written. On a cache line of its own.
typedef struct fk_step_counter fk_step_counter;

/// A counter at 0, or NULL when memory is short.
fk_step_counter *fk_step_counter_create(void);

void fk_step_counter_destroy(fk_step_counter *counter);

/// Sets the count back to 0 (while no thread uses the counter).
void fk_step_counter_reset(fk_step_counter *counter);

/// Raises the count to `steps`; writes made before are visible to a thread whose wait it ends.
void fk_step_counter_publish(fk_step_counter *counter, ptrdiff_t steps);

/// Returns once the count has reached `steps` (at once with NULL), spinning, then yielding the core.
void fk_step_counter_wait(const fk_step_counter *counter, ptrdiff_t steps);

/// Spins politely for a moment: the CPU's pause hint where it has one.
static inline void fk_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// A block of B rows through every layer, one step at a time, keeping only each layer's state: the
/// inference of a batch. At each step every layer in turn computes its gates (fk_lstm_gates, the
/// input being x_t or the h_t the layer below has just computed) and its cell (fk_lstm_cell_forward).
/// A layer whose initial h is all zero skips h·W_hhᵀ at the first step, which would add only zeros:
/// the outputs are the same bits as with the product.
///
/// input: [T, B, I], time-major; input_weights[k], hidden_weights[k], biases[k]: layer k's W_ihᵀ
/// [I or H, 4H], W_hhᵀ [H, 4H] and b_ih + b_hh [4H]; hidden and cells: [L, B, H], every layer's
/// h and c, the initial state in and the final state out; gates [B, 4H] and tanh_cells [B, H]:
/// scratch; outputs: [T, B, H], the last layer's h at every step, or NULL.
void fk_lstm_stream_block(fk_instruction_set set, ptrdiff_t layers, ptrdiff_t time, ptrdiff_t batch,
                          ptrdiff_t input_size, ptrdiff_t hidden_size, const float *input,
                          const float *const *input_weights, const float *const *hidden_weights,
                          const float *const *biases, float *hidden, float *cells, float *gates,
                          float *tanh_cells, float *outputs);

/// One window (batch 1) through one LSTM layer, computed by one thread for its share of the hidden
/// units, [unit_start, unit_start + unit_count) of H, while other threads may compute the other
/// shares (meeting at `barrier` after every step) or the layers below and above (the layers of a
/// window as a pipeline across cores, each following the one below, never in lockstep):
///
///   for each chunk of `chunk` steps [t0, t1) (all T at once when chunk < 1):
///     wait until `below` has counted t1 steps (input rows written; NULL when the input is all there)
///     gates[t0 ..< t1] = bias + input[t0 ..< t1] · input_weights            (one product)
///     for each step t: gates_t += h_{t−1} · hidden_weights; the cell update of the share's units
///       writes their c_t and h_t; count t + 1 on `done`; wait at `barrier` (each may be NULL)
///
/// input rows [T, I] are input_stride apart. input_weights [I, 4u] and bias [4u] hold the share's
/// columns of W_ihᵀ and b_ih + b_hh, gate by gate (i, f, g, o, each u columns); packed_input_weights,
/// when not NULL, must be exactly fk_pack_b(set, input_size, 4u, input_weights, 4u, 1, ·) with the
/// same `set`: the input projection then reads those panels instead of input_weights in place (which
/// the AVX2 product copies into such panels at every call once 4u ≥ 512); the same bits either way. hidden_weights holds
/// the share's columns of W_hhᵀ, [H, 4u], in panels of `panel_width` columns: panel q is columns
/// [q·P, min((q + 1)·P, 4u)) of every row, its rows contiguous, panel after panel (a panel width of
/// 4u or more, or below 1: the plain [H, 4u] layout). Each step reads each panel in address order,
/// the panels in alternating order from step to step (so those read last are still in cache);
/// fk_window_panel_width gives the width that suits an instruction set, and fk_window_panels lays a
/// matrix out. hidden and cells are [T + 1, H] with rows state_stride apart, shared by the threads:
/// row 0 holds h_{−1} and c_{−1}, row t + 1 receives h_t and c_t (so no thread waits to overwrite a
/// row another may still read). gates [T, 4u] and tanh_cells [u] are the thread's own. Each element
/// is the chain bias, then the input's multiply-adds, then h's, as in fk_lstm_gates, so neither the
/// split into shares, nor the chunks, nor the panel width change a bit of the result.
void fk_lstm_window_layer(fk_instruction_set set, ptrdiff_t time, ptrdiff_t input_size, const float *input,
                          ptrdiff_t input_stride, ptrdiff_t hidden_size, ptrdiff_t unit_start, ptrdiff_t unit_count,
                          const float *input_weights, const float *packed_input_weights, const float *hidden_weights,
                          ptrdiff_t panel_width, const float *bias, float *gates, float *tanh_cells, float *hidden,
                          float *cells, ptrdiff_t state_stride, ptrdiff_t chunk, const fk_step_counter *below,
                          fk_step_counter *done, fk_barrier *barrier);

/// The panel width of W_hhᵀ in fk_lstm_window_layer that suits `set`: the columns of one row its
/// single-row product holds in registers (96 floats on AVX2, 256 on AVX-512, 64 on NEON, 32 on the baseline).
ptrdiff_t fk_window_panel_width(fk_instruction_set set);

/// Lays out `matrix` [rows, columns] (rows contiguous) in panels of `panel_width` columns, as
/// fk_lstm_window_layer reads W_hhᵀ, into `panels` (rows × columns floats).
void fk_window_panels(ptrdiff_t rows, ptrdiff_t columns, const float *matrix, ptrdiff_t panel_width, float *panels);

/// The backward pass of fk_lstm_cell_forward for one time step.
///
/// gates: [B, 4H] saved activations; previous_cells: c_{t−1} [B, H]; tanh_cells: tanh(c_t) [B, H];
/// hidden_gradient: dL/dh_t [B, H]; cell_gradient: [B, H], dL/dc_t from step t+1 in, dL/dc_{t−1} out;
/// gate_gradients: [B, 4H] pre-activation gradients out; it may be `gates` itself (each vector of the
/// four gates is read before their gradients are written).
void fk_lstm_cell_backward(fk_instruction_set set, ptrdiff_t batch, ptrdiff_t hidden_size,
                           const float *gates, const float *previous_cells, const float *tanh_cells,
                           const float *hidden_gradient, float *cell_gradient, float *gate_gradients);

/// One Adam (AdamW when `decoupled` is non-zero) step over `count` parameters, PyTorch's update rule:
/// g += λp (Adam) or p ×= 1 − lr·λ (AdamW); m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²;
/// p −= step_size · m / (√v / bias_correction2_root + ε).
void fk_adam_update(fk_instruction_set set, ptrdiff_t count, float *values, const float *gradients,
                    float *first_moments, float *second_moments, float step_size, float bias_correction2_root,
                    float learning_rate, float beta1, float beta2, float epsilon, float weight_decay, int decoupled);

#endif
