// The kernels for x86-64 CPUs with AVX2 and FMA: 8-wide vectors, 16 registers.
// Compiled without any build flag: the target attribute applies to every function of the template.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define FK_WIDTH 8
#define FK_TILE_ROWS 6      // C tile 6 × 16: 12 accumulators, 2 loads of B and 6 broadcasts of A per step
#define FK_TILE_VECTORS 2
#define FK_ROW_VECTORS 12    // single-row product: 96 floats of y in registers
#define FK_PACK_B_ROWS_APART 512  // copy B into panels when its rows are 2 KiB or more apart (measured on Zen 3)
#define FK_PACK_A_ROWS_APART 256  // and Aᵀ when its rows are 1 KiB or more apart (measured on Zen 3)
#define FK_DEPTH_BLOCK_B_ROWS_APART 256  // and take B 256 rows deep when its rows are 1 KiB or more apart
#define FK_BALANCED_TAIL 1   // 32 rows as 6+6+6+6+4+4, not 6+6+6+6+6+2
#define FK_STREAM_PACKED_WEIGHTS 1  // batch inference reads the weights from contiguous panels
#define FK_BLOCKED_PRODUCT 1  // large products with an operand far apart: both operands packed in blocks
#define FK_BLOCK_ROW_MAJOR_A_ROWS_APART 512  // among them A·B with A's rows 2 KiB or more apart (dX = dGates·W_ih, H 256)
#define FK_NAME(name) fk_avx2_##name
#include "KernelTemplate.h"
#pragma clang attribute pop
#endif
