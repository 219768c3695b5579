/*
 * Embedding, RMSNorm and rotary embedding. Row kernels split rows over threads; kernels that sum
 * over rows into one [C] or [V,C] target (embedding scatter-add, RMSNorm dw) split columns, so
 * no two threads touch the same element and each column is summed in row order.
 */
#include "fb_common.h"

static int64_t min_rows(int64_t row_elems) {
    int64_t r = MIN_TASK / (row_elems > 0 ? row_elems : 1);
    return r > 0 ? r : 1;
}

/* Index of the first id outside [0, V), or -1. */
static int bad_id(const int32_t *ids, int N, int64_t V) {
    for (int n = 0; n < N; n++)
        if (ids[n] < 0 || ids[n] >= V) return n;
    return -1;
}

typedef struct {
    float *o, *o2;
    const float *a, *b, *c, *d;
    const int32_t *ids;
    int N, C;
    float eps;
} nc;

static void emb_f_range(void *c_, int64_t lo, int64_t hi) {
    nc *c = c_;
    for (int64_t n = lo; n < hi; n++)
        memcpy(c->o + n * c->C, c->a + (int64_t) c->ids[n] * c->C, (size_t) c->C * 4);
}

/* FB_EID with the row of the first id outside [0, V) (nothing written then). */
static int32_t fail_id(int row) {
    fb_fail(FB_EID, 0, row);
    return fb_end();
}

int32_t FN(embedding_forward)(float *out, const float *table, const int32_t *ids, int32_t N, int32_t C, int32_t V) {
    int bad = bad_id(ids, N, V);
    if (bad >= 0) return fail_id(bad);
    nc c = {.o = out, .a = table, .ids = ids, .N = N, .C = C};
    fb_parallel(N, min_rows(C), emb_f_range, &c);
    return fb_end();
}

static void emb_b_range(void *c_, int64_t c0, int64_t c1) {
    nc *c = c_;
    for (int n = 0; n < c->N; n++) {
        float *restrict dst = c->o + (int64_t) c->ids[n] * c->C;
        const float *restrict src = c->a + (int64_t) n * c->C;
        for (int64_t j = c0; j < c1; j++) dst[j] += src[j];
    }
}

/* dTable [V,C] [ids[n], :] += dOut [N,C] [n, :]; FB_EID for a bad id, as the forward. */
int32_t FN(embedding_backward)(float *dTable, const float *dOut, const int32_t *ids, int32_t N, int32_t C, int64_t V) {
    if (N <= 0 || C <= 0) return FB_OK;
    int bad = bad_id(ids, N, V);
    if (bad >= 0) return fail_id(bad);
    nc c = {.o = dTable, .a = dOut, .ids = ids, .N = N, .C = C};
    fb_parallel(C, min_rows(N), emb_b_range, &c);
    return fb_end();
}

/* ---- RMSNorm ------------------------------------------------------------------------ */

static void rms_f_range(void *c_, int64_t lo, int64_t hi) {
    nc *c = c_;
    int C = c->C;
    const float *restrict w = c->b;
    for (int64_t n = lo; n < hi; n++) {
        const float *restrict x = c->a + n * C;
        float *restrict y = c->o + n * C;
        double ms = fb_sumsq_d(x, C) / C;
        float r = (float) (1.0 / sqrt(ms + c->eps));
        c->o2[n] = r;
        for (int j = 0; j < C; j++) y[j] = x[j] * r * w[j];
    }
}

int32_t FN(rmsnorm_forward)(float *y, float *rstd, const float *x, const float *w, int32_t N, int32_t C, float eps) {
    nc c = {.o = y, .o2 = rstd, .a = x, .b = w, .N = N, .C = C, .eps = eps};
    fb_parallel(N, min_rows(C), rms_f_range, &c);
    return fb_end();
}

/* dx += r w dy - (r³/C) x Σ_c(dy w x), r = rstd[n]. */
static void rms_dx_range(void *c_, int64_t lo, int64_t hi) {
    nc *c = c_;
    int C = c->C;
    const float *restrict w = c->b, *restrict rstd = c->d;
    for (int64_t n = lo; n < hi; n++) {
        const float *restrict x = c->a + n * C, *restrict dy = c->c + n * C;
        float *restrict dx = c->o + n * C;
        float r = rstd[n];
        double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int j = 0;
        for (; j + 8 <= C; j += 8)
            for (int l = 0; l < 8; l++) acc[l] += (double) (dy[j + l] * w[j + l] * x[j + l]);
        double dot = 0;
        for (int l = 0; l < 8; l++) dot += acc[l];
        for (; j < C; j++) dot += dy[j] * w[j] * x[j];
        float k = (float) ((double) r * r * r * dot / C);
        for (j = 0; j < C; j++) dx[j] = dx[j] + (dy[j] * w[j] * r - x[j] * k);
    }
}

