// Checks the NEON kernels of CForecastKernels against the baseline kernels and against plain loops,
// on random shapes including sizes that are not multiples of the vector width or the tile. Built for
// arm64 and run under qemu-user by scripts/test_neon_qemu.sh (the Swift tests cover the x86-64 sets).
//
// On arm64 the baseline fuses its multiply-adds as NEON does (FP_CONTRACT), so every kernel must give
// the same bits as the baseline; against the plain loops (double sums, libm's exp and tanh) the
// products must agree to 1e-5 of Σ|a·b| and the activations to a few ulps.
#include "CForecastKernels.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0, checks = 0;
static uint64_t state = 0x9E3779B97F4A7C15u;

static float uniform(float lo, float hi) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return lo + (hi - lo) * (float)((state >> 40) & 0xFFFFFF) / 16777216.0f;
}
static ptrdiff_t size_in(ptrdiff_t lo, ptrdiff_t hi) { return lo + (ptrdiff_t)(uniform(0, 0.999999f) * (float)(hi - lo + 1)); }

static float *random_array(size_t count, float lo, float hi) {
    float *x = malloc((count ? count : 1) * sizeof(float));
    for (size_t i = 0; i < count; i++) x[i] = uniform(lo, hi);
    return x;
}
static float *copy_of(const float *x, size_t count) {
    float *y = malloc((count ? count : 1) * sizeof(float));
    memcpy(y, x, count * sizeof(float));
    return y;
}

// NEON's output must be the baseline's, bit for bit.
static void expect_same_bits(const char *what, const float *neon, const float *baseline, size_t count) {
    checks++;
    for (size_t i = 0; i < count; i++) {
        if (memcmp(&neon[i], &baseline[i], sizeof(float)) != 0) {
            failures++;
            printf("FAIL %s: element %zu, NEON %.9g, baseline %.9g\n", what, i, neon[i], baseline[i]);
            return;
        }
    }
}

static void expect_close(const char *what, const float *actual, const double *expected, const double *scale,
                         size_t count, double tolerance) {
    checks++;
    for (size_t i = 0; i < count; i++) {
        double bound = tolerance * (scale ? scale[i] : fabs(expected[i])) + 1e-30;
        if (!(fabs(actual[i] - expected[i]) <= bound)) {
            failures++;
            printf("FAIL %s: element %zu, %.9g, expected %.9g\n", what, i, actual[i], expected[i]);
            return;
        }
    }
}

// MARK: - Matrix products

// C(i, j) (+)= Σ_p A(i, p)·B(p, j) in double, with Σ|A·B| beside it for the tolerance.
static void reference_product(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t a_rs, ptrdiff_t a_cs,
                              const float *b, ptrdiff_t b_rs, ptrdiff_t b_cs, const float *c_in, int accumulate,
                              const float *start_row, double *c, double *scale) {
    for (ptrdiff_t i = 0; i < m; i++) {
        for (ptrdiff_t j = 0; j < n; j++) {
            double sum = accumulate ? c_in[i * n + j] : start_row ? start_row[j] : 0, size = fabs(sum);
            for (ptrdiff_t p = 0; p < k; p++) {
                double term = (double)a[i * a_rs + p * a_cs] * b[p * b_rs + j * b_cs];
                sum += term; size += fabs(term);
            }
            c[i * n + j] = sum; scale[i * n + j] = size + 1e-6;
        }
    }
}

