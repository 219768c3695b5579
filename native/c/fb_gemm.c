/*
 * Batched SGEMM, Goto/BLIS style: C[i] = alpha op(A[i]) op(B[i]) + beta C[i]. op(A) [M,K] and
 * op(B) [K,N] are packed into contiguous slivers (so all four transposes share one micro-kernel),
 * blocked for the caches, and multiplied by an MR x NR register-tiled FMA micro-kernel:
 *
 *   for jc in N step NC          B panel  [KC, NC] packed (L2/L3)
 *     for pc in K step KC        (K split evenly into blocks <= KC)
 *       for ic in M step MC      A block  [MC, KC] packed (L2)
 *         for jr in NC step NR   B sliver [KC, NR] reused across the ir loop
 *           for ir in MC step MR micro-kernel: C[MR, NR] += A sliver [MR, KC] * B sliver
 *
 * Threads split the larger of M and N in whole tiles (never K), or whole batch items when the
 * batch is large, so every C element sees the same float ops whatever the thread count.
 * Up to GEMV_MAX_M rows (decoding) go to a matrix-vector path that streams B without packing.
 */
#include "fb_common.h"
#include <stdlib.h>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define MR 12
#define NR 32
#define KC 768
#define MC 96
#elif defined(__AVX2__)
#define MR 6
#define NR 16
#define KC 512
#define MC 120
#else
#define MR 4
#define NR 8
#define KC 256
#define MC 128
#endif
#define NC 2048
#define GEMV_MAX_M 3
#define PARALLEL_MIN_FLOPS ((int64_t) 1 << 21)

/* Per-thread packing buffers, grown on demand and kept for the thread's life. */
static __thread float *scratch_a, *scratch_b;
static __thread size_t cap_a, cap_b;

/* NULL (failure recorded, buffer dropped) when the larger buffer cannot be had. */
static float *grow(float **p, size_t *cap, size_t n) {
    if (*cap < n) {
        free(*p);
        *p = fb_aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
        *cap = *p ? n : 0;
    }
    return *p;
}

/* op(A)[ic:ic+mc, pc:pc+kc] as MR-row slivers [kc][MR], zero-padded to MR rows. */
static void pack_a(int transA, const float *A, int M, int K, int ic, int mc, int pc, int kc, float *restrict ap) {
    for (int ir = 0; ir < mc; ir += MR) {
        int rows = mc - ir < MR ? mc - ir : MR;
        float *dst = ap + (int64_t) ir * kc;
        if (!transA) {   /* A [M,K]: MR row streams */
            const float *src[MR];
            for (int r = 0; r < MR; r++) src[r] = A + (int64_t) (ic + ir + (r < rows ? r : 0)) * K + pc;
            if (rows == MR) {
                for (int k = 0; k < kc; k++)
                    for (int r = 0; r < MR; r++) dst[k * MR + r] = src[r][k];
            } else {
                for (int k = 0; k < kc; k++)
                    for (int r = 0; r < MR; r++) dst[k * MR + r] = r < rows ? src[r][k] : 0.0f;
            }
        } else {         /* A [K,M]: row k holds MR consecutive elements */
            for (int k = 0; k < kc; k++) {
                const float *src = A + (int64_t) (pc + k) * M + ic + ir;
                for (int r = 0; r < rows; r++) dst[k * MR + r] = src[r];
                for (int r = rows; r < MR; r++) dst[k * MR + r] = 0.0f;
            }
        }
    }
}

