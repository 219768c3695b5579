/*
 * Shared by every kernel source. Each kernel source is compiled once per instruction set, with
 * FB_ISA naming the variant (generic, avx2, avx512) and the matching -m flags, so FN(gemm)
 * (defined in fedbiot_kernels.h, which declares every export) becomes fb_avx2_gemm and so on;
 * fb_pool.c and fb_error.c (compiled once) pick nothing: Java asks fb_best_isa and binds the
 * symbols of that variant. An exported kernel ends with `return fb_end();` (fb_error.h).
 *
 * Legend: B batch, T sequence, C channels, H query heads, G KV heads, D head size, V vocabulary,
 * N rows, n elements. Everything is float32 row-major; ids and targets int32.
 */
#ifndef FB_COMMON_H
#define FB_COMMON_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef FB_ISA
#error "compile with -DFB_ISA=generic|avx2|avx512"
#endif
#include "fedbiot_kernels.h"
#include "fb_pool.h"

/* Fused multiply-add where the ISA has it; the portable build must not call libm's soft fmaf. */
#ifdef __FMA__
#define FMA(a, b, c) fmaf((a), (b), (c))
#else
#define FMA(a, b, c) ((a) * (b) + (c))
#endif

/* Independent float accumulators per reduction: written as lane arrays so the compiler
   vectorises the inner loop without reassociating float sums. */
#define LANES 16

/* Elements per chunk of the element-wise kernels; threads take runs of whole chunks. */
#define CHUNK ((int64_t) 8192)
#define MIN_CHUNKS ((int64_t) 4)
#define MIN_TASK (CHUNK * MIN_CHUNKS)

typedef union { float f; int32_t i; } fb_bits;

/*
 * e^x from exactly rounded operations (range reduction by ln2, degree-7 Taylor polynomial),
 * branch-free so loops over it vectorise: 0 below -87.34, +inf above 88.72, NaN stays NaN.
 */
static inline float fb_exp(float x) {
    const float LOG2E = 1.44269504088896341f, LN2_HI = 0.693145751953125f, LN2_LO = 1.428606765330187e-06f;
    const float MIN_X = -87.33654f, MAX_X = 88.72283f, ROUND = 12582912.0f;
    float xc = x < MIN_X ? MIN_X : x;
    xc = xc > MAX_X ? MAX_X : xc;
    xc = x != x ? 0.0f : xc;
    float n = xc * LOG2E + ROUND - ROUND;
    float r = FMA(n, -LN2_HI, xc);
    r = FMA(n, -LN2_LO, r);
    float p = FMA(FMA(FMA(FMA(FMA(FMA(FMA(r, 1.0f / 5040, 1.0f / 720), r, 1.0f / 120), r, 1.0f / 24), r, 1.0f / 6),
                          r, 0.5f), r, 1.0f), r, 1.0f);
    int32_t ni = (int32_t) n, h = ni >> 1;
    fb_bits s1, s2;
    s1.i = (h + 127) << 23;
    s2.i = (ni - h + 127) << 23;
    float y = p * s1.f * s2.f;
    y = x < MIN_X ? 0.0f : y;
    y = x > MAX_X ? INFINITY : y;
    return x != x ? x : y;
}

/* Σ x[0, n) in double, 8 partial sums (vectorisable without reassociating), fixed order. */
static inline double fb_sum_d(const float *x, int64_t n) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += (double) x[i + j];
    double s = 0;
    for (int j = 0; j < 8; j++) s += acc[j];
    for (; i < n; i++) s += x[i];
    return s;
}

static inline double fb_sumsq_d(const float *x, int64_t n) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) { double v = x[i + j]; acc[j] += v * v; }
    double s = 0;
    for (int j = 0; j < 8; j++) s += acc[j];
    for (; i < n; i++) { double v = x[i]; s += v * v; }
    return s;
}

/* Runs body over [0, n) in chunk-aligned ranges, threaded when n is large. */
void FN(par_elems)(int64_t n, fb_range_fn body, void *ctx);

/* FN(gemm) without the status exit, for kernels that multiply inside their own chunks. */
void FN(gemm_run)(int32_t batch, int32_t transA, int32_t transB, int32_t M, int32_t N, int32_t K, float alpha,
                  const float *A, int64_t sA, const float *B, int64_t sB, float beta, float *C, int64_t sC);

#endif
