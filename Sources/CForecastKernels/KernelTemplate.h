// The fast kernels, written once with Clang's vector extensions and compiled once per instruction
// set: KernelsAVX512.c, KernelsAVX2.c, KernelsNEON.c and KernelsBaseline.c each define the vector width and the
// tile shape, mark every function with their `target` attribute, and include this file.
//
// Before including, define:
//   FK_WIDTH            floats per vector (16, 8, 4)
//   FK_TILE_ROWS        rows of C held in registers by the product tile (MR)
//   FK_TILE_VECTORS     vectors per row of the tile, so the tile is MR × (FK_TILE_VECTORS · FK_WIDTH)
//   FK_ROW_VECTORS      vectors of y the single-row product keeps in registers
//   FK_NAME(name)       the name with the instruction set's suffix
//
// Multiply-adds are written `acc += a * b`; C's FP_CONTRACT makes them fused where the target has
// FMA (AVX2, AVX-512, every arm64 CPU) and leaves a rounded multiply and add elsewhere. Either way every path of one
// build computes an element with the same sequence of operations, so results are repeatable.
#pragma STDC FP_CONTRACT ON

#include "CForecastKernels.h"
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef float fk_vector __attribute__((ext_vector_type(FK_WIDTH)));
typedef float fk_unaligned_vector __attribute__((ext_vector_type(FK_WIDTH), aligned(4)));
typedef int32_t fk_int_vector __attribute__((ext_vector_type(FK_WIDTH)));

#define FK_TILE_COLUMNS (FK_TILE_VECTORS * FK_WIDTH)
#define FK_INLINE static inline __attribute__((always_inline))
/// The depth of a packed panel of B: KC × NR floats on the stack.
#define FK_PANEL_DEPTH 256

FK_INLINE fk_vector fk_load(const float *p) { return *(const fk_unaligned_vector *)p; }
FK_INLINE void fk_store(float *p, fk_vector v) { *(fk_unaligned_vector *)p = v; }
FK_INLINE ptrdiff_t fk_min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }

// MARK: - Matrix product

// The register tile: C[rows × NR] (+)= A[rows × K] · B[K × NR], B rows `ldb` apart, C rows `ldc` apart.
// The accumulators start from C, or (from_zero) from `start_row` [NR] in every row, or from 0.
// `rows` ≤ MR is a constant wherever this is inlined, so the loops unroll and the accumulators stay in
// registers. A is read as a[i * lda + p] (row-major) or a[p * lda + i] (column-major, for Aᵀ).
FK_INLINE void FK_NAME(tile_start)(const int rows, fk_vector acc[FK_TILE_ROWS][FK_TILE_VECTORS],
                                   const float *c, ptrdiff_t ldc, int from_zero, const float *start_row) {
#pragma clang loop unroll(full)
    for (int i = 0; i < FK_TILE_ROWS; i++) {
#pragma clang loop unroll(full)
        for (int v = 0; v < FK_TILE_VECTORS; v++) {
            if (i < rows) {
                acc[i][v] = !from_zero ? fk_load(c + i * ldc + v * FK_WIDTH)
                          : start_row ? fk_load(start_row + v * FK_WIDTH) : (fk_vector)0;
            }
        }
    }
}

// acc[rows × NR] += A[rows × K] · B[K × NR]: the multiply-adds, p = 0 … K−1 in order.
FK_INLINE void FK_NAME(tile_multiply)(const int rows, const int a_column_major, ptrdiff_t k,
                                      const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                                      fk_vector acc[FK_TILE_ROWS][FK_TILE_VECTORS]) {
    for (ptrdiff_t p = 0; p < k; p++) {
        fk_vector bp[FK_TILE_VECTORS];
#pragma clang loop unroll(full)
        for (int v = 0; v < FK_TILE_VECTORS; v++) bp[v] = fk_load(b + p * ldb + v * FK_WIDTH);
#pragma clang loop unroll(full)
        for (int i = 0; i < FK_TILE_ROWS; i++) {
            if (i < rows) {
                fk_vector aip = (fk_vector)(a_column_major ? a[p * lda + i] : a[i * lda + p]);
#pragma clang loop unroll(full)
                for (int v = 0; v < FK_TILE_VECTORS; v++) acc[i][v] += aip * bp[v];
            }
        }
    }
}

FK_INLINE void FK_NAME(tile_store)(const int rows, fk_vector acc[FK_TILE_ROWS][FK_TILE_VECTORS], float *c, ptrdiff_t ldc) {
#pragma clang loop unroll(full)
    for (int i = 0; i < FK_TILE_ROWS; i++) {
#pragma clang loop unroll(full)
        for (int v = 0; v < FK_TILE_VECTORS; v++) {
            if (i < rows) fk_store(c + i * ldc + v * FK_WIDTH, acc[i][v]);
        }
    }
}

FK_INLINE void FK_NAME(tile)(const int rows, const int a_column_major, ptrdiff_t k,
                             const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                             float *c, ptrdiff_t ldc, int from_zero, const float *start_row) {
    fk_vector acc[FK_TILE_ROWS][FK_TILE_VECTORS];
    FK_NAME(tile_start)(rows, acc, c, ldc, from_zero, start_row);
    FK_NAME(tile_multiply)(rows, a_column_major, k, a, lda, b, ldb, acc);
    FK_NAME(tile_store)(rows, acc, c, ldc);
}

// The gate tile of an LSTM step: C[rows × NR] = start_row + A1·B1 + A2·B2 with the accumulators in
// registers from start to end (A1, A2 row-major): the same chain per element as three separate passes.
FK_INLINE void FK_NAME(gate_tile)(const int rows,
                                  ptrdiff_t k1, const float *a1, ptrdiff_t lda1, const float *b1, ptrdiff_t ldb1,
                                  ptrdiff_t k2, const float *a2, ptrdiff_t lda2, const float *b2, ptrdiff_t ldb2,
                                  const float *start_row, float *c, ptrdiff_t ldc) {
    fk_vector acc[FK_TILE_ROWS][FK_TILE_VECTORS];
    FK_NAME(tile_start)(rows, acc, c, ldc, 1, start_row);
    FK_NAME(tile_multiply)(rows, 0, k1, a1, lda1, b1, ldb1, acc);
    FK_NAME(tile_multiply)(rows, 0, k2, a2, lda2, b2, ldb2, acc);
    FK_NAME(tile_store)(rows, acc, c, ldc);
}

#define FK_TILE_CASE(r) case r: FK_NAME(tile)(r, column_major, k, a, lda, b, ldb, c, ldc, from_zero, start_row); break;
// CASE(1) … CASE(MR): one specialised copy per row count.
#if FK_TILE_ROWS == 8
#define FK_FOR_EACH_ROW_COUNT(CASE) CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#elif FK_TILE_ROWS == 6
#define FK_FOR_EACH_ROW_COUNT(CASE) CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6)
#elif FK_TILE_ROWS == 4
#define FK_FOR_EACH_ROW_COUNT(CASE) CASE(1) CASE(2) CASE(3) CASE(4)
#else
#error "FK_TILE_ROWS must be 4, 6 or 8"
#endif

// One tile of `rows` ≤ MR rows, with a specialised copy for each row count and each layout of A.
static void FK_NAME(tile_rows)(int rows, int a_column_major, ptrdiff_t k, const float *a, ptrdiff_t lda,
                               const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, int from_zero,
                               const float *start_row) {
    if (a_column_major) {
        const int column_major = 1;
        switch (rows) { FK_FOR_EACH_ROW_COUNT(FK_TILE_CASE) }
    } else {
        const int column_major = 0;
        switch (rows) { FK_FOR_EACH_ROW_COUNT(FK_TILE_CASE) }
    }
}

#define FK_GATE_CASE(r) case r: FK_NAME(gate_tile)(r, k1, a1, lda1, b1, ldb1, k2, a2, lda2, b2, ldb2, start_row, c, ldc); break;
static void FK_NAME(gate_tile_rows)(int rows, ptrdiff_t k1, const float *a1, ptrdiff_t lda1, const float *b1, ptrdiff_t ldb1,
                                    ptrdiff_t k2, const float *a2, ptrdiff_t lda2, const float *b2, ptrdiff_t ldb2,
                                    const float *start_row, float *c, ptrdiff_t ldc) {
    switch (rows) { FK_FOR_EACH_ROW_COUNT(FK_GATE_CASE) }
}

// y[1 × N] (+)= x[1 × K] · B[K × N] (+ x2[1 × K2] · B2[K2 × N]), x(p) = x[p * x_stride], B rows
// contiguous: the product for a single row (batch 1). Each element of B is used once, so this
// streams B from cache: with FK_ROW_VECTORS vectors of y in registers (a whole row of W_hhᵀ for
// H = 64 on AVX-512) B is read row after row, in address order. Same chain per element as the tile.
FK_INLINE void FK_NAME(vector_multiply)(const int wide, ptrdiff_t k, const float *x, ptrdiff_t x_stride,
                                        const float *b, ptrdiff_t ldb, fk_vector *acc) {
    for (ptrdiff_t p = 0; p < k; p++) {
        fk_vector xp = (fk_vector)(x[p * x_stride]);
        const float *row = b + p * ldb;
#pragma clang loop unroll(full)
        for (int v = 0; v < wide; v++) acc[v] += xp * fk_load(row + v * FK_WIDTH);
    }
}

// WIDE vectors of y from j0 on: the accumulators start from y, from start_row or from 0, take the
// multiply-adds of x·B then of x2·B2, and are stored. `wide` is a constant wherever this is inlined.
FK_INLINE void FK_NAME(vector_block)(const int wide, ptrdiff_t j0, ptrdiff_t k, const float *x, ptrdiff_t x_stride,
                                     const float *b, ptrdiff_t ldb, ptrdiff_t k2, const float *x2, ptrdiff_t x2_stride,
                                     const float *b2, ptrdiff_t ldb2, float *y, int accumulate, const float *start_row) {
    fk_vector acc[FK_ROW_VECTORS];
#pragma clang loop unroll(full)
    for (int v = 0; v < wide; v++) {
        acc[v] = accumulate ? fk_load(y + j0 + v * FK_WIDTH) : start_row ? fk_load(start_row + j0 + v * FK_WIDTH) : (fk_vector)0;
    }
    FK_NAME(vector_multiply)(wide, k, x, x_stride, b + j0, ldb, acc);
    FK_NAME(vector_multiply)(wide, k2, x2, x2_stride, b2 + j0, ldb2, acc);
#pragma clang loop unroll(full)
    for (int v = 0; v < wide; v++) fk_store(y + j0 + v * FK_WIDTH, acc[v]);
}