/* op(B)[pc:pc+kc, jc:jc+nc] as NR-column slivers [kc][NR], zero-padded to NR columns. */
static void pack_b(int transB, const float *B, int N, int K, int pc, int kc, int jc, int nc, float *restrict bp) {
    for (int jr = 0; jr < nc; jr += NR) {
        int cols = nc - jr < NR ? nc - jr : NR;
        float *dst = bp + (int64_t) jr * kc;
        if (!transB) {   /* B [K,N]: each sliver row is a contiguous run */
            for (int k = 0; k < kc; k++) {
                const float *src = B + (int64_t) (pc + k) * N + jc + jr;
                if (cols == NR) memcpy(dst + k * NR, src, NR * sizeof(float));
                else {
                    for (int c = 0; c < cols; c++) dst[k * NR + c] = src[c];
                    for (int c = cols; c < NR; c++) dst[k * NR + c] = 0.0f;
                }
            }
        } else {         /* B [N,K]: NR row streams, transposed in 8x8-ish runs by the compiler */
            const float *src[NR];
            for (int c = 0; c < NR; c++) src[c] = B + (int64_t) (jc + jr + (c < cols ? c : 0)) * K + pc;
            if (cols == NR) {
                for (int k = 0; k < kc; k++)
                    for (int c = 0; c < NR; c++) dst[k * NR + c] = src[c][k];
            } else {
                for (int k = 0; k < kc; k++)
                    for (int c = 0; c < NR; c++) dst[k * NR + c] = c < cols ? src[c][k] : 0.0f;
            }
        }
    }
}

/* tile [MR*NR] = A sliver [kc][MR] x B sliver [kc][NR]. */
static void micro(int kc, const float *restrict a, const float *restrict b, float *restrict tile) {
#if defined(__AVX512F__)
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
           c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00,
           c80 = c00, c81 = c00, c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
    for (int k = 0; k < kc; k++, a += MR, b += NR) {
        __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16), x;
#define ROW(i, r0, r1) x = _mm512_set1_ps(a[i]); r0 = _mm512_fmadd_ps(x, b0, r0); r1 = _mm512_fmadd_ps(x, b1, r1);
        ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)
        ROW(6, c60, c61) ROW(7, c70, c71) ROW(8, c80, c81) ROW(9, c90, c91) ROW(10, ca0, ca1) ROW(11, cb0, cb1)
#undef ROW
    }
#define OUT(i, r0, r1) _mm512_store_ps(tile + (i) * NR, r0); _mm512_store_ps(tile + (i) * NR + 16, r1);
    OUT(0, c00, c01) OUT(1, c10, c11) OUT(2, c20, c21) OUT(3, c30, c31) OUT(4, c40, c41) OUT(5, c50, c51)
    OUT(6, c60, c61) OUT(7, c70, c71) OUT(8, c80, c81) OUT(9, c90, c91) OUT(10, ca0, ca1) OUT(11, cb0, cb1)
#undef OUT
#elif defined(__AVX2__)
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int k = 0; k < kc; k++, a += MR, b += NR) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8), x;
#define ROW(i, r0, r1) x = _mm256_broadcast_ss(a + i); r0 = _mm256_fmadd_ps(x, b0, r0); r1 = _mm256_fmadd_ps(x, b1, r1);
        ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)
#undef ROW
    }
#define OUT(i, r0, r1) _mm256_store_ps(tile + (i) * NR, r0); _mm256_store_ps(tile + (i) * NR + 8, r1);
    OUT(0, c00, c01) OUT(1, c10, c11) OUT(2, c20, c21) OUT(3, c30, c31) OUT(4, c40, c41) OUT(5, c50, c51)
#undef OUT
#else
    float acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = 0.0f;
    for (int k = 0; k < kc; k++, a += MR, b += NR)
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) tile[i * NR + j] = acc[i][j];
#endif
}

/* C tile [rows, cols] = alpha * tile + beta * C (beta == 0 ignores C, even NaN). */
static void store(const float *restrict tile, float *restrict C, int64_t ldc, int rows, int cols, float alpha, float beta) {
    for (int r = 0; r < rows; r++) {
        float *restrict c = C + r * ldc;
        const float *restrict t = tile + r * NR;
        if (beta == 0.0f) for (int j = 0; j < cols; j++) c[j] = t[j] * alpha;
        else if (beta == 1.0f) for (int j = 0; j < cols; j++) c[j] = FMA(t[j], alpha, c[j]);
        else for (int j = 0; j < cols; j++) c[j] = FMA(t[j], alpha, c[j] * beta);
    }
}