static void check_product(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, int form, int mode) {
    // form 0: A·B; 1: A·Bᵀ (B stored [N, K]); 2: Aᵀ·B (A stored [K, M]). mode 0: C = A·B; 1: C += A·B; 2: C = v + A·B.
    const ptrdiff_t a_rs = form == 2 ? 1 : k, a_cs = form == 2 ? m : 1;
    const ptrdiff_t b_rs = form == 1 ? 1 : n, b_cs = form == 1 ? k : 1;
    float *a = random_array((size_t)(m * k), -1, 1), *b = random_array((size_t)(k * n), -1, 1);
    float *c0 = random_array((size_t)(m * n), -1, 1), *row = mode == 2 ? random_array((size_t)n, -1, 1) : NULL;
    float *neon = copy_of(c0, (size_t)(m * n)), *baseline = copy_of(c0, (size_t)(m * n));
    fk_matrix_product(FK_NEON, m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, neon, n, mode == 1, row);
    fk_matrix_product(FK_BASELINE, m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, baseline, n, mode == 1, row);
    double *expected = malloc(sizeof(double) * (size_t)(m * n + 1)), *scale = malloc(sizeof(double) * (size_t)(m * n + 1));
    reference_product(m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, c0, mode == 1, row, expected, scale);
    char what[96];
    snprintf(what, sizeof what, "product form %d mode %d, %td×%td×%td", form, mode, m, n, k);
    expect_same_bits(what, neon, baseline, (size_t)(m * n));
    expect_close(what, neon, expected, scale, (size_t)(m * n), 1e-5);
    free(a); free(b); free(c0); free(row); free(neon); free(baseline); free(expected); free(scale);
}

// B packed once (fk_pack_b) must give the same bits as B in place, on NEON: depth blocks, a narrow
// last panel, one row, a row vector and accumulating.
static void check_packed_product(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, int mode) {
    float *a = random_array((size_t)(m * k), -1, 1), *b = random_array((size_t)(k * n), -1, 1);
    float *c0 = random_array((size_t)(m * n), -1, 1), *row = mode == 2 ? random_array((size_t)n, -1, 1) : NULL;
    float *packed = malloc(sizeof(float) * (size_t)fk_packed_b_floats(FK_NEON, k, n));
    float *in_place = copy_of(c0, (size_t)(m * n)), *from_panels = copy_of(c0, (size_t)(m * n));
    fk_pack_b(FK_NEON, k, n, b, n, 1, packed);
    fk_matrix_product(FK_NEON, m, n, k, a, k, 1, b, n, 1, in_place, n, mode == 1, row);
    fk_packed_product(FK_NEON, m, n, k, a, k, packed, from_panels, n, mode == 1, row);
    char what[96];
    snprintf(what, sizeof what, "packed product mode %d, %td×%td×%td", mode, m, n, k);
    expect_same_bits(what, from_panels, in_place, (size_t)(m * n));
    free(a); free(b); free(c0); free(row); free(packed); free(in_place); free(from_panels);
}

// An LSTM step's gates from both weights packed (fk_packed_gates) must give the bits of the two packed
// products on NEON (bias and x·W_ihᵀ, then accumulating h·W_hhᵀ) and those of the baseline.
static void check_packed_gates(ptrdiff_t batch, ptrdiff_t input_size, ptrdiff_t hidden_size) {
    const ptrdiff_t n = 4 * hidden_size;
    float *x = random_array((size_t)(batch * input_size), -1, 1), *h = random_array((size_t)(batch * hidden_size), -1, 1);
    float *wih = random_array((size_t)(input_size * n), -0.3f, 0.3f), *whh = random_array((size_t)(hidden_size * n), -0.3f, 0.3f);
    float *bias = random_array((size_t)n, -1, 1);
    float *one = random_array((size_t)(batch * n), -1, 1), *two = copy_of(one, (size_t)(batch * n)), *baseline = copy_of(one, (size_t)(batch * n));
    float *pih = malloc(sizeof(float) * (size_t)fk_packed_b_floats(FK_NEON, input_size, n) + 1);
    float *phh = malloc(sizeof(float) * (size_t)fk_packed_b_floats(FK_NEON, hidden_size, n) + 1);
    float *bih = malloc(sizeof(float) * (size_t)fk_packed_b_floats(FK_BASELINE, input_size, n) + 1);
    float *bhh = malloc(sizeof(float) * (size_t)fk_packed_b_floats(FK_BASELINE, hidden_size, n) + 1);
    fk_pack_b(FK_NEON, input_size, n, wih, n, 1, pih); fk_pack_b(FK_NEON, hidden_size, n, whh, n, 1, phh);
    fk_pack_b(FK_BASELINE, input_size, n, wih, n, 1, bih); fk_pack_b(FK_BASELINE, hidden_size, n, whh, n, 1, bhh);
    fk_packed_gates(FK_NEON, batch, n, input_size, x, input_size, pih, hidden_size, h, hidden_size, phh, bias, one, n);
    fk_packed_product(FK_NEON, batch, n, input_size, x, input_size, pih, two, n, 0, bias);
    fk_packed_product(FK_NEON, batch, n, hidden_size, h, hidden_size, phh, two, n, 1, NULL);
    fk_packed_gates(FK_BASELINE, batch, n, input_size, x, input_size, bih, hidden_size, h, hidden_size, bhh, bias, baseline, n);
    char what[96];
    snprintf(what, sizeof what, "packed_gates batch %td, input %td, hidden %td", batch, input_size, hidden_size);
    expect_same_bits(what, one, two, (size_t)(batch * n));
    expect_same_bits(what, one, baseline, (size_t)(batch * n));
    free(x); free(h); free(wih); free(whh); free(bias); free(one); free(two); free(baseline); free(pih); free(phh); free(bih); free(bhh);
}