/* dw [C] += Σ_n dy x r, column-parallel with double accumulators. */
static void rms_dw_range(void *c_, int64_t c0, int64_t c1) {
    nc *c = c_;
    int C = c->C;
    int64_t len = c1 - c0;
    double stack[512], *acc = len <= 512 ? stack : fb_malloc((size_t) len * sizeof(double));
    if (!acc) return;
    for (int64_t j = 0; j < len; j++) acc[j] = 0;
    for (int n = 0; n < c->N; n++) {
        const float *restrict x = c->a + (int64_t) n * C + c0, *restrict dy = c->c + (int64_t) n * C + c0;
        float r = c->d[n];
        for (int64_t j = 0; j < len; j++) acc[j] += (double) (dy[j] * x[j] * r);
    }
    for (int64_t j = 0; j < len; j++) c->o2[c0 + j] = (float) (c->o2[c0 + j] + acc[j]);
    if (acc != stack) free(acc);
}

int32_t FN(rmsnorm_backward)(float *dx, float *dw, const float *dy, const float *x, const float *w,
                             const float *rstd, int32_t N, int32_t C) {
    nc c = {.o = dx, .o2 = dw, .a = x, .b = w, .c = dy, .d = rstd, .N = N, .C = C};
    if (dx) fb_parallel(N, min_rows(C), rms_dx_range, &c);
    if (dw) fb_parallel(C, min_rows(N) < 16 ? 16 : min_rows(N), rms_dw_range, &c);
    return fb_end();
}

/* ---- rotary embedding --------------------------------------------------------------- */

typedef struct {
    float *dst;
    const float *src;
    const float *freq;
    int T, H, D, pos0, interleaved, backward;
} rope_ctx;

static void rope_range(void *c_, int64_t lo, int64_t hi) {
    rope_ctx *c = c_;
    int D = c->D, half = D / 2, H = c->H;
    float cs[half > 0 ? half : 1], sn[half > 0 ? half : 1];
    int tab_t = -1;
    for (int64_t bt = lo; bt < hi; bt++) {
        int t = (int) (bt % c->T);
        if (t != tab_t) {
            tab_t = t;
            float pos = (float) (c->pos0 + t);
            for (int i = 0; i < half; i++) {
                float angle = pos * c->freq[i];
                cs[i] = (float) cos((double) angle);
                float s = (float) sin((double) angle);
                sn[i] = c->backward ? -s : s;
            }
        }
        for (int h = 0; h < H; h++) {
            int64_t base = (bt * H + h) * D;
            const float *x = c->src + base;
            float *y = c->dst + base;  /* may alias x (forward in place) */
            if (c->interleaved) {
                for (int i = 0; i < half; i++) {
                    float a = x[2 * i], b = x[2 * i + 1];
                    float ra = a * cs[i] + b * -sn[i], rb = b * cs[i] + a * sn[i];
                    if (c->backward) { ra += y[2 * i]; rb += y[2 * i + 1]; }
                    y[2 * i] = ra;
                    y[2 * i + 1] = rb;
                }
            } else {
                for (int i = 0; i < half; i++) {
                    float a = x[i], b = x[half + i];
                    float ra = a * cs[i] - b * sn[i], rb = a * sn[i] + b * cs[i];
                    if (c->backward) { ra += y[i]; rb += y[half + i]; }
                    y[i] = ra;
                    y[half + i] = rb;
                }
            }
        }
    }
}

/* dst = rotate(src) (forward; may alias) or dst += rotate(src) by the opposite angle (backward). */
int32_t FN(rope)(float *dst, const float *src, int32_t B, int32_t T, int32_t H, int32_t D, int32_t pos0,
                 float theta, int32_t interleaved, int32_t backward) {
    int half = D / 2;
    float freq[half > 0 ? half : 1];
    for (int i = 0; i < half; i++) freq[i] = (float) (1.0 / pow(theta, (2.0 * i) / D));
    rope_ctx c = {dst, src, freq, T, H, D, pos0, interleaved, backward};
    fb_parallel((int64_t) B * T, min_rows((int64_t) H * D), rope_range, &c);
    return fb_end();
}