/* C[i0:i1, j0:j1] of one item, all of K, on this thread. */
static void block(int transA, int transB, int M, int N, int K, int i0, int i1, int j0, int j1, float alpha,
                  const float *A, const float *B, float beta, float *C) {
    int kblocks = (K + KC - 1) / KC, kcs = (K + kblocks - 1) / kblocks;
    float tile[MR * NR] __attribute__((aligned(64)));
    int ncmax = j1 - j0 < NC ? j1 - j0 : NC, mcmax = i1 - i0 < MC ? i1 - i0 : MC;
    float *bp = grow(&scratch_b, &cap_b, (size_t) kcs * ((ncmax + NR - 1) / NR * NR));
    float *ap = bp ? grow(&scratch_a, &cap_a, (size_t) kcs * ((mcmax + MR - 1) / MR * MR)) : NULL;
    if (!ap) return;
    for (int jc = j0; jc < j1; jc += NC) {
        int nc = j1 - jc < NC ? j1 - jc : NC;
        for (int pc = 0; pc < K; pc += kcs) {
            int kc = K - pc < kcs ? K - pc : kcs;
            pack_b(transB, B, N, K, pc, kc, jc, nc, bp);
            float be = pc == 0 ? beta : 1.0f;   /* later K blocks accumulate onto the first */
            for (int ic = i0; ic < i1; ic += MC) {
                int mc = i1 - ic < MC ? i1 - ic : MC;
                pack_a(transA, A, M, K, ic, mc, pc, kc, ap);
                for (int jr = 0; jr < nc; jr += NR) {
                    int cols = nc - jr < NR ? nc - jr : NR;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int rows = mc - ir < MR ? mc - ir : MR;
                        micro(kc, ap + (int64_t) ir * kc, bp + (int64_t) jr * kc, tile);
                        store(tile, C + (int64_t) (ic + ir) * N + jc + jr, N, rows, cols, alpha, be);
                    }
                }
            }
        }
    }
}

/*
 * Large single items: the B panel is packed once, shared by all threads (pack split over NR
 * slivers), then threads take runs of whole MR slivers of rows, each packing its own A blocks. Packing B
 * once instead of once per thread matters when K is large (the dW GEMMs, K = B*T).
 */
typedef struct {
    int transA, transB, M, N, K, jc, nc, pc, kc;
    float alpha, beta;
    const float *A, *B;
    float *C, *bp;
} shared_ctx;

static void shared_pack_b(void *c_, int64_t lo, int64_t hi) {
    shared_ctx *c = c_;
    int j0 = (int) lo * NR, j1 = (int) hi * NR < c->nc ? (int) hi * NR : c->nc;
    pack_b(c->transB, c->B, c->N, c->K, c->pc, c->kc, c->jc + j0, j1 - j0, c->bp + (int64_t) j0 * c->kc);
}

static void shared_rows(void *c_, int64_t lo, int64_t hi) {
    shared_ctx *c = c_;
    float tile[MR * NR] __attribute__((aligned(64)));
    float *ap = grow(&scratch_a, &cap_a, (size_t) c->kc * ((MC + MR - 1) / MR * MR));
    if (!ap) return;
    int i0 = (int) lo * MR, i1 = (int) hi * MR < c->M ? (int) hi * MR : c->M;   /* whole MR slivers */
    for (int ic = i0; ic < i1; ic += MC) {
        int mc = i1 - ic < MC ? i1 - ic : MC;
        pack_a(c->transA, c->A, c->M, c->K, ic, mc, c->pc, c->kc, ap);
        for (int jr = 0; jr < c->nc; jr += NR) {
            int cols = c->nc - jr < NR ? c->nc - jr : NR;
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = mc - ir < MR ? mc - ir : MR;
                micro(c->kc, ap + (int64_t) ir * c->kc, c->bp + (int64_t) jr * c->kc, tile);
                store(tile, c->C + (int64_t) (ic + ir) * c->N + c->jc + jr, c->N, rows, cols, c->alpha, c->beta);
            }
        }
    }
}

static __thread float *shared_b;   /* the caller's; workers only read it during the call */
static __thread size_t shared_b_cap;