static void check_gates(ptrdiff_t batch, ptrdiff_t input_size, ptrdiff_t hidden_size) {
    const ptrdiff_t n = 4 * hidden_size;
    float *x = random_array((size_t)(batch * input_size), -1, 1), *h = random_array((size_t)(batch * hidden_size), -1, 1);
    float *wih = random_array((size_t)(input_size * n), -0.3f, 0.3f), *whh = random_array((size_t)(hidden_size * n), -0.3f, 0.3f);
    float *bias = random_array((size_t)n, -1, 1);
    float *neon = random_array((size_t)(batch * n), -1, 1), *baseline = copy_of(neon, (size_t)(batch * n));
    fk_lstm_gates(FK_NEON, batch, n, input_size, x, input_size, wih, hidden_size, h, hidden_size, whh, bias, neon);
    fk_lstm_gates(FK_BASELINE, batch, n, input_size, x, input_size, wih, hidden_size, h, hidden_size, whh, bias, baseline);
    double *expected = malloc(sizeof(double) * (size_t)(batch * n)), *scale = malloc(sizeof(double) * (size_t)(batch * n));
    for (ptrdiff_t i = 0; i < batch; i++) {
        for (ptrdiff_t j = 0; j < n; j++) {
            double sum = bias[j], size = fabs(bias[j]);
            for (ptrdiff_t p = 0; p < input_size; p++) { double t = (double)x[i * input_size + p] * wih[p * n + j]; sum += t; size += fabs(t); }
            for (ptrdiff_t p = 0; p < hidden_size; p++) { double t = (double)h[i * hidden_size + p] * whh[p * n + j]; sum += t; size += fabs(t); }
            expected[i * n + j] = sum; scale[i * n + j] = size + 1e-6;
        }
    }
    char what[96];
    snprintf(what, sizeof what, "lstm_gates batch %td, input %td, hidden %td", batch, input_size, hidden_size);
    expect_same_bits(what, neon, baseline, (size_t)(batch * n));
    expect_close(what, neon, expected, scale, (size_t)(batch * n), 1e-5);
    free(x); free(h); free(wih); free(whh); free(bias); free(neon); free(baseline); free(expected); free(scale);
}

// MARK: - Activations, cell, optimiser

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }

static void check_activations(ptrdiff_t count) {
    float *x = random_array((size_t)count, -20, 20);
    if (count > 3) { x[0] = 0; x[1] = -100; x[2] = 100; x[3] = 1e-8f; }
    float *neon = malloc(sizeof(float) * (size_t)count), *baseline = malloc(sizeof(float) * (size_t)count);
    double *expected = malloc(sizeof(double) * (size_t)count), *scale = malloc(sizeof(double) * (size_t)count);
    char what[64];
    fk_sigmoid(FK_NEON, count, x, neon); fk_sigmoid(FK_BASELINE, count, x, baseline);
    for (ptrdiff_t i = 0; i < count; i++) { expected[i] = sigmoid(x[i]); scale[i] = fabs(expected[i]) + 1e-30; }
    snprintf(what, sizeof what, "sigmoid of %td", count);
    expect_same_bits(what, neon, baseline, (size_t)count);
    expect_close(what, neon, expected, scale, (size_t)count, 1e-6);
    fk_tanh(FK_NEON, count, x, neon); fk_tanh(FK_BASELINE, count, x, baseline);
    // The fast tanh's error is absolute near 0 (1 − e cancels): about one ulp of 1 there.
    for (ptrdiff_t i = 0; i < count; i++) { expected[i] = tanh(x[i]); scale[i] = fabs(expected[i]) + 0.25; }
    snprintf(what, sizeof what, "tanh of %td", count);
    expect_same_bits(what, neon, baseline, (size_t)count);
    expect_close(what, neon, expected, scale, (size_t)count, 1e-6);
    free(x); free(neon); free(baseline); free(expected); free(scale);
}

static void check_cell(ptrdiff_t batch, ptrdiff_t h) {
    const size_t g = (size_t)(batch * 4 * h), s = (size_t)(batch * h);
    float *gates = random_array(g, -4, 4), *c_prev = random_array(s, -2, 2);
    float *gn = copy_of(gates, g), *gb = copy_of(gates, g);
    float *cn = malloc(s * 4), *cb = malloc(s * 4), *tn = malloc(s * 4), *tb = malloc(s * 4), *hn = malloc(s * 4), *hb = malloc(s * 4);
    fk_lstm_cell_forward(FK_NEON, batch, h, gn, c_prev, cn, tn, hn);
    fk_lstm_cell_forward(FK_BASELINE, batch, h, gb, c_prev, cb, tb, hb);
    double *expected = malloc(sizeof(double) * s), *scale = malloc(sizeof(double) * s);
    for (ptrdiff_t b = 0; b < batch; b++) {
        for (ptrdiff_t j = 0; j < h; j++) {
            const float *row = gates + b * 4 * h;
            double i = sigmoid(row[j]), f = sigmoid(row[h + j]), gg = tanh(row[2 * h + j]), o = sigmoid(row[3 * h + j]);
            double c = f * c_prev[b * h + j] + i * gg;
            expected[b * h + j] = o * tanh(c); scale[b * h + j] = 1;
        }
    }
    char what[64];
    snprintf(what, sizeof what, "cell forward %td×%td", batch, h);
    expect_same_bits(what, gn, gb, g); expect_same_bits(what, cn, cb, s);
    expect_same_bits(what, tn, tb, s); expect_same_bits(what, hn, hb, s);
    expect_close(what, hn, expected, scale, s, 2e-6);
    // Backward from the activations just computed, the gate gradients written over a copy of them.
    float *dh = random_array(s, -1, 1), *dc0 = random_array(s, -1, 1);
    float *dcn = copy_of(dc0, s), *dcb = copy_of(dc0, s), *dgn = copy_of(gn, g), *dgb = copy_of(gb, g);
    fk_lstm_cell_backward(FK_NEON, batch, h, dgn, c_prev, tn, dh, dcn, dgn);
    fk_lstm_cell_backward(FK_BASELINE, batch, h, dgb, c_prev, tb, dh, dcb, dgb);
    double *expected_dc = malloc(sizeof(double) * s), *ones = malloc(sizeof(double) * s);
    for (ptrdiff_t b = 0; b < batch; b++) {
        for (ptrdiff_t j = 0; j < h; j++) {
            const float *a = gn + b * 4 * h;
            double i = a[j], f = a[h + j], o = a[3 * h + j], tc = tn[b * h + j];
            double d_cell = dc0[b * h + j] + dh[b * h + j] * o * (1 - tc * tc);
            expected_dc[b * h + j] = d_cell * f; ones[b * h + j] = 1;
            (void)i;
        }
    }
    snprintf(what, sizeof what, "cell backward %td×%td", batch, h);
    expect_same_bits(what, dgn, dgb, g); expect_same_bits(what, dcn, dcb, s);
    expect_close(what, dcn, expected_dc, ones, s, 1e-5);
    free(gates); free(c_prev); free(gn); free(gb); free(cn); free(cb); free(tn); free(tb); free(hn); free(hb);
    free(expected); free(scale); free(dh); free(dc0); free(dcn); free(dcb); free(dgn); free(dgb); free(expected_dc); free(ones);
}

