/* Fixed thread pool and ISA detection shared by every ISA variant of the kernels. */
#ifndef FB_POOL_H
#define FB_POOL_H
#include <stdint.h>
#include "fb_error.h"

/* body(ctx, lo, hi) over [lo, hi) of [0, n). */
typedef void (*fb_range_fn)(void *ctx, int64_t lo, int64_t hi);

/*
 * Runs body over [0, n) in at most min(3 * threads, n / min_per_task) contiguous chunks, which
 * the caller and the workers claim dynamically, and waits. Chunk boundaries depend only on n,
 * min_per_task and the pool size. A call from inside a pool worker, or while another caller
 * owns the pool, runs inline on the calling thread. A failure recorded by any chunk (fb_fail)
 * lands in the caller's current error slot; chunks not yet started when one fails are skipped.
 */
void fb_parallel(int64_t n, int64_t min_per_task, fb_range_fn body, void *ctx);

/* Number of threads of the pool (caller included). */
int fb_threads(void);

/* Non-zero inside a parallel body: a nested kernel (e.g. a GEMM called by a fused kernel's
   task) must run serially on its thread and use only thread-local scratch. */
int fb_in_pool(void);

#endif