static void gemm_shared(int transA, int transB, int M, int N, int K, float alpha, const float *A, const float *B,
                        float beta, float *C) {
    int kblocks = (K + KC - 1) / KC, kcs = (K + kblocks - 1) / kblocks;
    int ncmax = N < NC ? N : NC;
    float *bp = grow(&shared_b, &shared_b_cap, (size_t) kcs * ((ncmax + NR - 1) / NR * NR));
    if (!bp) return;
    shared_ctx c = {transA, transB, M, N, K, 0, 0, 0, 0, alpha, beta, A, B, C, bp};
    for (int jc = 0; jc < N; jc += NC) {
        c.jc = jc;
        c.nc = N - jc < NC ? N - jc : NC;
        for (int pc = 0; pc < K; pc += kcs) {
            c.pc = pc;
            c.kc = K - pc < kcs ? K - pc : kcs;
            c.beta = pc == 0 ? beta : 1.0f;   /* later K blocks accumulate onto the first */
            fb_parallel((c.nc + NR - 1) / NR, 4, shared_pack_b, &c);
            fb_parallel((M + MR - 1) / MR, 1, shared_rows, &c);
            if (fb_failed()) return;
        }
    }
}

/* ---- matrix-vector path: C [M,N] = alpha A [M,K] op(B) + beta C, M tiny ------------------ */

#define GEMV_CHUNK 64

static void gemv_cols(int transB, int M, int N, int K, int n0, int n1, float alpha, const float *A,
                      const float *B, float beta, float *C) {
    for (int m = 0; m < M; m++) {
        const float *restrict a = A + (int64_t) m * K;
        float *restrict c = C + (int64_t) m * N;
        if (transB) {   /* B [N,K]: dot products */
            for (int n = n0; n < n1; n++) {
                const float *restrict b = B + (int64_t) n * K;
                float acc[LANES] = {0};
                int k = 0;
                for (; k + LANES <= K; k += LANES)
                    for (int l = 0; l < LANES; l++) acc[l] = FMA(a[k + l], b[k + l], acc[l]);
                float s = 0;
                for (int l = 0; l < LANES; l++) s += acc[l];
                for (; k < K; k++) s += a[k] * b[k];
                c[n] = beta == 0.0f ? s * alpha : FMA(s, alpha, c[n] * beta);
            }
        } else {        /* B [K,N]: rows of B scaled into an accumulator strip */
            for (int s0 = n0; s0 < n1; s0 += GEMV_CHUNK) {
                float acc[GEMV_CHUNK];
                int w = n1 - s0 < GEMV_CHUNK ? n1 - s0 : GEMV_CHUNK;
                for (int j = 0; j < w; j++) acc[j] = 0;
                for (int k = 0; k < K; k++) {
                    const float *restrict b = B + (int64_t) k * N + s0;
                    float ak = a[k];
                    for (int j = 0; j < w; j++) acc[j] = FMA(ak, b[j], acc[j]);
                }
                for (int j = 0; j < w; j++) c[s0 + j] = beta == 0.0f ? acc[j] * alpha : FMA(acc[j], alpha, c[s0 + j] * beta);
            }
        }
    }
}

/* ---- driver ------------------------------------------------------------------------------ */

typedef struct {
    int transA, transB, M, N, K;
    float alpha, beta;
    const float *A, *B;
    float *C;
    int64_t sA, sB, sC;
    int item, split_m;
} gc;

static void item_serial(gc *g, int b) {
    const float *A = g->A + b * g->sA, *B = g->B + b * g->sB;
    float *C = g->C + b * g->sC;
    if (g->M <= GEMV_MAX_M && !g->transA)
        gemv_cols(g->transB, g->M, g->N, g->K, 0, g->N, g->alpha, A, B, g->beta, C);
    else
        block(g->transA, g->transB, g->M, g->N, g->K, 0, g->M, 0, g->N, g->alpha, A, B, g->beta, C);
}

static void batch_range(void *c_, int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; b++) item_serial(c_, (int) b);
}

static void tiles_range(void *c_, int64_t lo, int64_t hi) {
    gc *g = c_;
    const float *A = g->A + g->item * g->sA, *B = g->B + g->item * g->sB;
    float *C = g->C + g->item * g->sC;
    if (g->split_m) {
        int i0 = (int) lo * MR, i1 = (int) hi * MR < g->M ? (int) hi * MR : g->M;
        block(g->transA, g->transB, g->M, g->N, g->K, i0, i1, 0, g->N, g->alpha, A, B, g->beta, C);
    } else {
        int j0 = (int) lo * NR, j1 = (int) hi * NR < g->N ? (int) hi * NR : g->N;
        block(g->transA, g->transB, g->M, g->N, g->K, 0, g->M, j0, j1, g->alpha, A, B, g->beta, C);
    }
}