_Static_assert(FK_ROW_VECTORS == 8 || FK_ROW_VECTORS == 12 || FK_ROW_VECTORS == 16,
               "vector_product has block cases for 8, 12 or 16 vectors of y in registers");
#define FK_VECTOR_BLOCK_CASE(w) case w: FK_NAME(vector_block)(w, j0, k, x, x_stride, b, ldb, k2, x2, x2_stride, b2, ldb2, \
                                                               y, accumulate, start_row); break;
static void FK_NAME(vector_product)(ptrdiff_t n, ptrdiff_t k, const float *x, ptrdiff_t x_stride,
                                    const float *b, ptrdiff_t ldb,
                                    ptrdiff_t k2, const float *x2, ptrdiff_t x2_stride, const float *b2, ptrdiff_t ldb2,
                                    float *y, int accumulate, const float *start_row) {
    // The whole vectors of y in as few blocks as the registers allow, of as equal widths as can be
    // (256 floats on AVX2: 11 + 11 + 10 vectors, not 12 + 12 + 6 + 1 + 1), so that every block keeps
    // many independent chains of multiply-adds in flight: a narrow block waits on the latency of
    // its chains, and every block reads x again.
    const ptrdiff_t vectors = n / FK_WIDTH, blocks = (vectors + FK_ROW_VECTORS - 1) / FK_ROW_VECTORS;
    ptrdiff_t j0 = 0;
    for (ptrdiff_t q = 0; q < blocks; q++) {
        const int wide = (int)(vectors / blocks + (q < vectors % blocks));
        switch (wide) {
            FK_VECTOR_BLOCK_CASE(1) FK_VECTOR_BLOCK_CASE(2) FK_VECTOR_BLOCK_CASE(3) FK_VECTOR_BLOCK_CASE(4)
            FK_VECTOR_BLOCK_CASE(5) FK_VECTOR_BLOCK_CASE(6) FK_VECTOR_BLOCK_CASE(7) FK_VECTOR_BLOCK_CASE(8)
#if FK_ROW_VECTORS > 8
            FK_VECTOR_BLOCK_CASE(9) FK_VECTOR_BLOCK_CASE(10) FK_VECTOR_BLOCK_CASE(11) FK_VECTOR_BLOCK_CASE(12)
#endif
#if FK_ROW_VECTORS > 12
            FK_VECTOR_BLOCK_CASE(13) FK_VECTOR_BLOCK_CASE(14) FK_VECTOR_BLOCK_CASE(15) FK_VECTOR_BLOCK_CASE(16)
#endif
        }
        j0 += wide * FK_WIDTH;
    }
    for (; j0 < n; j0++) {
        float acc = accumulate ? y[j0] : start_row ? start_row[j0] : 0;
        for (ptrdiff_t p = 0; p < k; p++) acc += x[p * x_stride] * b[p * ldb + j0];
        for (ptrdiff_t p = 0; p < k2; p++) acc += x2[p * x2_stride] * b2[p * ldb2 + j0];
        y[j0] = acc;
    }
}

// Copies B[p0 ..< p0+kc, j0 ..< j0+nr] into panel[kc × NR], zero beyond column nr, so that the tile
// can read it as contiguous rows (B transposed or a narrow last block of columns).
static void FK_NAME(pack_panel)(const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs, ptrdiff_t p0, ptrdiff_t kc,
                                ptrdiff_t j0, ptrdiff_t nr, float *panel) {
    if (nr < FK_TILE_COLUMNS) {
        for (ptrdiff_t p = 0; p < kc; p++) {
            for (ptrdiff_t j = nr; j < FK_TILE_COLUMNS; j++) panel[p * FK_TILE_COLUMNS + j] = 0;
        }
    }
    if (b_cs == 1 && nr == FK_TILE_COLUMNS) {
        // A fixed size: a few vector moves in line, not a call to memcpy per row.
        for (ptrdiff_t p = 0; p < kc; p++) memcpy(panel + p * FK_TILE_COLUMNS, b + (p0 + p) * b_rs + j0, FK_TILE_COLUMNS * sizeof(float));
    } else if (b_cs == 1) {
        for (ptrdiff_t p = 0; p < kc; p++) memcpy(panel + p * FK_TILE_COLUMNS, b + (p0 + p) * b_rs + j0, (size_t)nr * sizeof(float));
    } else {
        for (ptrdiff_t j = 0; j < nr; j++) {
            const float *column = b + (j0 + j) * b_cs + p0 * b_rs;
            for (ptrdiff_t p = 0; p < kc; p++) panel[p * FK_TILE_COLUMNS + j] = column[p * b_rs];
        }
    }
}

/// Floats between consecutive panels of packed A: the panel plus one cache line, so that panels do
/// not start a multiple of 4 KiB apart (which would put the writes to all of them in one cache set).
#define FK_PANEL_STRIDE(depth) ((depth) * FK_TILE_ROWS + 16)

// Copies A[0 ..< rows, 0 ..< depth] of a column-major A (element (i, p) at a[p * lda + i]) into
// panels of MR rows: panel q holds A(q·MR + i, p) at panels[q * FK_PANEL_STRIDE(depth) + p * MR + i],
// zero beyond the last row. Row p of A is read once, in address order.
static void FK_NAME(pack_column_major_a)(const float *a, ptrdiff_t lda, ptrdiff_t rows, ptrdiff_t depth, float *panels) {
    const ptrdiff_t full = rows / FK_TILE_ROWS * FK_TILE_ROWS, stride = FK_PANEL_STRIDE(depth);
    for (ptrdiff_t p = 0; p < depth; p++) {
        const float *row = a + p * lda;
        ptrdiff_t i0 = 0;
        for (; i0 < full; i0 += FK_TILE_ROWS) {
            memcpy(panels + i0 / FK_TILE_ROWS * stride + p * FK_TILE_ROWS, row + i0, FK_TILE_ROWS * sizeof(float));  // a fixed size: a few moves
        }
        if (i0 < rows) {
            float *panel_row = panels + i0 / FK_TILE_ROWS * stride + p * FK_TILE_ROWS;
            for (ptrdiff_t i = 0; i < FK_TILE_ROWS; i++) panel_row[i] = i0 + i < rows ? row[i0 + i] : 0;
        }
    }
}

/// Rows of A packed at a time when A is column-major (Aᵀ·B, the weight gradients): a whole number of panels.
#define FK_PACKED_ROWS (256 / FK_TILE_ROWS * FK_TILE_ROWS)
#define FK_PACKED_DEPTH 256

/// Columns of B packed at a time when its rows are far apart (FK_PACK_B_ROWS_APART): a whole number of
/// tile widths, so that each row of B is read as several consecutive cache lines of one page.
#define FK_PACKED_COLUMNS (128 / FK_TILE_COLUMNS * FK_TILE_COLUMNS)
/// Floats of the thread's packing buffer: panels of A (FK_PACKED_ROWS rows, FK_PACKED_DEPTH deep),
/// then a block of B (FK_PANEL_DEPTH deep, FK_PACKED_COLUMNS wide, as panels of one tile width).
#define FK_PACKED_A_FLOATS (FK_PACKED_ROWS / FK_TILE_ROWS * FK_PANEL_STRIDE(FK_PACKED_DEPTH))
#define FK_PACKED_B_FLOATS (FK_PANEL_DEPTH * FK_PACKED_COLUMNS)

// The calling thread's buffer under `key` (a key whose destructor is `fk_free_thread_buffer`), grown
// to at least `floats` when smaller, kept, and freed when the thread ends (threads of a pool come and
// go); NULL if that failed. The floats handed out are 64-byte aligned; the capacity is kept in the
// cache line before them.
static float *fk_thread_buffer(pthread_key_t key, size_t floats) {
    float *buffer = pthread_getspecific(key);
    if (buffer && *(size_t *)buffer >= floats) return buffer + 16;
    free(buffer);
    pthread_setspecific(key, NULL);  // never left pointing at freed memory, whatever follows
    void *memory = NULL;
    if (posix_memalign(&memory, 64, (floats + 16) * sizeof(float)) != 0) memory = NULL;
    if (memory) *(size_t *)memory = floats;
    if (pthread_setspecific(key, memory) != 0) { free(memory); memory = NULL; }
    return memory ? (float *)memory + 16 : NULL;
}
static void fk_free_thread_buffer(void *buffer) { free(buffer); }

