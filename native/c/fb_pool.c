/*
 * The pool: threads-1 workers plus the calling thread, started once by fb_init. A job is
 * published under a mutex with a generation counter; workers spin briefly (kernels come in quick
 * succession within a training step) and then sleep on a condition variable.
 */
#include "fb_pool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>

#define MAX_THREADS 256
#define SPIN_ITERS 20000

static int n_threads = 1;
static pthread_mutex_t owner = PTHREAD_MUTEX_INITIALIZER;  /* one caller at a time owns the pool */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_start = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cv_done = PTHREAD_COND_INITIALIZER;
static atomic_long generation;
static atomic_int pending;
static int sleepers_waiting;
static fb_range_fn job_fn;
static void *job_ctx;
static long job_n;
static int job_tasks;
static __thread int in_worker;

static void run_chunk(int i) {
    long lo = job_n * i / job_tasks, hi = job_n * (i + 1) / job_tasks;
    if (lo < hi) job_fn(job_ctx, lo, hi);
}

static void *worker(void *arg) {
    int id = (int) (intptr_t) arg;
    in_worker = 1;
    long seen = 0;
    for (;;) {
        long g;
        int spins = 0;
        while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen && spins < SPIN_ITERS) {
            _mm_pause();
            spins++;
        }
        if (g == seen) {
            pthread_mutex_lock(&mu);
            while ((g = atomic_load(&generation)) == seen) {
                sleepers_waiting++;
                pthread_cond_wait(&cv_start, &mu);
                sleepers_waiting--;
            }
            pthread_mutex_unlock(&mu);
        }
        seen = g;
        if (id < job_tasks) run_chunk(id);
        if (atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&mu);
            pthread_cond_signal(&cv_done);
            pthread_mutex_unlock(&mu);
        }
    }
    return NULL;
}

/* Starts the pool once; later calls return the size it has. */
__attribute__((visibility("default"))) int fb_init(int threads) {
    static int started = 0;
    pthread_mutex_lock(&owner);
    if (!started) {
        if (threads < 1) threads = 1;
        if (threads > MAX_THREADS) threads = MAX_THREADS;
        int ok = 1;
        for (int i = 1; i < threads; i++) {
            pthread_t t;
            pthread_attr_t at;
            pthread_attr_init(&at);
            pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
            if (pthread_create(&t, &at, worker, (void *) (intptr_t) i) != 0) ok = 0;
            pthread_attr_destroy(&at);
            if (!ok) { threads = i; break; }
        }
        n_threads = threads;
        started = 1;
    }
    int n = n_threads;
    pthread_mutex_unlock(&owner);
    return n;
}

int fb_threads(void) { return n_threads; }

void fb_parallel(long n, long min_per_task, fb_range_fn body, void *ctx) {
    if (n <= 0) return;
    if (min_per_task < 1) min_per_task = 1;
    long tasks = n / min_per_task;
    if (tasks > n_threads) tasks = n_threads;
    if (tasks <= 1 || in_worker || pthread_mutex_trylock(&owner) != 0) {
        body(ctx, 0, n);
        return;
    }
    job_fn = body;
    job_ctx = ctx;
    job_n = n;
    job_tasks = (int) tasks;
    atomic_store(&pending, n_threads - 1);
    pthread_mutex_lock(&mu);
    atomic_fetch_add_explicit(&generation, 1, memory_order_release);
    if (sleepers_waiting) pthread_cond_broadcast(&cv_start);
    pthread_mutex_unlock(&mu);
    in_worker = 1;   /* nested fb_parallel calls from the body run inline */
    run_chunk(0);
    in_worker = 0;
    int spins = 0;
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0 && spins < SPIN_ITERS) {
        _mm_pause();
        spins++;
    }
    if (atomic_load(&pending) > 0) {
        pthread_mutex_lock(&mu);
        while (atomic_load(&pending) > 0) pthread_cond_wait(&cv_done, &mu);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_unlock(&owner);
}

/* Best instruction set this CPU runs: 2 = AVX-512 (F, VL), 1 = AVX2 + FMA, 0 = portable. */
__attribute__((visibility("default"))) int fb_best_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
    return 0;
}

/* Whether this CPU runs ISA level isa (see fb_best_isa). */
__attribute__((visibility("default"))) int fb_isa_supported(int isa) { return isa >= 0 && isa <= fb_best_isa(); }