static void gemv_range(void *c_, int64_t lo, int64_t hi) {
    gc *g = c_;
    int n0 = (int) lo * GEMV_CHUNK, n1 = (int) hi * GEMV_CHUNK < g->N ? (int) hi * GEMV_CHUNK : g->N;
    gemv_cols(g->transB, g->M, g->N, g->K, n0, n1, g->alpha, g->A + g->item * g->sA, g->B + g->item * g->sB,
              g->beta, g->C + g->item * g->sC);
}

void FN(gemm_run)(int32_t batch, int32_t transA, int32_t transB, int32_t M, int32_t N, int32_t K, float alpha,
                  const float *A, int64_t sA, const float *B, int64_t sB, float beta, float *C, int64_t sC) {
    if (batch <= 0 || M <= 0 || N <= 0) return;
    if (K == 0 || alpha == 0.0f) {   /* BLAS convention: A and B are not read */
        for (int b = 0; b < batch; b++) {
            float *c = C + b * sC;
            int64_t n = (int64_t) M * N;
            if (beta == 0.0f) memset(c, 0, (size_t) n * 4);
            else if (beta != 1.0f) for (int64_t i = 0; i < n; i++) c[i] *= beta;
        }
        return;
    }
    gc g = {transA, transB, M, N, K, alpha, beta, A, B, C, sA, sB, sC, 0, 0};
    int64_t flops = (int64_t) 2 * M * N * K;
    int threads = fb_threads();
    int c_distinct = batch == 1 || (sC < 0 ? -sC : sC) >= (int64_t) M * N;
    if (threads == 1 || fb_in_pool() || flops * batch < PARALLEL_MIN_FLOPS) {   /* nested: serial */
        for (int b = 0; b < batch && !fb_failed(); b++) item_serial(&g, b);
    } else if (c_distinct && batch >= threads && (batch % threads == 0 || batch >= 4 * threads)) {
        fb_parallel(batch, 1, batch_range, &g);
    } else {
        for (int b = 0; b < batch && !fb_failed(); b++) {
            g.item = b;
            if (flops < PARALLEL_MIN_FLOPS) { item_serial(&g, b); continue; }
            if (M <= GEMV_MAX_M && !transA) {
                fb_parallel((N + GEMV_CHUNK - 1) / GEMV_CHUNK, 1, gemv_range, &g);
            } else if ((M + MR - 1) / MR >= 4 * threads) {
                gemm_shared(transA, transB, M, N, K, alpha, g.A + b * sA, g.B + b * sB, beta, g.C + b * sC);
            } else if (M >= N) {
                g.split_m = 1;
                int64_t units = (M + MR - 1) / MR, min_units = PARALLEL_MIN_FLOPS / 2 / ((int64_t) 2 * MR * N * K);
                fb_parallel(units, min_units > 0 ? min_units : 1, tiles_range, &g);
            } else {
                g.split_m = 0;
                int64_t units = (N + NR - 1) / NR, min_units = PARALLEL_MIN_FLOPS / 2 / ((int64_t) 2 * NR * M * K);
                fb_parallel(units, min_units > 0 ? min_units : 1, tiles_range, &g);
            }
        }
    }
}

int32_t FN(gemm)(int32_t batch, int32_t transA, int32_t transB, int32_t M, int32_t N, int32_t K, float alpha,
                 const float *A, int64_t sA, const float *B, int64_t sB, float beta, float *C, int64_t sC) {
    FN(gemm_run)(batch, transA, transB, M, N, K, alpha, A, sA, B, sB, beta, C, sC);
    return fb_end();
}

/* Tile sizes of this variant, for tests that aim at the blocking edges: {MR, NR, KC, MC, NC}. */
int32_t FN(gemm_blocking)(int32_t *out) {
    out[0] = MR; out[1] = NR; out[2] = KC; out[3] = MC; out[4] = NC;
    return FB_OK;
}
