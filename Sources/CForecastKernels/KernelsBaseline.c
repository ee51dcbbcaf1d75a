// The kernels for any CPU: 4-wide vectors, SSE2 on x86-64 (no FMA), NEON on arm64.
#define FK_WIDTH 4
#define FK_TILE_ROWS 4      // C tile 4 × 8: 8 accumulators, leaving registers for the products
#define FK_TILE_VECTORS 2
#define FK_ROW_VECTORS 8     // single-row product: 32 floats of y in registers
#define FK_NAME(name) fk_baseline_##name
#include "KernelTemplate.h"
