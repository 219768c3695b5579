/* Chunk-aligned element ranges over the pool. */
#include "fb_common.h"

typedef struct { fb_range_fn body; void *ctx; int64_t n; } chunk_ctx;

static void chunk_range(void *c_, int64_t lo, int64_t hi) {
    chunk_ctx *c = c_;
    int64_t a = lo * CHUNK, b = hi * CHUNK < c->n ? hi * CHUNK : c->n;
    c->body(c->ctx, a, b);
}

void FN(par_elems)(int64_t n, fb_range_fn body, void *ctx) {
    if (n <= 0) return;
    if (n <= 2 * MIN_TASK || fb_threads() == 1) {
        body(ctx, 0, n);
        return;
    }
    chunk_ctx c = {body, ctx, n};
    fb_parallel((n + CHUNK - 1) / CHUNK, MIN_CHUNKS, chunk_range, &c);
}
