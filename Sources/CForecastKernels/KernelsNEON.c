// The kernels for arm64 CPUs: 4-wide Advanced SIMD (NEON) vectors with fused multiply-add, which
// every arm64 CPU has, and 32 registers: a register tile three times the baseline's.
// The baseline compiles to NEON on arm64 too, with the same arithmetic (FP_CONTRACT fuses its
// multiply-adds there as well), so the two give the same bits; this one keeps more of the product
// in registers. No build flag is needed: NEON is part of the arm64 architecture.
#if defined(__aarch64__)
#define FK_WIDTH 4
#define FK_TILE_ROWS 6      // C tile 6 × 16: 24 accumulators, 4 loads of B and 6 broadcasts of A per step
#define FK_TILE_VECTORS 4
#define FK_ROW_VECTORS 16    // single-row product: 64 floats of y in registers
#define FK_NAME(name) fk_neon_##name
#include "KernelTemplate.h"
#endif
