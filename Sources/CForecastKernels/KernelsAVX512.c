// The kernels for x86-64 CPUs with AVX-512 (F and VL) and FMA: 16-wide vectors, 32 registers.
// Compiled without any build flag: the target attribute applies to every function of the template.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,fma"))), apply_to = function)
#define FK_WIDTH 16
#define FK_TILE_ROWS 8      // C tile 8 × 32: 16 accumulators, 2 loads of B and 8 broadcasts of A per step
#define FK_TILE_VECTORS 2
#define FK_ROW_VECTORS 16    // single-row product: 256 floats of y in registers
#define FK_NAME(name) fk_avx512_##name
#include "KernelTemplate.h"
#pragma clang attribute pop
#endif
