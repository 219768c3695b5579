/*
 * Status of the running kernel, and checked allocation. A failure is recorded in the current
 * error slot of the thread: its own, or, while it runs chunks of a pool job, the job's (which the
 * submitting thread folds into its own after the join). The first failure of a slot wins. An
 * exported kernel returns fb_end(), which moves its thread's slot to the record fb_last_error
 * reads and leaves the slot clean for the next call.
 */
#ifndef FB_ERROR_H
#define FB_ERROR_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "fedbiot_kernels.h"

typedef struct {
    _Atomic int32_t code;
    int64_t bytes, row;
} fb_error;

/* Makes e (NULL: the thread's own slot) this thread's current slot; returns the previous one. */
fb_error *fb_error_sink(fb_error *e);
void fb_error_clear(fb_error *e);

/* Records a failure in the current slot unless it already holds one. */
void fb_fail(int32_t code, int64_t bytes, int64_t row);
/* The code in the current slot: nonzero once any part of the call failed. */
int32_t fb_failed(void);
/* At the exit of an exported kernel: its status; the slot is clean again. */
int32_t fb_end(void);

/* malloc, calloc, aligned_alloc that record FB_ENOMEM with the bytes asked on failure. */
void *fb_malloc(size_t bytes);
void *fb_calloc(size_t n, size_t size);
void *fb_aligned_alloc(size_t align, size_t bytes);

#endif
