/*
 * The pool: threads-1 workers plus the calling thread, started once by fb_init. A job is cut
 * into a fixed list of chunks (boundaries depend only on n, min_per_task and the pool size);
 * every participant, caller included, claims chunks from a shared counter, so a worker that the
 * OS has descheduled (a busy machine) delays nothing: the others take its chunks. Which thread
 * runs a chunk never changes what the chunk computes, so results stay bitwise reproducible.
 * The counter holds the job's generation in its high 32 bits and is claimed by compare-and-swap;
 * a new job closes the counter before it rewrites the job's fields, so a late worker can never
 * take an index of a newer job. Chunks record failures in the job's error slot, which the
 * caller folds into its own after the join. Idle workers spin briefly (kernels
 * come in quick succession), then sleep on a condition variable.
 */
#include "fb_pool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void) 0)
#endif

#define MAX_THREADS 256
#define SPIN_ITERS 4000
#define CHUNKS_PER_THREAD 3

static int n_threads = 1;
static pthread_mutex_t owner = PTHREAD_MUTEX_INITIALIZER;  /* one caller at a time owns the pool */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_start = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cv_done = PTHREAD_COND_INITIALIZER;
static atomic_uint_fast64_t generation;   /* published job number */
static atomic_uint_fast64_t next_chunk;   /* generation << 32 | next unclaimed chunk */
static atomic_int_fast64_t chunks_done;
static int sleepers;
static fb_range_fn job_fn;
static void *job_ctx;
static int64_t job_n;
static int64_t job_tasks;
static fb_error job_err;
static __thread int in_pool;

/* Claims and runs chunks of job gen until none is left (a failed job's are claimed, not run). */
static void drain(uint64_t gen) {
    for (;;) {
        uint64_t v = atomic_load_explicit(&next_chunk, memory_order_acquire);
        if ((v >> 32) != (gen & 0xffffffffu)) return;
        int64_t i = (int64_t) (v & 0xffffffffu);
        if (i >= job_tasks) return;
        if (!atomic_compare_exchange_weak_explicit(&next_chunk, &v, v + 1, memory_order_acq_rel, memory_order_relaxed))
            continue;
        int64_t lo = job_n * i / job_tasks, hi = job_n * (i + 1) / job_tasks;
        if (lo < hi && !fb_failed()) job_fn(job_ctx, lo, hi);
        if (atomic_fetch_add_explicit(&chunks_done, 1, memory_order_acq_rel) + 1 == job_tasks) {
            pthread_mutex_lock(&mu);
            pthread_cond_broadcast(&cv_done);
            pthread_mutex_unlock(&mu);
        }
    }
}

static void *worker(void *arg) {
    (void) arg;
    in_pool = 1;
    fb_error_sink(&job_err);   /* a worker only ever runs job chunks */
    uint64_t seen = 0;
    for (;;) {
        uint64_t g;
        int spins = 0;
        while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen && spins < SPIN_ITERS) {
            CPU_RELAX();
            spins++;
        }
        if (g == seen) {
            pthread_mutex_lock(&mu);
            while ((g = atomic_load(&generation)) == seen) {
                sleepers++;
                pthread_cond_wait(&cv_start, &mu);
                sleepers--;
            }
            pthread_mutex_unlock(&mu);
        }
        seen = g;
        drain(g);
    }
    return NULL;
}

/* Starts the pool once; later calls return the size it has. A thread that cannot be created
   (attributes or pthread_create fail) leaves a smaller pool, never a failed one. */
int32_t fb_init(int32_t threads) {
    static int started = 0;
    pthread_mutex_lock(&owner);
    if (!started) {
        if (threads < 1) threads = 1;
        if (threads > MAX_THREADS) threads = MAX_THREADS;
        int made = 1;
        for (int i = 1; i < threads; i++) {
            pthread_t t;
            pthread_attr_t at;
            if (pthread_attr_init(&at) != 0) break;
            int rc = pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
            if (rc == 0) rc = pthread_create(&t, &at, worker, NULL);
            pthread_attr_destroy(&at);
            if (rc != 0) break;
            made++;
        }
        n_threads = made;
        started = 1;
    }
    int32_t n = n_threads;
    pthread_mutex_unlock(&owner);
    return n;
}

int fb_threads(void) { return n_threads; }

int fb_in_pool(void) { return in_pool; }

void fb_parallel(int64_t n, int64_t min_per_task, fb_range_fn body, void *ctx) {
    if (n <= 0) return;
    if (min_per_task < 1) min_per_task = 1;
    int64_t tasks = n / min_per_task;
    int64_t cap = (int64_t) n_threads * CHUNKS_PER_THREAD;
    if (tasks > cap) tasks = cap;
    if (tasks > n) tasks = n;
    if (n_threads == 1 || tasks <= 1 || in_pool || pthread_mutex_trylock(&owner) != 0) {
        body(ctx, 0, n);
        return;
    }
    uint64_t gen = atomic_load(&generation) + 1;
    /* Close the counter first: a worker still in drain() of the previous job may have loaded the
     * old counter and may read the fields below as they change; its compare-and-swap must fail
     * instead of claiming (and running) a chunk of this job under the old generation's index. */
    atomic_store_explicit(&next_chunk, ((gen & 0xffffffffu) << 32) | 0xffffffffu, memory_order_seq_cst);
    job_fn = body;
    job_ctx = ctx;
    job_n = n;
    job_tasks = tasks;
    fb_error_clear(&job_err);
    atomic_store(&chunks_done, 0);
    atomic_store_explicit(&next_chunk, (gen & 0xffffffffu) << 32, memory_order_release);
    pthread_mutex_lock(&mu);
    atomic_store_explicit(&generation, gen, memory_order_release);
    if (sleepers) pthread_cond_broadcast(&cv_start);
    pthread_mutex_unlock(&mu);
    in_pool = 1;   /* nested fb_parallel calls from the body run inline */
    fb_error *mine = fb_error_sink(&job_err);
    drain(gen);
    fb_error_sink(mine);
    in_pool = 0;
    int spins = 0;
    while (atomic_load_explicit(&chunks_done, memory_order_acquire) < tasks && spins < SPIN_ITERS) {
        CPU_RELAX();
        spins++;
    }
    if (atomic_load(&chunks_done) < tasks) {
        pthread_mutex_lock(&mu);
        while (atomic_load(&chunks_done) < tasks) pthread_cond_wait(&cv_done, &mu);
        pthread_mutex_unlock(&mu);
    }
    int32_t code = atomic_load(&job_err.code);
    if (code) fb_fail(code, job_err.bytes, job_err.row);   /* all chunks are done: the slot is stable */
    pthread_mutex_unlock(&owner);
}

int32_t fb_best_isa(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}