static void check_adam(ptrdiff_t count, float weight_decay, int decoupled) {
    float *p = random_array((size_t)count, -1, 1), *g = random_array((size_t)count, -1, 1);
    float *m = random_array((size_t)count, -0.1f, 0.1f), *v = random_array((size_t)count, 0, 0.01f);
    float *pn = copy_of(p, (size_t)count), *mn = copy_of(m, (size_t)count), *vn = copy_of(v, (size_t)count);
    float *pb = copy_of(p, (size_t)count), *mb = copy_of(m, (size_t)count), *vb = copy_of(v, (size_t)count);
    fk_adam_update(FK_NEON, count, pn, g, mn, vn, 1e-3f, 0.1f, 1e-3f, 0.9f, 0.999f, 1e-8f, weight_decay, decoupled);
    fk_adam_update(FK_BASELINE, count, pb, g, mb, vb, 1e-3f, 0.1f, 1e-3f, 0.9f, 0.999f, 1e-8f, weight_decay, decoupled);
    char what[64];
    snprintf(what, sizeof what, "adam of %td (decay %g, decoupled %d)", count, weight_decay, decoupled);
    expect_same_bits(what, pn, pb, (size_t)count); expect_same_bits(what, mn, mb, (size_t)count);
    expect_same_bits(what, vn, vb, (size_t)count);
    double *expected = malloc(sizeof(double) * (size_t)count);
    for (ptrdiff_t i = 0; i < count; i++) {
        double pi = p[i], gi = g[i];
        if (weight_decay != 0) { if (decoupled) pi *= 1 - 1e-3 * weight_decay; else gi += weight_decay * pi; }
        double mi = 0.9 * m[i] + 0.1 * gi, vi = 0.999 * v[i] + 0.001 * gi * gi;
        expected[i] = pi - 1e-3 * mi / (sqrt(vi) / 0.1 + 1e-8);
    }
    expect_close(what, pn, expected, NULL, (size_t)count, 1e-5);
    free(p); free(g); free(m); free(v); free(pn); free(mn); free(vn); free(pb); free(mb); free(vb); free(expected);
}

static void check_transpose(ptrdiff_t rows, ptrdiff_t cols) {
    float *x = random_array((size_t)(rows * cols), -1, 1);
    float *neon = malloc(sizeof(float) * (size_t)(rows * cols + 1)), *baseline = malloc(sizeof(float) * (size_t)(rows * cols + 1));
    fk_transpose(FK_NEON, rows, cols, x, neon);
    fk_transpose(FK_BASELINE, rows, cols, x, baseline);
    checks++;
    for (ptrdiff_t r = 0; r < rows; r++) {
        for (ptrdiff_t c = 0; c < cols; c++) {
            if (neon[c * rows + r] != x[r * cols + c]) { failures++; printf("FAIL transpose %td×%td\n", rows, cols); goto done; }
        }
    }
done:
    expect_same_bits("transpose", neon, baseline, (size_t)(rows * cols));
    free(x); free(neon); free(baseline);
}

// MARK: - Whole layers

