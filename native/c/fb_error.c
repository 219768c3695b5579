/* Error slots, fb_last_error and the checked allocators (compiled once, shared by every ISA). */
#include "fb_error.h"
#include <stdlib.h>

static __thread fb_error own;           /* this thread's slot while it runs a kernel */
static __thread fb_error *sink;         /* NULL: own */
static __thread int32_t last_code;      /* what fb_end moved out, for fb_last_error */
static __thread int64_t last_bytes, last_row;
static atomic_int fail_after = -1;      /* test hook: allocations left before one fails */

static fb_error *cur(void) { return sink ? sink : &own; }

fb_error *fb_error_sink(fb_error *e) {
    fb_error *prev = sink;
    sink = e;
    return prev;
}

void fb_error_clear(fb_error *e) {
    e->bytes = 0;
    e->row = 0;
    atomic_store(&e->code, 0);
}

void fb_fail(int32_t code, int64_t bytes, int64_t row) {
    fb_error *e = cur();
    int32_t none = 0;
    if (atomic_compare_exchange_strong(&e->code, &none, code)) {
        e->bytes = bytes;
        e->row = row;
    }
}

int32_t fb_failed(void) { return atomic_load_explicit(&cur()->code, memory_order_relaxed); }

int32_t fb_end(void) {
    fb_error *e = cur();
    int32_t code = atomic_load(&e->code);
    if (code) {
        last_code = code;
        last_bytes = e->bytes;
        last_row = e->row;
        fb_error_clear(e);
    }
    return code;
}

int32_t fb_last_error(int64_t out[2]) {
    int32_t code = last_code;
    out[0] = last_bytes;
    out[1] = last_row;
    last_code = 0;
    last_bytes = last_row = 0;
    return code;
}

void fb_test_fail_alloc_after(int32_t n) { atomic_store(&fail_after, n < 0 ? -1 : n); }

/* Whether the test hook makes this allocation fail: the counter passes 0 exactly once. */
static int injected(void) {
    if (atomic_load_explicit(&fail_after, memory_order_relaxed) < 0) return 0;
    return atomic_fetch_sub(&fail_after, 1) == 0;
}

static void *checked(void *p, size_t bytes) {
    if (!p) fb_fail(FB_ENOMEM, (int64_t) bytes, 0);
    return p;
}

/* Size 0 asks for 1 byte: a NULL from malloc(0) is not a failure. */
void *fb_malloc(size_t bytes) {
    if (bytes == 0) bytes = 1;
    return checked(injected() ? NULL : malloc(bytes), bytes);
}

void *fb_calloc(size_t n, size_t size) {
    size_t bytes = size != 0 && n > SIZE_MAX / size ? SIZE_MAX : n * size;
    if (bytes == 0) n = size = bytes = 1;
    return checked(injected() ? NULL : calloc(n, size), bytes);
}

/* bytes must be a multiple of align (C11 aligned_alloc). */
void *fb_aligned_alloc(size_t align, size_t bytes) {
    if (bytes == 0) bytes = align;
    return checked(injected() ? NULL : aligned_alloc(align, bytes), bytes);
}