// Defines FK_NAME(NAME_buffer)(size_t floats): fk_thread_buffer under a key of its own, made once.
#define FK_THREAD_BUFFER(NAME) \
    static pthread_key_t FK_NAME(NAME##_key); \
    static pthread_once_t FK_NAME(NAME##_key_once) = PTHREAD_ONCE_INIT; \
    static void FK_NAME(make_##NAME##_key)(void) { pthread_key_create(&FK_NAME(NAME##_key), fk_free_thread_buffer); } \
    static float *FK_NAME(NAME##_buffer)(size_t floats) { \
        pthread_once(&FK_NAME(NAME##_key_once), FK_NAME(make_##NAME##_key)); \
        return fk_thread_buffer(FK_NAME(NAME##_key), floats); \
    }

// This thread's packing buffer (FK_PACKED_A_FLOATS + FK_PACKED_B_FLOATS); NULL if it could not be made.
FK_THREAD_BUFFER(panels)
static float *FK_NAME(packing_buffer)(void) { return FK_NAME(panels_buffer)(FK_PACKED_A_FLOATS + FK_PACKED_B_FLOATS); }

// The rows of the next tile when `remaining` rows are left: MR, except where the last tile would
// have too few rows to keep the multiply-add units busy (two rows of the AVX2 tile hold 4
// accumulators, half of what the latency of its FMA needs): then the last MR + r rows are split
// into two tiles of nearly equal height. Each row's chain is the same whatever tile computes it.
FK_INLINE int FK_NAME(tile_height)(ptrdiff_t remaining, int balance) {
#if FK_BALANCED_TAIL
    if (balance && remaining > FK_TILE_ROWS && remaining < FK_TILE_ROWS + FK_TILE_ROWS / 2) return (int)((remaining + 1) / 2);
#else
    (void)balance;
#endif
    return (int)fk_min(FK_TILE_ROWS, remaining);
}

// The tiles of C[i0 ..< i0+rows_total, j0 ..< j0+cols] for one depth block: C (+)= A·panel, where A is
// read as column-major or row-major with `lda` and the panel holds `kc` rows of B `ldb` apart. A's
// row i starts at a + i * a_row_step, or (a_row_step 0: packed panels of MR rows) in panel i / MR.
static void FK_NAME(tile_block)(ptrdiff_t rows_total, ptrdiff_t kc, int a_column_major, const float *a, ptrdiff_t lda,
                                ptrdiff_t a_panel_stride, ptrdiff_t a_row_step, const float *panel_rows, ptrdiff_t ldb,
                                ptrdiff_t nr, float *c, ptrdiff_t c_rs, ptrdiff_t c_cs, int from_zero,
                                const float *start_row) {
    float local[FK_TILE_ROWS * FK_TILE_COLUMNS] __attribute__((aligned(64)));
    const int c_direct = c_cs == 1 && nr == FK_TILE_COLUMNS;
    for (ptrdiff_t i0 = 0, rows; i0 < rows_total; i0 += rows) {
        rows = FK_NAME(tile_height)(rows_total - i0, a_row_step != 0);
        const float *a_block = a_row_step ? a + i0 * a_row_step : a + (i0 / FK_TILE_ROWS) * a_panel_stride;
        float *c_block = c + i0 * c_rs;
        if (c_direct) {
            if (!from_zero && i0 + FK_TILE_ROWS < rows_total) {
                // The next tile starts by loading its C, which may come from far in memory (the gates of
                // a step written long before): ask for it now, while this tile computes.
                for (int i = 0; i < FK_TILE_ROWS; i++) {
                    for (int v = 0; v < FK_TILE_COLUMNS; v += 16) __builtin_prefetch(c_block + (FK_TILE_ROWS + i) * c_rs + v, 0, 3);
                }
            }
            FK_NAME(tile_rows)((int)rows, a_column_major, kc, a_block, lda, panel_rows, ldb, c_block, c_rs, from_zero, start_row);
        } else {
            for (int i = 0; i < rows; i++) {
                for (ptrdiff_t j = 0; j < FK_TILE_COLUMNS; j++) {
                    local[i * FK_TILE_COLUMNS + j] = j >= nr ? 0 : !from_zero ? c_block[i * c_rs + j * c_cs]
                                                   : start_row ? start_row[j] : 0;
                }
            }
            FK_NAME(tile_rows)((int)rows, a_column_major, kc, a_block, lda, panel_rows, ldb, local, FK_TILE_COLUMNS, 0, NULL);
            for (int i = 0; i < rows; i++) {
                for (ptrdiff_t j = 0; j < nr; j++) c_block[i * c_rs + j * c_cs] = local[i * FK_TILE_COLUMNS + j];
            }
        }
    }
}

// C(i, j) = c[i * c_rs + j * c_cs]; see fk_matrix_product for A and B.
//
// Loops, outermost first: depth blocks of K (so C is loaded and stored once per block, continuing each
// element's chain exactly), blocks of rows of A, columns of C by tile width, rows by tile height.
// B is read in place when its rows are contiguous and hold a whole tile width, otherwise through a
// panel on the stack. A column-major A is first packed into row panels, so that the tiles read it
// contiguously instead of one cache line (and one page) per step of p.
static void FK_NAME(product)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                             const float *a, ptrdiff_t a_rs, ptrdiff_t a_cs,
                             const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs,
                             float *c, ptrdiff_t c_rs, ptrdiff_t c_cs, int accumulate, const float *start_row) {
    if (m == 1 && b_cs == 1 && c_cs == 1) {
        FK_NAME(vector_product)(n, k, a, a_cs, b, b_rs, 0, NULL, 0, NULL, 0, c, accumulate, start_row);
        return;
    }
    const int a_column_major = a_cs != 1;
    const ptrdiff_t lda = a_column_major ? a_cs : a_rs;
    // Pack a column-major A when its rows are FK_PACK_A_ROWS_APART floats or more apart (2 KiB unless
    // the instruction set's file says otherwise): then each step of p would touch a new page and the
    // same few cache sets. (Closer rows are read well enough in place, and packing costs more than it
    // saves when C has few columns.)
#ifndef FK_PACK_A_ROWS_APART
#define FK_PACK_A_ROWS_APART 512
#endif
    const int pack_a = a_column_major && m > FK_TILE_ROWS && lda >= FK_PACK_A_ROWS_APART;
#ifdef FK_PACK_B_ROWS_APART
    // B's rows far apart (FK_PACK_B_ROWS_APART floats or more): a tile reads a column block of B one
    // cache line per row, each on a page of its own, and these lines share the few sets of L1 and L2
    // that their offset in the page allows: a block deeper than those sets hold comes from L3 again
    // for every tile. When several tiles use it, copy B in blocks of FK_PACKED_COLUMNS columns (each
    // row read as consecutive lines of one page) into panels that stay in cache.
    const int pack_b = b_cs == 1 && b_rs >= FK_PACK_B_ROWS_APART && m > FK_TILE_ROWS;
#else
    const int pack_b = 0;
#endif
    float *buffer = pack_a || pack_b ? FK_NAME(packing_buffer)() : NULL;
    float *a_panels = pack_a ? buffer : NULL;
    float *b_block = pack_b && buffer ? buffer + FK_PACKED_A_FLOATS : NULL;
    // A stack panel of B holds at most FK_PANEL_DEPTH rows (and FK_PACKED_DEPTH is smaller).
    const int needs_b_panel = b_cs != 1 || n % FK_TILE_COLUMNS != 0 || b_block;
#ifdef FK_DEPTH_BLOCK_B_ROWS_APART
    // B in place with rows this far apart: a tile's column block, one line per row, fits the sets of L2
    // its page offsets allow only FK_PANEL_DEPTH rows deep; deeper, it would come from L3 for every tile.
    const int block_depth = b_cs == 1 && b_rs >= FK_DEPTH_BLOCK_B_ROWS_APART && m > FK_TILE_ROWS;
#else
    const int block_depth = 0;
#endif
    const ptrdiff_t depth_block = a_panels ? FK_PACKED_DEPTH : needs_b_panel || block_depth ? FK_PANEL_DEPTH : k;
    const ptrdiff_t row_block = a_panels || b_block ? FK_PACKED_ROWS : m;
    // Columns taken per pass over the rows: a packed block of B, or all of them.
    const ptrdiff_t column_block = b_block ? FK_PACKED_COLUMNS : n;
    float panel[FK_PANEL_DEPTH * FK_TILE_COLUMNS] __attribute__((aligned(64)));
    for (ptrdiff_t p0 = 0; p0 < k; p0 += depth_block) {
        const ptrdiff_t kc = fk_min(depth_block, k - p0);
        const int from_zero = !accumulate && p0 == 0;
        for (ptrdiff_t jc = 0; jc < n; jc += column_block) {
            const ptrdiff_t nc = fk_min(column_block, n - jc);
            if (b_block) {
                for (ptrdiff_t j0 = jc; j0 < jc + nc; j0 += FK_TILE_COLUMNS) {
                    FK_NAME(pack_panel)(b, b_rs, b_cs, p0, kc, j0, fk_min(FK_TILE_COLUMNS, n - j0),
                                        b_block + (j0 - jc) * kc);
                }
            }
            for (ptrdiff_t i0 = 0; i0 < m; i0 += row_block) {
                const ptrdiff_t mc = fk_min(row_block, m - i0);
                // A's rows for this block: packed panels (MR rows, kc deep) or A in place.
                const float *a_rows = a + i0 * a_rs + p0 * a_cs;
                ptrdiff_t a_lda = lda, a_panel_stride = FK_TILE_ROWS * a_rs, a_row_step = a_rs;
                if (a_panels) {
                    FK_NAME(pack_column_major_a)(a_rows, lda, mc, kc, a_panels);
                    a_rows = a_panels;
                    a_lda = FK_TILE_ROWS;
                    a_panel_stride = FK_PANEL_STRIDE(kc);
                    a_row_step = 0;
                }
                for (ptrdiff_t j0 = jc; j0 < jc + nc; j0 += FK_TILE_COLUMNS) {
                    const ptrdiff_t nr = fk_min(FK_TILE_COLUMNS, n - j0);
                    const float *panel_rows = b + p0 * b_rs + j0;
                    ptrdiff_t ldb = b_rs;
                    if (b_block) {
                        panel_rows = b_block + (j0 - jc) * kc;
                        ldb = FK_TILE_COLUMNS;
                    } else if (!(b_cs == 1 && nr == FK_TILE_COLUMNS)) {
                        FK_NAME(pack_panel)(b, b_rs, b_cs, p0, kc, j0, nr, panel);
                        panel_rows = panel;
                        ldb = FK_TILE_COLUMNS;
                    }
                    FK_NAME(tile_block)(mc, kc, a_column_major, a_rows, a_lda, a_panel_stride, a_row_step, panel_rows,
                                        ldb, nr, c + i0 * c_rs + j0 * c_cs, c_rs, c_cs, from_zero,
                                        start_row ? start_row + j0 : NULL);
                }
            }
        }
    }
}

#if FK_BLOCKED_PRODUCT
// MARK: - Blocked product (both operands packed)
//
// For large products whose operands are far apart in memory (Aᵀ with rows FK_PACK_A_ROWS_APART or more
// apart: the weight gradients; B with rows FK_PACK_B_ROWS_APART or more apart: the input projection at
// hidden 256), as GotoBLAS and BLIS block them: for each depth block of FK_BLOCK_DEPTH rows of B, the
// block of B [kc × nc] is packed once into panels of one tile width (kc × NR, contiguous: a panel stays
// in L1 while every tile of a block of rows uses it); for each block of FK_BLOCK_ROWS rows of A, A
// [mc × kc] is packed once into panels of MR rows (kc × MR, contiguous: the block stays in L2 while
// every panel of B passes, and each tile reads its panel of A as one stream). Measured on Zen 3 (AVX2)
// at 1024×256×1536 (Aᵀ·B) and 1536×1024×256: the earlier loops packed only one operand and read the
// other in place, from L2 or further (B's rows 1 KiB apart for Aᵀ·B fall into 4 sets of L1).
// Each element of C is still one chain over p = 0 … K−1: the depth blocks go in increasing order, each
// tile continuing C's partial (or starting from 0 / the row vector in the first block).
#ifndef FK_BLOCK_ROWS
#define FK_BLOCK_ROWS (120 / FK_TILE_ROWS * FK_TILE_ROWS)   // A block 120 × 256 floats: 120 KiB of L2
#endif
#ifndef FK_BLOCK_DEPTH
#define FK_BLOCK_DEPTH 256                                  // a panel of B 256 × NR: 16 KiB of L1 on AVX2
#endif
#ifndef FK_BLOCK_COLUMNS
#define FK_BLOCK_COLUMNS 1024                               // B block 256 × 1024 floats: 1 MiB (L3)
#endif
#define FK_BLOCK_MIN_ROWS 64
#ifndef FK_PACK_B_ROWS_APART
#error "FK_BLOCKED_PRODUCT takes B's rows far apart as FK_PACK_B_ROWS_APART: define it too"
#endif
_Static_assert(FK_BLOCK_ROWS % FK_TILE_ROWS == 0 && FK_BLOCK_COLUMNS % FK_TILE_COLUMNS == 0,
               "blocks of whole tiles");

#if FK_WIDTH == 8
// The first two stages of an AVX 8 × 8 transpose of the rows r[0…7], within each 128-bit lane:
// u[j] and u[j + 4] then hold, in their low and high lanes, the columns j and j + 4 of r's lanes
// (the callers' last 128-bit-lane shuffle finishes the transpose). A copy: every value is moved,
// none is computed.
FK_INLINE void FK_NAME(transpose_lanes)(const fk_vector r[8], fk_vector u[8]) {
    fk_vector t[8];
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
#pragma clang loop unroll(full)
    for (int h = 0; h < 8; h += 4) {
        u[h] = __builtin_shufflevector(t[h], t[h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[h + 1] = __builtin_shufflevector(t[h], t[h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[h + 2] = __builtin_shufflevector(t[h + 1], t[h + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[h + 3] = __builtin_shufflevector(t[h + 1], t[h + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
}
#endif

// Copies A[0 ..< rows, 0 ..< depth] of a row-major A (rows lda apart) into panels of MR rows, laid out
// as pack_column_major_a lays them out: A(q·MR + i, p) at panels[q * FK_PANEL_STRIDE(depth) + p * MR + i],
// zero beyond the last row.
#if FK_WIDTH == 8 && FK_TILE_ROWS == 6
// panel[(p0 + j) · 6 + i] = A(i, p0 + j) for the 6 rows of a whole panel and 8 steps of p: the six rows'
// vectors (and two of zeros) transposed in registers as in transpose_block, then each column of 6 stored
// with an 8-wide store whose last 2 floats the next store overwrites (the last 2 of the panel's last
// store land in the padding of FK_PANEL_STRIDE). A copy: every value is moved, none is computed.
FK_INLINE void FK_NAME(pack_six_rows_by_eight)(const float *a, ptrdiff_t lda, float *panel) {
    fk_vector r[8], u[8];
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++) r[i] = fk_load(a + i * lda);
    r[6] = r[7] = (fk_vector)0;
    FK_NAME(transpose_lanes)(r, u);
#pragma clang loop unroll(full)
    for (int j = 0; j < 4; j++) fk_store(panel + j * 6, __builtin_shufflevector(u[j], u[j + 4], 0, 1, 2, 3, 8, 9, 10, 11));
#pragma clang loop unroll(full)
    for (int j = 0; j < 4; j++) fk_store(panel + (j + 4) * 6, __builtin_shufflevector(u[j], u[j + 4], 4, 5, 6, 7, 12, 13, 14, 15));
}
#endif

static void FK_NAME(pack_row_major_a)(const float *a, ptrdiff_t lda, ptrdiff_t rows, ptrdiff_t depth, float *panels) {
    const ptrdiff_t stride = FK_PANEL_STRIDE(depth);
    for (ptrdiff_t i0 = 0; i0 < rows; i0 += FK_TILE_ROWS) {
        float *panel = panels + i0 / FK_TILE_ROWS * stride;
#if FK_WIDTH == 8 && FK_TILE_ROWS == 6
        if (i0 + FK_TILE_ROWS <= rows) {
            // A whole panel: 8 steps of p at a time through registers (measured: the scalar copy took
            // about a tenth of dX = dGates·W_ih at hidden 256), then the last steps one by one.
            ptrdiff_t p = 0;
            for (; p + 8 <= depth; p += 8) FK_NAME(pack_six_rows_by_eight)(a + i0 * lda + p, lda, panel + p * FK_TILE_ROWS);
            for (; p < depth; p++) {
                for (ptrdiff_t i = 0; i < FK_TILE_ROWS; i++) panel[p * FK_TILE_ROWS + i] = a[(i0 + i) * lda + p];
            }
            continue;
        }
#endif
        for (ptrdiff_t i = 0; i < FK_TILE_ROWS; i++) {
            if (i0 + i < rows) {
                const float *row = a + (i0 + i) * lda;
                for (ptrdiff_t p = 0; p < depth; p++) panel[p * FK_TILE_ROWS + i] = row[p];
            } else {
                for (ptrdiff_t p = 0; p < depth; p++) panel[p * FK_TILE_ROWS + i] = 0;
            }
        }
    }
}

// The register tile on packed operands: C[rows × NR] (+)= a_panel[kc × MR] · b_panel[kc × NR], both
// panels contiguous (row p of the tile's A at a_panel + p·MR, of B at b_panel + p·NR), so every load
// has a constant offset and the loop carries two pointers. All MR rows are computed (the panel of A is
// zero beyond `rows`); only `rows` are loaded and stored. The accumulators start from C, or
// (from_zero) from start_row [NR] in every row, or from 0.
static void FK_NAME(packed_tile)(ptrdiff_t kc, const float *a_panel, const float *b_panel, int rows,
                                 float *c, ptrdiff_t ldc, int from_zero, const float *start_row) {
    fk_vector acc[FK_TILE_ROWS][FK_TILE_VECTORS];
#pragma clang loop unroll(full)
    for (int i = 0; i < FK_TILE_ROWS; i++) {
#pragma clang loop unroll(full)
        for (int v = 0; v < FK_TILE_VECTORS; v++) {
            acc[i][v] = from_zero ? (start_row ? fk_load(start_row + v * FK_WIDTH) : (fk_vector)0)
                      : i < rows ? fk_load(c + i * ldc + v * FK_WIDTH) : (fk_vector)0;
        }
    }
    // The panel of A read as a column-major A with its rows MR apart, every row computed.
    FK_NAME(tile_multiply)(FK_TILE_ROWS, 1, kc, a_panel, FK_TILE_ROWS, b_panel, FK_TILE_COLUMNS, acc);
    // Unrolled with a test per row (not a loop to `rows`), so that acc stays in registers.
    FK_NAME(tile_store)(rows, acc, c, ldc);
}

// This thread's buffer for blocked_product, grown to `floats` when smaller (NULL if that failed);
// freed when the thread ends.
FK_THREAD_BUFFER(blocked)

// Whether matrix_product takes blocked_product: B's rows contiguous (b_cs 1), at least FK_BLOCK_MIN_ROWS
// rows and a tile width of columns, and an operand far apart in memory (see above): a column-major A
// whose rows of p lie a_cs apart, B's rows b_rs apart, or, where FK_BLOCK_ROW_MAJOR_A_ROWS_APART is
// defined, a row-major A whose rows lie a_rs apart (dX = dGates·W_ih at hidden 256, A's rows 4 KiB
// apart: in place, each tile read its six rows from L3 again for every column panel of B).
FK_INLINE int FK_NAME(takes_blocked_route)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t a_rs, ptrdiff_t a_cs, ptrdiff_t b_rs,
                                           ptrdiff_t b_cs) {
#ifdef FK_BLOCK_ROW_MAJOR_A_ROWS_APART
    const int far_row_major_a = a_cs == 1 && a_rs >= FK_BLOCK_ROW_MAJOR_A_ROWS_APART;
#else
    const int far_row_major_a = 0;
    (void)a_rs;
#endif
    const int far_a = (a_cs != 1 && a_cs >= FK_PACK_A_ROWS_APART) || far_row_major_a, far_b = b_rs >= FK_PACK_B_ROWS_APART;
    return b_cs == 1 && m >= FK_BLOCK_MIN_ROWS && n >= FK_TILE_COLUMNS && (far_a || far_b);
}

// C[m × n] (+)= A · B with both operands packed block by block (see above); 0 if the buffer could not
// be allocated (then nothing was written). C rows ldc apart; A row-major (a_cs 1) or column-major.
static int FK_NAME(blocked_product)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t a_rs, ptrdiff_t a_cs,
                                    const float *b, ptrdiff_t b_rs, float *c, ptrdiff_t ldc, int accumulate,
                                    const float *start_row) {
    const ptrdiff_t kc_max = fk_min(FK_BLOCK_DEPTH, k);
    const ptrdiff_t mc_max = fk_min(FK_BLOCK_ROWS, (m + FK_TILE_ROWS - 1) / FK_TILE_ROWS * FK_TILE_ROWS);
    const ptrdiff_t nc_max = fk_min(FK_BLOCK_COLUMNS, (n + FK_TILE_COLUMNS - 1) / FK_TILE_COLUMNS * FK_TILE_COLUMNS);
    const size_t a_floats = (size_t)(mc_max / FK_TILE_ROWS * FK_PANEL_STRIDE(kc_max));
    float *buffer = FK_NAME(blocked_buffer)(a_floats + (size_t)(kc_max * nc_max));
    if (buffer == NULL) return 0;
    float *a_block = buffer, *b_block = buffer + a_floats;
    for (ptrdiff_t jc = 0; jc < n; jc += FK_BLOCK_COLUMNS) {
        const ptrdiff_t nc = fk_min(FK_BLOCK_COLUMNS, n - jc);
        for (ptrdiff_t p0 = 0; p0 < k; p0 += FK_BLOCK_DEPTH) {
            const ptrdiff_t kc = fk_min(FK_BLOCK_DEPTH, k - p0);
            const int from_zero = !accumulate && p0 == 0;
            // B[p0 ..< p0+kc, jc ..< jc+nc]: panel j0 at b_block + j0·kc, the last zero beyond nc.
            for (ptrdiff_t j0 = 0; j0 < nc; j0 += FK_TILE_COLUMNS) {
                FK_NAME(pack_panel)(b, b_rs, 1, p0, kc, jc + j0, fk_min(FK_TILE_COLUMNS, nc - j0), b_block + j0 * kc);
            }
            for (ptrdiff_t i0 = 0; i0 < m; i0 += FK_BLOCK_ROWS) {
                const ptrdiff_t mc = fk_min(FK_BLOCK_ROWS, m - i0);
                if (a_cs != 1) FK_NAME(pack_column_major_a)(a + i0 * a_rs + p0 * a_cs, a_cs, mc, kc, a_block);
                else FK_NAME(pack_row_major_a)(a + i0 * a_rs + p0, a_rs, mc, kc, a_block);
                // A column-major A is read for packing one short row segment per page, from L3 or memory:
                // the next block's rows are asked for into L2 while this block computes, a few per tile
                // (measured: packing went from 9.5% to 5.7% of the time at 1024×256×1536).
                const ptrdiff_t tiles = nc / FK_TILE_COLUMNS * ((mc + FK_TILE_ROWS - 1) / FK_TILE_ROWS);  // of whole panels
                ptrdiff_t next_i0 = i0 + FK_BLOCK_ROWS, next_p0 = p0;
                if (next_i0 >= m) { next_i0 = 0; next_p0 = p0 + FK_BLOCK_DEPTH; }
                // (A row-major A with rows far apart likewise: its rows are read for packing 1 KiB at a time,
                // each from another page; then the segments asked for are the next block's rows.)
                const ptrdiff_t next_kc = next_p0 < k ? fk_min(FK_BLOCK_DEPTH, k - next_p0) : 0;
                const ptrdiff_t next_mc = fk_min(FK_BLOCK_ROWS, m - next_i0);
                // The next block as segments: kc rows of p, mc floats each (column-major), or mc rows, kc each.
                const ptrdiff_t segments = a_cs != 1 ? next_kc : next_kc > 0 ? next_mc : 0;
                const ptrdiff_t segment_floats = a_cs != 1 ? next_mc : next_kc, segment_step = a_cs != 1 ? a_cs : a_rs;
                const ptrdiff_t rows_per_tile = tiles > 0 ? (segments + tiles - 1) / tiles : 0;
                const float *next_a = next_kc > 0 ? a + next_i0 * a_rs + next_p0 * a_cs : a;  // formed only when in bounds
                ptrdiff_t tile = 0;
                // Each panel of B (in L1) through every tile of the block's rows (panels of A in L2).
                for (ptrdiff_t j0 = 0; j0 < nc; j0 += FK_TILE_COLUMNS) {
                    const float *b_panel = b_block + j0 * kc, *start = start_row ? start_row + jc + j0 : NULL;
                    float *c_block = c + i0 * ldc + jc + j0;
                    if (nc - j0 < FK_TILE_COLUMNS) {
                        // The narrow last panel, through a tile-sized copy of C.
                        FK_NAME(tile_block)(mc, kc, 1, a_block, FK_TILE_ROWS, FK_PANEL_STRIDE(kc), 0, b_panel, FK_TILE_COLUMNS,
                                            nc - j0, c_block, ldc, 1, from_zero, start);
                        continue;
                    }
                    for (ptrdiff_t r0 = 0; r0 < mc; r0 += FK_TILE_ROWS, tile++) {
                        for (ptrdiff_t q = tile * rows_per_tile; q < fk_min(segments, (tile + 1) * rows_per_tile); q++) {
                            const float *segment = next_a + q * segment_step;
                            for (ptrdiff_t i = 0; i < segment_floats; i += 16) __builtin_prefetch(segment + i, 0, 2);
                            __builtin_prefetch(segment + segment_floats - 1, 0, 2);
                        }
                        if (!from_zero && r0 + FK_TILE_ROWS < mc) {
                            // The next tile starts by loading its C, from L3 when C outgrows L2 (1 MiB at
                            // 1024×256): ask for it now (measured: the tile's stalls on those loads went away).
                            const float *next_c = c_block + (r0 + FK_TILE_ROWS) * ldc;
                            for (int i = 0; i < FK_TILE_ROWS; i++) {
                                __builtin_prefetch(next_c + i * ldc, 0, 3);
                                __builtin_prefetch(next_c + i * ldc + FK_TILE_COLUMNS - 1, 0, 3);
                            }
                        }
                        FK_NAME(packed_tile)(kc, a_block + r0 / FK_TILE_ROWS * FK_PANEL_STRIDE(kc), b_panel,
                                             (int)fk_min(FK_TILE_ROWS, mc - r0), c_block + r0 * ldc, ldc, from_zero, start);
                    }
                }
            }
        }
    }
    return 1;
}
#endif

void FK_NAME(matrix_product)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                             const float *a, ptrdiff_t a_rs, ptrdiff_t a_cs,
                             const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs,
                             float *c, ptrdiff_t ldc, int accumulate, const float *start_row) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate) {
            for (ptrdiff_t i = 0; i < m; i++) {
                if (start_row) memcpy(c + i * ldc, start_row, (size_t)n * sizeof(float));
                else memset(c + i * ldc, 0, (size_t)n * sizeof(float));
            }
        }
        return;
    }
    if (a_rs == 1 && a_cs != 1 && b_cs == 1 && n < FK_WIDTH && m > n && !start_row) {
        // Aᵀ·B with few columns (a weight gradient of a layer with few inputs): compute Cᵀ = Bᵀ·A,
        // whose rows are long, and write it transposed. Same chain per element.
        FK_NAME(product)(n, m, k, b, 1, b_rs, a, a_cs, 1, c, 1, ldc, accumulate, NULL);
        return;
    }
#if FK_BLOCKED_PRODUCT
    if (FK_NAME(takes_blocked_route)(m, n, a_rs, a_cs, b_rs, b_cs) &&
        FK_NAME(blocked_product)(m, n, k, a, a_rs, a_cs, b, b_rs, c, ldc, accumulate, start_row)) {
        return;
    }
#endif
    FK_NAME(product)(m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, 1, accumulate, start_row);
}

// MARK: - Products with B packed once

// B [k × n] packed for many products (a recurrent weight, used at every step): every depth block of
// FK_PANEL_DEPTH rows as panels of one tile width, the last zero beyond column n; depth block d
// starts at packed[d · FK_PANEL_DEPTH · padded], panel j0 of a block kc deep at j0 · kc after it.
static ptrdiff_t FK_NAME(padded_columns)(ptrdiff_t n) { return (n + FK_TILE_COLUMNS - 1) / FK_TILE_COLUMNS * FK_TILE_COLUMNS; }

ptrdiff_t FK_NAME(packed_b_floats)(ptrdiff_t k, ptrdiff_t n) { return k * FK_NAME(padded_columns)(n); }

void FK_NAME(pack_b)(ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs, float *packed) {
    const ptrdiff_t padded = FK_NAME(padded_columns)(n);
    for (ptrdiff_t p0 = 0; p0 < k; p0 += FK_PANEL_DEPTH) {
        const ptrdiff_t kc = fk_min(FK_PANEL_DEPTH, k - p0);
        for (ptrdiff_t j0 = 0; j0 < n; j0 += FK_TILE_COLUMNS) {
            FK_NAME(pack_panel)(b, b_rs, b_cs, p0, kc, j0, fk_min(FK_TILE_COLUMNS, n - j0), packed + p0 * padded + j0 * kc);
        }
    }
}

// C[m × n] (+)= A · B with A row-major (rows a_rs apart) and B packed by pack_b: for each depth
// block, each panel (which stays in L1) is used by every tile of rows in turn. The same chain per
// element as matrix_product with B in place.
void FK_NAME(packed_product)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t a_rs, const float *packed,
                             float *c, ptrdiff_t ldc, int accumulate, const float *start_row) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        FK_NAME(matrix_product)(m, n, 0, a, a_rs, 1, packed, n, 1, c, ldc, accumulate, start_row);
        return;
    }
    const ptrdiff_t padded = FK_NAME(padded_columns)(n);
    for (ptrdiff_t p0 = 0; p0 < k; p0 += FK_PANEL_DEPTH) {
        const ptrdiff_t kc = fk_min(FK_PANEL_DEPTH, k - p0);
        const int from_zero = !accumulate && p0 == 0;
        for (ptrdiff_t j0 = 0; j0 < n; j0 += FK_TILE_COLUMNS) {
            FK_NAME(tile_block)(m, kc, 0, a + p0, a_rs, FK_TILE_ROWS * a_rs, a_rs, packed + p0 * padded + j0 * kc,
                                FK_TILE_COLUMNS, fk_min(FK_TILE_COLUMNS, n - j0), c + j0, ldc, 1, from_zero,
                                start_row && p0 == 0 ? start_row + j0 : NULL);
        }
    }
}

// C[m × n] = start_row + A1·B1 + A2·B2 with A1, A2 row-major and B1, B2 packed by pack_b: an LSTM
// step's gates from x_t and h_{t−1} with both weights packed once, each tile's accumulators in
// registers from the bias to the store (C is written once and never read, where the input
// projection of all steps at once wrote every step's gates and each step read them back). The same
// chain per element as packed_product from start_row with A1·B1, then accumulating A2·B2, which is
// what it does when a weight is deeper than one panel or n is not a whole number of panels.
void FK_NAME(packed_gates)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k1, const float *a1, ptrdiff_t lda1, const float *packed1,
                           ptrdiff_t k2, const float *a2, ptrdiff_t lda2, const float *packed2,
                           const float *start_row, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (n % FK_TILE_COLUMNS != 0 || k1 > FK_PANEL_DEPTH || k2 > FK_PANEL_DEPTH) {
        FK_NAME(packed_product)(m, n, k1, a1, lda1, packed1, c, ldc, 0, start_row);
        FK_NAME(packed_product)(m, n, k2, a2, lda2, packed2, c, ldc, 1, NULL);
        return;
    }
    // Panel by panel (both stay in L1 for every tile of rows), the rows in tiles.
    for (ptrdiff_t j0 = 0; j0 < n; j0 += FK_TILE_COLUMNS) {
        for (ptrdiff_t i0 = 0, rows; i0 < m; i0 += rows) {
            rows = FK_NAME(tile_height)(m - i0, 1);
            // The next tile's lines of C, asked for while this one computes (they are written, and a
            // write to a line not in cache first waits for it).
            for (ptrdiff_t i = i0 + rows; i < fk_min(i0 + 2 * rows, m); i++) {
                for (int v = 0; v < FK_TILE_COLUMNS; v += 16) __builtin_prefetch(c + i * ldc + j0 + v, 1, 3);
            }
            FK_NAME(gate_tile_rows)((int)rows, k1, a1 + i0 * lda1, lda1, packed1 + j0 * k1, FK_TILE_COLUMNS,
                                    k2, a2 + i0 * lda2, lda2, packed2 + j0 * k2, FK_TILE_COLUMNS,
                                    start_row ? start_row + j0 : NULL, c + i0 * ldc + j0, ldc);
        }
    }
}

void FK_NAME(lstm_gates)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k1, const float *a1, ptrdiff_t lda1, const float *b1,
                         ptrdiff_t k2, const float *a2, ptrdiff_t lda2, const float *b2,
                         const float *bias, float *c) {
    if (m <= 0 || n <= 0) return;
    if (m == 1) {
        FK_NAME(vector_product)(n, k1, a1, 1, b1, n, k2, a2, 1, b2, n, c, 0, bias);
        return;
    }
    for (ptrdiff_t j0 = 0; j0 < n; j0 += FK_TILE_COLUMNS) {
        const ptrdiff_t nr = fk_min(FK_TILE_COLUMNS, n - j0);
        if (nr == FK_TILE_COLUMNS) {
            for (ptrdiff_t i0 = 0, rows; i0 < m; i0 += rows) {
                rows = FK_NAME(tile_height)(m - i0, 1);
                FK_NAME(gate_tile_rows)((int)rows, k1, a1 + i0 * lda1, lda1, b1 + j0, n,
                                        k2, a2 + i0 * lda2, lda2, b2 + j0, n, bias + j0, c + i0 * n + j0, n);
            }
        } else {
            // A narrow last block of columns: two products through panels, C continuing the chain.
            FK_NAME(product)(m, nr, k1, a1, lda1, 1, b1 + j0, n, 1, c + j0, n, 1, 0, bias + j0);
            FK_NAME(product)(m, nr, k2, a2, lda2, 1, b2 + j0, n, 1, c + j0, n, 1, 1, NULL);
        }
    }
}

#if FK_WIDTH == 8
// destination[c0 + j][r0 + i] = source[r0 + i][c0 + j] for an 8 × 8 block, in registers: rows of the
// source in, rows of the destination out (the unpack / shuffle / 128-bit-lane steps of an AVX 8 × 8
// transpose). A copy: every value is moved, none is computed.
FK_INLINE void FK_NAME(transpose_block)(const float *source, ptrdiff_t cols, float *destination, ptrdiff_t rows) {
    fk_vector r[8], u[8];
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i++) r[i] = fk_load(source + i * cols);
    FK_NAME(transpose_lanes)(r, u);
#pragma clang loop unroll(full)
    for (int j = 0; j < 4; j++) {
        fk_store(destination + j * rows, __builtin_shufflevector(u[j], u[j + 4], 0, 1, 2, 3, 8, 9, 10, 11));
        fk_store(destination + (j + 4) * rows, __builtin_shufflevector(u[j], u[j + 4], 4, 5, 6, 7, 12, 13, 14, 15));
    }
}
#endif

void FK_NAME(transpose)(ptrdiff_t rows, ptrdiff_t cols, const float *source, float *destination) {
    enum { BLOCK = 16 };
    for (ptrdiff_t c0 = 0; c0 < cols; c0 += BLOCK) {
        const ptrdiff_t c1 = fk_min(cols, c0 + BLOCK);
        for (ptrdiff_t r0 = 0; r0 < rows; r0 += BLOCK) {
            const ptrdiff_t r1 = fk_min(rows, r0 + BLOCK);
#if FK_WIDTH == 8
            if (r1 - r0 == BLOCK && c1 - c0 == BLOCK) {
                // A whole block as four 8 × 8 blocks in registers (the weights' transposes before every
                // training batch: 1 MiB each at hidden 256, made while the other threads wait).
                for (ptrdiff_t i = 0; i < BLOCK; i += 8) {
                    for (ptrdiff_t j = 0; j < BLOCK; j += 8) {
                        FK_NAME(transpose_block)(source + (r0 + i) * cols + c0 + j, cols, destination + (c0 + j) * rows + r0 + i, rows);
                    }
                }
                continue;
            }
#endif
            for (ptrdiff_t c = c0; c < c1; c++) {
                for (ptrdiff_t r = r0; r < r1; r++) destination[c * rows + r] = source[r * cols + c];
            }
        }
    }
}

// MARK: - Fast activations

FK_INLINE fk_vector fk_select(fk_int_vector condition, fk_vector yes, fk_vector no) { return condition ? yes : no; }

// p · 2ⁿ for integral n in [−126, 0]: one instruction on AVX-512 (vscalefps), else the power of two
// built in the exponent bits and multiplied. Both are one correctly rounded product, so the same bits.
FK_INLINE fk_vector fk_times_power_of_two(fk_vector p, fk_vector n) {
#if FK_WIDTH == 16 && defined(__x86_64__)
    typedef float fk_v16 __attribute__((vector_size(64)));
    return (fk_vector)__builtin_ia32_scalefps512_mask((fk_v16)p, (fk_v16)n, (fk_v16)p, (unsigned short)0xFFFF, 4);
#else
    fk_int_vector exponent = (__builtin_convertvector(n, fk_int_vector) + 127) << 23;
    return p * (fk_vector)exponent;
#endif
}

// |x|, clearing the sign bit: one instruction where a comparison and a select take three.
FK_INLINE fk_vector fk_abs(fk_vector x) { return (fk_vector)((fk_int_vector)x & 0x7FFFFFFF); }

// e^x for x ≤ 0. Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, then Cephes' expf polynomial
// (error below 1 ulp), scaled by 2ⁿ (fk_times_power_of_two). Below −87.33, where e^x would leave
// the normal range (≈ 1.2e−38), the result is 0, so that σ and tanh saturate exactly as the exact
// functions do in Float.
FK_INLINE fk_vector fk_exp_nonpositive(fk_vector x) {
    fk_int_vector underflow = x < -87.33f;
    x = fk_select(underflow, (fk_vector)-87.33f, x);
    // Round to nearest by the 1.5·2²³ trick (exact for |x·log2 e| < 2²²).
    const fk_vector shifter = (fk_vector)12582912.0f;
    fk_vector n = (x * 1.44269504088896341f + shifter) - shifter;
    fk_vector r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    fk_vector p = (fk_vector)1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r;
    p = p + 1.0f;
    return fk_select(underflow, (fk_vector)0.0f, fk_times_power_of_two(p, n));
}

// σ(x) = 1 / (1 + e^−x) for x ≥ 0 and e^x / (1 + e^x) for x < 0: with e = e^−|x| ≤ 1 neither form
// overflows or cancels. Error: a few ulps (bound tested in FastActivationsTests).
FK_INLINE fk_vector fk_sigmoid_vector(fk_vector x) {
    fk_vector e = fk_exp_nonpositive(-fk_abs(x));
    return fk_select(x < 0, e, (fk_vector)1.0f) / (1.0f + e);
}

// tanh(x) = sign(x) · (1 − e) / (1 + e) with e = e^−2|x|: one exponential and one division, as σ.
// Near 0, 1 − e cancels, so the error there is absolute, about 1 ulp of 1 (bound tested in
// FastActivationsTests); in the LSTM cell tanh values are multiplied by gates in (0, 1) and added to
// O(1) cell states, where an absolute error is what counts.
FK_INLINE fk_vector fk_tanh_vector(fk_vector x) {
    fk_vector e = fk_exp_nonpositive(-2.0f * fk_abs(x));
    fk_vector t = (1.0f - e) / (1.0f + e);
    return fk_select(x < 0, -t, t);
}

void FK_NAME(sigmoid)(ptrdiff_t count, const float *x, float *y) {
    ptrdiff_t i = 0;
    for (; i + FK_WIDTH <= count; i += FK_WIDTH) fk_store(y + i, fk_sigmoid_vector(fk_load(x + i)));
    if (i < count) {
        float in[FK_WIDTH] = {0}, out[FK_WIDTH];
        memcpy(in, x + i, (size_t)(count - i) * sizeof(float));
        fk_store(out, fk_sigmoid_vector(fk_load(in)));
        memcpy(y + i, out, (size_t)(count - i) * sizeof(float));
    }
}

void FK_NAME(tanh)(ptrdiff_t count, const float *x, float *y) {
    ptrdiff_t i = 0;
    for (; i + FK_WIDTH <= count; i += FK_WIDTH) fk_store(y + i, fk_tanh_vector(fk_load(x + i)));
    if (i < count) {
        float in[FK_WIDTH] = {0}, out[FK_WIDTH];
        memcpy(in, x + i, (size_t)(count - i) * sizeof(float));
        fk_store(out, fk_tanh_vector(fk_load(in)));
        memcpy(y + i, out, (size_t)(count - i) * sizeof(float));
    }
}

// MARK: - LSTM cell

// The cell of one vector of units in two stages. Stage one: the four gates' activations in place
// (σ on i, f and o, tanh on g) and c_t = f ⊙ c_{t−1} + i ⊙ g, stored; o and c_t are returned.
FK_INLINE void fk_cell_gates_vector(float *g, ptrdiff_t h, const float *c_prev, float *c, fk_vector *o, fk_vector *cell) {
    fk_vector i = fk_sigmoid_vector(fk_load(g)), f = fk_sigmoid_vector(fk_load(g + h));
    fk_vector gg = fk_tanh_vector(fk_load(g + 2 * h));
    *o = fk_sigmoid_vector(fk_load(g + 3 * h));
    *cell = f * fk_load(c_prev) + i * gg;
    fk_store(g, i); fk_store(g + h, f); fk_store(g + 2 * h, gg); fk_store(g + 3 * h, *o);
    fk_store(c, *cell);
}

// Stage two: tanh(c_t) and h_t = o ⊙ tanh(c_t), stored.
FK_INLINE void fk_cell_output_vector(fk_vector o, fk_vector cell, float *tanh_c, float *h) {
    fk_vector t = fk_tanh_vector(cell);
    fk_store(tanh_c, t); fk_store(h, o * t);
}

// Every full vector of units of every row in order, the two stages overlapped: each iteration runs
// stage one of the next vector beside stage two of the current one, so the core has the exponentials
// of six independent chains in flight instead of waiting on each cell's tanh.
// The last units of each row (H not a multiple of the width) go through zero-padded vectors.
// Each unit gets the same arithmetic either way.
void FK_NAME(lstm_cell_forward)(ptrdiff_t batch, ptrdiff_t hidden_size, float *gates, const float *previous_cells,
                                float *cells, float *tanh_cells, float *hidden) {
    const ptrdiff_t h = hidden_size, full = h / FK_WIDTH * FK_WIDTH;
    if (batch <= 0) return;
    if (full > 0) {
        ptrdiff_t b = 0, j = 0;  // the vector whose stage two is pending
        fk_vector o, cell;
        fk_cell_gates_vector(gates, h, previous_cells, cells, &o, &cell);
        for (;;) {
            ptrdiff_t next_b = b, next_j = j + FK_WIDTH;
            if (next_j == full) { next_b++; next_j = 0; }
            if (next_b == batch) break;
            fk_vector next_o, next_cell;
            fk_cell_gates_vector(gates + next_b * 4 * h + next_j, h, previous_cells + next_b * h + next_j,
                                 cells + next_b * h + next_j, &next_o, &next_cell);
            fk_cell_output_vector(o, cell, tanh_cells + b * h + j, hidden + b * h + j);
            o = next_o; cell = next_cell; b = next_b; j = next_j;
        }
        fk_cell_output_vector(o, cell, tanh_cells + b * h + j, hidden + b * h + j);
    }
    if (full < h) {
        const size_t bytes = (size_t)(h - full) * sizeof(float);
        for (ptrdiff_t b = 0; b < batch; b++) {
            float *g = gates + b * 4 * h + full;
            // Gates padded to whole vectors, FK_WIDTH apart, then the states.
            float padded[4][FK_WIDTH] = {{0}}, c_prev[FK_WIDTH] = {0}, c[FK_WIDTH], tanh_c[FK_WIDTH], hh[FK_WIDTH];
            for (int q = 0; q < 4; q++) memcpy(padded[q], g + q * h, bytes);
            memcpy(c_prev, previous_cells + b * h + full, bytes);
            fk_vector o, cell;
            fk_cell_gates_vector(&padded[0][0], FK_WIDTH, c_prev, c, &o, &cell);
            fk_cell_output_vector(o, cell, tanh_c, hh);
            for (int q = 0; q < 4; q++) memcpy(g + q * h, padded[q], bytes);
            memcpy(cells + b * h + full, c, bytes);
            memcpy(tanh_cells + b * h + full, tanh_c, bytes);
            memcpy(hidden + b * h + full, hh, bytes);
        }
    }
}

// Whether x[0 ..< count] are all zero (either sign).
FK_INLINE int fk_all_zero(const float *x, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) {
        if (x[i] != 0) return 0;
    }
    return 1;
}

#if FK_STREAM_PACKED_WEIGHTS
// The first `columns` (a multiple of NR) columns of W [K × ·], rows `ldw` apart, as panels of one tile
// width: panel q holds W[0 ..< K, q·NR ..< q·NR + NR] at packed[q · K · NR], rows NR apart.
static void FK_NAME(pack_weight_panels)(const float *w, ptrdiff_t k, ptrdiff_t ldw, ptrdiff_t columns, float *packed) {
    for (ptrdiff_t j0 = 0; j0 < columns; j0 += FK_TILE_COLUMNS) {
        FK_NAME(pack_panel)(w, ldw, 1, 0, k, j0, FK_TILE_COLUMNS, packed + j0 * k);
    }
}

// This thread's buffer for packed weights, grown to `floats` when smaller (NULL if that failed).
FK_THREAD_BUFFER(stream)
#endif

// A block of rows through every layer and step, keeping only the states: see fk_lstm_stream_block.
// With FK_STREAM_PACKED_WEIGHTS, the gates' whole column blocks read each layer's W_ihᵀ and W_hhᵀ
// from panels copied once per block (a panel of one tile width is contiguous, so it stays in L1 for
// every tile of rows; in place its rows, 4H floats apart, fall into a few sets of L1 and come from
// L2 for each tile). Same chain per element either way.
void FK_NAME(lstm_stream_block)(ptrdiff_t layers, ptrdiff_t time, ptrdiff_t batch, ptrdiff_t input_size,
                                ptrdiff_t hidden_size, const float *input, const float *const *input_weights,
                                const float *const *hidden_weights, const float *const *biases,
                                float *hidden, float *cells, float *gates, float *tanh_cells, float *outputs) {
    const ptrdiff_t h = hidden_size, state = batch * h, n = 4 * h;
#if FK_STREAM_PACKED_WEIGHTS
    // Layer k's panels: W_ihᵀ then W_hhᵀ, each whole panel (k rows × NR) in turn.
    const ptrdiff_t whole = n / FK_TILE_COLUMNS * FK_TILE_COLUMNS;
    size_t floats = 0;
    for (ptrdiff_t k = 0; k < layers; k++) floats += (size_t)(((k == 0 ? input_size : h) + h) * whole);
    float *packed = batch > FK_TILE_ROWS && whole > 0 ? FK_NAME(stream_buffer)(floats) : NULL;
    if (packed) {
        float *next = packed;
        for (ptrdiff_t k = 0; k < layers; k++) {
            const ptrdiff_t x_size = k == 0 ? input_size : h;
            FK_NAME(pack_weight_panels)(input_weights[k], x_size, n, whole, next);
            next += x_size * whole;
            FK_NAME(pack_weight_panels)(hidden_weights[k], h, n, whole, next);
            next += h * whole;
        }
    }
#endif
    for (ptrdiff_t t = 0; t < time; t++) {
#if FK_STREAM_PACKED_WEIGHTS
        const float *layer_panels = packed;
#endif
        for (ptrdiff_t k = 0; k < layers; k++) {
            // x_t: the input's step t, or the layer below's h_t, just computed.
            const float *x = k == 0 ? input + t * batch * input_size : hidden + (k - 1) * state;
            const ptrdiff_t x_size = k == 0 ? input_size : h;
            // A zero initial state adds nothing to the first step's gates: skip its product then.
            const ptrdiff_t depth = t == 0 && fk_all_zero(hidden + k * state, state) ? 0 : h;
#if FK_STREAM_PACKED_WEIGHTS
            if (layer_panels) {
                const float *input_panels = layer_panels, *hidden_panels = layer_panels + x_size * whole;
                layer_panels = hidden_panels + h * whole;
                for (ptrdiff_t j0 = 0; j0 < whole; j0 += FK_TILE_COLUMNS) {
                    for (ptrdiff_t i0 = 0, rows; i0 < batch; i0 += rows) {
                        rows = FK_NAME(tile_height)(batch - i0, 1);
                        FK_NAME(gate_tile_rows)((int)rows, x_size, x + i0 * x_size, x_size, input_panels + j0 * x_size,
                                                FK_TILE_COLUMNS, depth, hidden + k * state + i0 * h, h,
                                                hidden_panels + j0 * h, FK_TILE_COLUMNS, biases[k] + j0,
                                                gates + i0 * n + j0, n);
                    }
                }
                if (whole < n) {
                    // The narrow last block of columns from the weights in place, as lstm_gates does it.
                    FK_NAME(product)(batch, n - whole, x_size, x, x_size, 1, input_weights[k] + whole, n, 1,
                                     gates + whole, n, 1, 0, biases[k] + whole);
                    FK_NAME(product)(batch, n - whole, depth, hidden + k * state, h, 1, hidden_weights[k] + whole, n, 1,
                                     gates + whole, n, 1, 1, NULL);
                }
            } else
#endif
            FK_NAME(lstm_gates)(batch, n, x_size, x, x_size, input_weights[k], depth, hidden + k * state, h,
                                hidden_weights[k], biases[k], gates);
            FK_NAME(lstm_cell_forward)(batch, h, gates, cells + k * state, cells + k * state, tanh_cells, hidden + k * state);
        }
        if (outputs) memcpy(outputs + t * state, hidden + (layers - 1) * state, (size_t)state * sizeof(float));
    }
}

// One window (batch 1) through one layer, for one thread's share of the hidden units: see
// fk_lstm_window_layer. The input projection is one product per chunk of steps (reading W_ih once
// per chunk, from its panels when the caller packed it once for all calls: on AVX2 the product in place
// copied W_ih into such panels at every call once 4u ≥ 512, 15–50% of the projection at hidden 256),
// made as soon as the layer below has counted the chunk's steps; then each step adds h_{t−1}·W_hhᵀ for
// the share's gate columns, panel by panel (each panel's rows contiguous, so the product reads each
// panel as one stream in address order), updates the share's cells, counts the step and waits at the
// barrier for the other threads sharing the layer.
void FK_NAME(lstm_window_layer)(ptrdiff_t time, ptrdiff_t input_size, const float *input, ptrdiff_t input_stride,
                                ptrdiff_t hidden_size, ptrdiff_t unit_start, ptrdiff_t unit_count,
                                const float *input_weights, const float *packed_input_weights, const float *hidden_weights,
                                ptrdiff_t panel_width, const float *bias, float *gates, float *tanh_cells, float *hidden, float *cells,
                                ptrdiff_t state_stride, ptrdiff_t chunk, const fk_step_counter *below,
                                fk_step_counter *done, fk_barrier *barrier) {
    const ptrdiff_t n = 4 * unit_count, h = hidden_size, s = state_stride;
    if (unit_count <= 0) return;
    if (chunk < 1) chunk = time;
    if (panel_width < 1 || panel_width > n) panel_width = n;
    for (ptrdiff_t t0 = 0; t0 < time; t0 += chunk) {
        const ptrdiff_t t1 = fk_min(t0 + chunk, time);
        fk_step_counter_wait(below, t1);
        if (packed_input_weights) {
            FK_NAME(packed_product)(t1 - t0, n, input_size, input + t0 * input_stride, input_stride, packed_input_weights,
                                    gates + t0 * n, n, 0, bias);
        } else {
            FK_NAME(product)(t1 - t0, n, input_size, input + t0 * input_stride, input_stride, 1, input_weights, n, 1,
                             gates + t0 * n, n, 1, 0, bias);
        }
        for (ptrdiff_t t = t0; t < t1; t++) {
            float *step_gates = gates + t * n;
            // The panels in turn, in the opposite order from one step to the next: W_hhᵀ is read
            // whole at every step, and when it outgrows a cache (64 KiB at hidden 64 against a 32 KiB
            // L1; a share of hidden 256 against L2), the panels read last are still there when
            // the next step starts with them. (In one order every step would find none of them.)
            const ptrdiff_t panels = (n + panel_width - 1) / panel_width;
            for (ptrdiff_t q = 0; q < panels; q++) {
                const ptrdiff_t j0 = ((t & 1) ? panels - 1 - q : q) * panel_width, width = fk_min(panel_width, n - j0);
                FK_NAME(vector_product)(width, h, hidden + t * s, 1, hidden_weights + j0 * h, width, 0, NULL, 0, NULL, 0,
                                        step_gates + j0, 1, NULL);
            }
            FK_NAME(lstm_cell_forward)(1, unit_count, step_gates, cells + t * s + unit_start,
                                       cells + (t + 1) * s + unit_start, tanh_cells, hidden + (t + 1) * s + unit_start);
            fk_step_counter_publish(done, t + 1);
            fk_barrier_wait(barrier);
        }
    }
}

// The panel width of W_hhᵀ that suits lstm_window_layer: the columns the single-row product holds in
// registers, unless the instruction set names another (FK_WINDOW_PANEL).
#ifndef FK_WINDOW_PANEL
#define FK_WINDOW_PANEL (FK_ROW_VECTORS * FK_WIDTH)
#endif
ptrdiff_t FK_NAME(window_panel_width)(void) { return FK_WINDOW_PANEL; }

// In the forward pass: c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t); see lstmCellBackward in Swift.
FK_INLINE void fk_cell_backward_vector(fk_vector i, fk_vector f, fk_vector g, fk_vector o, fk_vector c_prev,
                                       fk_vector tc, fk_vector dh, fk_vector *dc,
                                       fk_vector *di, fk_vector *df, fk_vector *dg, fk_vector *dout) {
    fk_vector d_cell = *dc + dh * o * (1.0f - tc * tc);
    *di = d_cell * g * (i * (1.0f - i));
    *df = d_cell * c_prev * (f * (1.0f - f));
    *dg = d_cell * i * (1.0f - g * g);
    *dout = dh * tc * (o * (1.0f - o));
    *dc = d_cell * f;
}

void FK_NAME(lstm_cell_backward)(ptrdiff_t batch, ptrdiff_t hidden_size, const float *gates, const float *previous_cells,
                                 const float *tanh_cells, const float *hidden_gradient, float *cell_gradient,
                                 float *gate_gradients) {
    const ptrdiff_t h = hidden_size;
    for (ptrdiff_t b = 0; b < batch; b++) {
        const float *g = gates + b * 4 * h, *cp = previous_cells + b * h, *tc = tanh_cells + b * h;
        const float *dh = hidden_gradient + b * h;
        float *dc = cell_gradient + b * h, *dg = gate_gradients + b * 4 * h;
        ptrdiff_t j = 0;
        for (; j + FK_WIDTH <= h; j += FK_WIDTH) {
            fk_vector dcv = fk_load(dc + j), di, df, dgg, dov;
            fk_cell_backward_vector(fk_load(g + j), fk_load(g + h + j), fk_load(g + 2 * h + j), fk_load(g + 3 * h + j),
                                    fk_load(cp + j), fk_load(tc + j), fk_load(dh + j), &dcv, &di, &df, &dgg, &dov);
            fk_store(dc + j, dcv);
            fk_store(dg + j, di); fk_store(dg + h + j, df); fk_store(dg + 2 * h + j, dgg); fk_store(dg + 3 * h + j, dov);
        }
        if (j < h) {
            const size_t bytes = (size_t)(h - j) * sizeof(float);
            float in[8][FK_WIDTH] = {{0}}, out[5][FK_WIDTH];
            for (int q = 0; q < 4; q++) memcpy(in[q], g + q * h + j, bytes);
            memcpy(in[4], cp + j, bytes); memcpy(in[5], tc + j, bytes); memcpy(in[6], dh + j, bytes); memcpy(in[7], dc + j, bytes);
            fk_vector dcv = fk_load(in[7]), di, df, dgg, dov;
            fk_cell_backward_vector(fk_load(in[0]), fk_load(in[1]), fk_load(in[2]), fk_load(in[3]),
                                    fk_load(in[4]), fk_load(in[5]), fk_load(in[6]), &dcv, &di, &df, &dgg, &dov);
            fk_store(out[0], di); fk_store(out[1], df); fk_store(out[2], dgg); fk_store(out[3], dov); fk_store(out[4], dcv);
            for (int q = 0; q < 4; q++) memcpy(dg + q * h + j, out[q], bytes);
            memcpy(dc + j, out[4], bytes);
        }
    }
}

// MARK: - Optimiser

// One Adam (AdamW when `decoupled`) update of every element, in PyTorch's order of operations; see
// adamUpdate in Swift for the rule.
FK_INLINE fk_vector fk_adam_vector(fk_vector p, fk_vector g, fk_vector *m, fk_vector *v, float step_size,
                                   float bias_correction2_root, float learning_rate, float beta1, float beta2,
                                   float epsilon, float weight_decay, int decoupled) {
    if (weight_decay != 0) {
        if (decoupled) p = p * (1 - learning_rate * weight_decay); else g = g + weight_decay * p;
    }
    fk_vector first = beta1 * *m + (1 - beta1) * g;
    fk_vector second = beta2 * *v + (1 - beta2) * g * g;
    *m = first;
    *v = second;
    return p - step_size * first / (__builtin_elementwise_sqrt(second) / bias_correction2_root + epsilon);
}

void FK_NAME(adam_update)(ptrdiff_t count, float *values, const float *gradients, float *first_moments,
                          float *second_moments, float step_size, float bias_correction2_root, float learning_rate,
                          float beta1, float beta2, float epsilon, float weight_decay, int decoupled) {
    ptrdiff_t i = 0;
    for (; i + FK_WIDTH <= count; i += FK_WIDTH) {
        fk_vector m = fk_load(first_moments + i), v = fk_load(second_moments + i);
        fk_vector p = fk_adam_vector(fk_load(values + i), fk_load(gradients + i), &m, &v, step_size, bias_correction2_root,
                                     learning_rate, beta1, beta2, epsilon, weight_decay, decoupled);
        fk_store(values + i, p); fk_store(first_moments + i, m); fk_store(second_moments + i, v);
    }
    if (i < count) {
        // The last elements through zero-padded vectors: the same arithmetic per element.
        const size_t bytes = (size_t)(count - i) * sizeof(float);
        float in[4][FK_WIDTH] = {{0}};
        memcpy(in[0], values + i, bytes); memcpy(in[1], gradients + i, bytes);
        memcpy(in[2], first_moments + i, bytes); memcpy(in[3], second_moments + i, bytes);
        fk_vector m = fk_load(in[2]), v = fk_load(in[3]);
        fk_vector p = fk_adam_vector(fk_load(in[0]), fk_load(in[1]), &m, &v, step_size, bias_correction2_root,
                                     learning_rate, beta1, beta2, epsilon, weight_decay, decoupled);
        fk_store(in[0], p); fk_store(in[2], m); fk_store(in[3], v);
        memcpy(values + i, in[0], bytes); memcpy(first_moments + i, in[2], bytes); memcpy(second_moments + i, in[3], bytes);
    }
}