// A block of windows through every layer and step (batch inference), NEON against the baseline.
static void check_stream_block(ptrdiff_t layers, ptrdiff_t time, ptrdiff_t batch, ptrdiff_t input_size, ptrdiff_t h) {
    const ptrdiff_t n = 4 * h;
    float *input = random_array((size_t)(time * batch * input_size), -1, 1);
    const float *wih[4], *whh[4], *bias[4];
    for (ptrdiff_t k = 0; k < layers; k++) {
        wih[k] = random_array((size_t)((k == 0 ? input_size : h) * n), -0.3f, 0.3f);
        whh[k] = random_array((size_t)(h * n), -0.3f, 0.3f);
        bias[k] = random_array((size_t)n, -0.5f, 0.5f);
    }
    const size_t states = (size_t)(layers * batch * h), outputs = (size_t)(time * batch * h);
    float *hidden_n = calloc(states, 4), *cells_n = calloc(states, 4), *hidden_b = calloc(states, 4), *cells_b = calloc(states, 4);
    float *gates = malloc(sizeof(float) * (size_t)(batch * n)), *tanh_cells = malloc(sizeof(float) * (size_t)(batch * h));
    float *out_n = malloc(outputs * 4), *out_b = malloc(outputs * 4);
    fk_lstm_stream_block(FK_NEON, layers, time, batch, input_size, h, input, wih, whh, bias, hidden_n, cells_n, gates,
                         tanh_cells, out_n);
    fk_lstm_stream_block(FK_BASELINE, layers, time, batch, input_size, h, input, wih, whh, bias, hidden_b, cells_b, gates,
                         tanh_cells, out_b);
    char what[96];
    snprintf(what, sizeof what, "stream block %td layers, %td steps, batch %td, hidden %td", layers, time, batch, h);
    expect_same_bits(what, out_n, out_b, outputs);
    expect_same_bits(what, hidden_n, hidden_b, states);
    expect_same_bits(what, cells_n, cells_b, states);
    // With one layer, the window kernel (one thread, chunks of 3 steps) must give row 0 of the block.
    if (layers == 1) {
        float *wh = calloc((size_t)((time + 1) * h), 4), *wc = calloc((size_t)((time + 1) * h), 4);
        float *wg = malloc(sizeof(float) * (size_t)(time * n)), *wt = malloc(sizeof(float) * (size_t)h);
        float *x0 = malloc(sizeof(float) * (size_t)(time * input_size));
        for (ptrdiff_t t = 0; t < time; t++) memcpy(x0 + t * input_size, input + t * batch * input_size, sizeof(float) * (size_t)input_size);
        float *panels = malloc(sizeof(float) * (size_t)(h * n));
        fk_window_panels(h, n, whh[0], fk_window_panel_width(FK_NEON), panels);
        fk_lstm_window_layer(FK_NEON, time, input_size, x0, input_size, h, 0, h, wih[0], NULL, panels,
                             fk_window_panel_width(FK_NEON), bias[0], wg, wt, wh, wc, h, 3, NULL, NULL, NULL);
        float *expected = malloc(sizeof(float) * (size_t)(time * h));
        for (ptrdiff_t t = 0; t < time; t++) memcpy(expected + t * h, out_n + t * batch * h, sizeof(float) * (size_t)h);
        snprintf(what, sizeof what, "window layer, %td steps, hidden %td (against the stream block)", time, h);
        expect_same_bits(what, wh + h, expected, (size_t)(time * h));
        // W_ihᵀ packed once for the input projection: the same bits.
        float *packed_input = malloc(sizeof(float) * (size_t)fk_packed_b_floats(FK_NEON, input_size, n));
        fk_pack_b(FK_NEON, input_size, n, wih[0], n, 1, packed_input);
        memset(wh, 0, sizeof(float) * (size_t)((time + 1) * h));
        memset(wc, 0, sizeof(float) * (size_t)((time + 1) * h));
        fk_lstm_window_layer(FK_NEON, time, input_size, x0, input_size, h, 0, h, wih[0], packed_input, panels,
                             fk_window_panel_width(FK_NEON), bias[0], wg, wt, wh, wc, h, 3, NULL, NULL, NULL);
        snprintf(what, sizeof what, "window layer, W_ih packed, %td steps, hidden %td", time, h);
        expect_same_bits(what, wh + h, expected, (size_t)(time * h));
        free(panels); free(packed_input);
        free(wh); free(wc); free(wg); free(wt); free(x0); free(expected);
    }
    for (ptrdiff_t k = 0; k < layers; k++) { free((void *)wih[k]); free((void *)whh[k]); free((void *)bias[k]); }
    free(input); free(hidden_n); free(cells_n); free(hidden_b); free(cells_b); free(gates); free(tanh_cells); free(out_n); free(out_b);
}

