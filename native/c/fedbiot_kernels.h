/*
 * Every function libfedbiot_cpu.so exports, and nothing else: the pragma below gives these
 * declarations default visibility (the build hides everything else), so a function is exported
 * exactly when it is declared here. The Java side binds each one (io.fedbiot.kernels.cpu.NativeOp)
 * and NativeHeaderTest checks that table against this file, so keep it to plain prototypes with
 * int32_t, int64_t, float and pointer parameters, one statement each.
 *
 * Kernels return a status: FB_OK, or one of the codes below with details in fb_last_error.
 * Shapes: see fb_common.h. Everything is float32 row-major; ids and targets int32.
 */
#ifndef FEDBIOT_KERNELS_H
#define FEDBIOT_KERNELS_H
#include <stdint.h>

#define FB_OK 0
#define FB_EID 1       /* a token id outside [0, V): the row in fb_last_error out[1] */
#define FB_ETARGET 2   /* a counted target outside [0, V): the row in out[1] */
#define FB_ENOMEM 3    /* an allocation failed: the bytes asked in out[0] */

#pragma GCC visibility push(default)

/* ---- library-wide (compiled once) ---------------------------------------------------- */

/* Starts the thread pool once (threads includes the caller); returns the size it has. */
int32_t fb_init(int32_t threads);

/* Best instruction set this CPU runs: 2 = AVX-512 (F, VL), 1 = AVX2 + FMA, 0 = portable. */
int32_t fb_best_isa(void);

/*
 * The last nonzero status a kernel returned on this thread, and clears it: out[0] = bytes asked
 * (FB_ENOMEM), out[1] = row (FB_EID, FB_ETARGET). 0 when none since the last read.
 */
int32_t fb_last_error(int64_t out[2]);

/* Tests only: the allocation after the next n (any thread) fails, once; n < 0 disables. */
void fb_test_fail_alloc_after(int32_t n);

/* ---- kernels, one set per instruction set: FN(gemm) is fb_avx2_gemm etc. --------------- */
#ifdef FB_ISA
#define FB_CAT3(a, b, c) a##b##_##c
#define FB_XCAT3(a, b, c) FB_CAT3(a, b, c)
#define FN(name) FB_XCAT3(fb_, FB_ISA, name)

/* C[i] = alpha op(A[i]) op(B[i]) + beta C[i] for i < batch, item i at offset i * stride. */
int32_t FN(gemm)(int32_t batch, int32_t transA, int32_t transB, int32_t M, int32_t N, int32_t K, float alpha,
                 const float *A, int64_t sA, const float *B, int64_t sB, float beta, float *C, int64_t sC);
/* Tile sizes of this variant: out = {MR, NR, KC, MC, NC}. */
int32_t FN(gemm_blocking)(int32_t *out);

int32_t FN(fill)(float *x, int64_t n, float v);
int32_t FN(copy)(float *dst, const float *src, int64_t n);
int32_t FN(add)(float *o, const float *a, const float *b, int64_t n);
int32_t FN(mul)(float *o, const float *a, const float *b, int64_t n);
int32_t FN(mul_acc)(float *y, const float *a, const float *b, int64_t n);
int32_t FN(scale)(float *o, const float *x, float s, int64_t n);
int32_t FN(axpy)(float *y, float alpha, const float *x, int64_t n);
int32_t FN(add_scalar)(float *y, const float *s, float factor, int64_t n);
int32_t FN(sum)(float *out, const float *x, int64_t n);
int32_t FN(sum_squares)(float *out, const float *x, int64_t n);
int32_t FN(swiglu_forward)(float *o, const float *a, const float *b, int64_t n);
int32_t FN(swiglu_backward)(float *da, float *db, const float *dOut, const float *a, const float *b, int64_t n);
int32_t FN(dropout)(float *out, float *mask, const float *x, int64_t n, float p, int64_t seed);
int32_t FN(adamw)(float *p, const float *g, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float wd, int32_t step);
int32_t FN(sgd)(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float wd);

int32_t FN(embedding_forward)(float *out, const float *table, const int32_t *ids, int32_t N, int32_t C, int32_t V);
int32_t FN(embedding_backward)(float *dTable, const float *dOut, const int32_t *ids, int32_t N, int32_t C, int64_t V);
int32_t FN(rmsnorm_forward)(float *y, float *rstd, const float *x, const float *w, int32_t N, int32_t C, float eps);
int32_t FN(rmsnorm_backward)(float *dx, float *dw, const float *dy, const float *x, const float *w,
                             const float *rstd, int32_t N, int32_t C);
int32_t FN(rope)(float *dst, const float *src, int32_t B, int32_t T, int32_t H, int32_t D, int32_t pos0,
                 float theta, int32_t interleaved, int32_t backward);

int32_t FN(attention_forward)(float *out, float *lse, const float *q, const float *k, const float *v,
                              int32_t B, int32_t Tq, int32_t Tk, int32_t H, int32_t G, int32_t D, float scale);
int32_t FN(attention_backward)(float *dq, float *dk, float *dv, const float *dOut, const float *out,
                               const float *lse, const float *q, const float *k, const float *v,
                               int32_t B, int32_t Tq, int32_t Tk, int32_t H, int32_t G, int32_t D, float scale);

int32_t FN(cross_entropy_forward)(float *loss, float *lse, const float *logits, const int32_t *targets,
                                  const float *mask, int32_t N, int32_t V);
int32_t FN(cross_entropy_backward)(float *dLogits, const float *dLoss, const float *logits, const float *lse,
                                   const int32_t *targets, const float *mask, int32_t N, int32_t V);
int32_t FN(kl_forward)(float *kl, const float *P, const float *Q, const float *mask, int32_t N, int32_t V);
int32_t FN(kl_backward)(float *dP, float *dQ, const float *dKl, const float *P, const float *Q,
                        const float *mask, int32_t N, int32_t V);
int32_t FN(nmse_forward)(float *out, const float *a, const float *b, const float *mask, int32_t N, int32_t C);
int32_t FN(nmse_backward)(float *dA, float *dB, const float *dOut, const float *a, const float *b,
                          const float *mask, int32_t N, int32_t C);
int32_t FN(linear_cross_entropy)(float *loss, float *gh, float *gW, const float *h, const float *W,
                                 const int32_t *targets, const float *mask, int32_t N, int32_t C, int32_t V);
#endif

#pragma GCC visibility pop
#endif