int main(void) {
    if (!fk_is_supported(FK_NEON) || fk_best_supported() != FK_NEON) {
        printf("FAIL: NEON is not reported as supported and chosen on this CPU\n");
        return 1;
    }
    // Products: random small and odd shapes, then the shapes the LSTM runs and ones that take the
    // packing paths (depth over 256, Aᵀ with rows 512 or more apart, few columns).
    for (int trial = 0; trial < 150; trial++) {
        check_product(size_in(1, 40), size_in(1, 40), size_in(0, 40), trial % 3, (trial / 3) % 3);
    }
    const ptrdiff_t shapes[][3] = {{32, 256, 64}, {32, 64, 256}, {256, 64, 96}, {96, 256, 64}, {7, 1024, 33},
                                   {33, 19, 300}, {520, 17, 40}, {600, 3, 37}, {1, 256, 64}, {1, 77, 130}, {13, 13, 513}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        for (int form = 0; form < 3; form++) {
            for (int mode = 0; mode < 3; mode++) check_product(shapes[s][0], shapes[s][1], shapes[s][2], form, mode);
        }
    }
    const ptrdiff_t packed_shapes[][3] = {{32, 1024, 256}, {32, 256, 1024}, {1, 77, 300}, {13, 37, 1030}, {7, 5, 3}};
    for (size_t s = 0; s < sizeof packed_shapes / sizeof packed_shapes[0]; s++) {
        for (int mode = 0; mode < 3; mode++) check_packed_product(packed_shapes[s][0], packed_shapes[s][1], packed_shapes[s][2], mode);
    }
    const ptrdiff_t gate_shapes[][3] = {{1, 1, 64}, {32, 1, 64}, {32, 64, 64}, {5, 3, 7}, {7, 9, 13}, {1, 13, 5}, {64, 1, 50}};
    for (size_t s = 0; s < sizeof gate_shapes / sizeof gate_shapes[0]; s++) {
        check_gates(gate_shapes[s][0], gate_shapes[s][1], gate_shapes[s][2]);
        check_packed_gates(gate_shapes[s][0], gate_shapes[s][1], gate_shapes[s][2]);
    }
    check_packed_gates(32, 300, 16);  // a weight deeper than one panel: the two products
    check_packed_gates(9, 4, 10);     // 40 columns: not a whole number of panels
    const ptrdiff_t counts[] = {1, 3, 4, 5, 17, 64, 1000, 1027};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        check_activations(counts[i]);
        check_adam(counts[i], 0, 0); check_adam(counts[i], 0.01f, 0); check_adam(counts[i], 0.01f, 1);
    }
    const ptrdiff_t cells[][2] = {{1, 1}, {1, 64}, {32, 64}, {3, 5}, {7, 13}, {2, 256}, {5, 30}};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) check_cell(cells[i][0], cells[i][1]);
    check_transpose(17, 5); check_transpose(64, 256); check_transpose(1, 9);
    check_stream_block(2, 12, 32, 1, 64);
    check_stream_block(2, 9, 5, 3, 13);
    check_stream_block(1, 11, 3, 1, 20);
    check_stream_block(1, 7, 1, 2, 64);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
