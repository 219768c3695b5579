/*
 * Masked scalar losses: softmax cross-entropy, KL between two softmaxes, normalised MSE. Row
 * weights m_n from mask [N] (NULL = 1); a row with m_n == 0 is skipped (targets never read).
 * No probability matrix is stored; row results go to a double[N] scratch summed in row order.
 */
#include "fb_common.h"

#define MIN_WORK ((int64_t) 1 << 14)

static int64_t rows_per_task(int64_t width) {
    int64_t r = MIN_WORK / (width > 0 ? width : 1);
    return r > 0 ? r : 1;
}

static inline float weight(const float *mask, int64_t n) { return mask ? mask[n] : 1.0f; }

static double mask_sum(const float *mask, int N) {
    if (!mask) return N;
    double s = 0;
    for (int n = 0; n < N; n++) s += mask[n];
    return s;
}

static float row_max(const float *x, int V) {
    float acc[LANES];
    for (int l = 0; l < LANES; l++) acc[l] = -INFINITY;
    int i = 0;
    for (; i + LANES <= V; i += LANES)
        for (int l = 0; l < LANES; l++) acc[l] = x[i + l] > acc[l] ? x[i + l] : acc[l];
    float m = -INFINITY;
    for (int l = 0; l < LANES; l++) m = acc[l] > m ? acc[l] : m;
    for (; i < V; i++) m = x[i] > m ? x[i] : m;
    return m;
}

/* Σ exp(x - shift): float lanes per 512-element chunk, chunks summed in double. */
static double sum_exp(const float *x, int V, float shift) {
    double s = 0;
    int i = 0;
    while (i + LANES <= V) {
        float acc[LANES] = {0};
        int end = i + 512 < V ? i + 512 : V;
        for (; i + LANES <= end; i += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += fb_exp(x[i + l] - shift);
        for (int l = 0; l < LANES; l++) s += acc[l];
    }
    for (; i < V; i++) s += fb_exp(x[i] - shift);
    return s;
}

static float lse_row(const float *x, int V) {
    float mx = row_max(x, V);
    return (float) (mx + log(sum_exp(x, V, mx)));
}

/* FB_ETARGET with the row of the first counted target outside [0, V), or FB_OK. */
static int32_t bad_target(const int32_t *targets, const float *mask, int N, int V) {
    for (int n = 0; n < N; n++) {
        if (weight(mask, n) == 0.0f) continue;
        if (targets[n] < 0 || targets[n] >= V) {
            fb_fail(FB_ETARGET, 0, n);
            return fb_end();
        }
    }
    return FB_OK;
}

typedef struct {
    float *o, *o2;
    const float *a, *b, *mask;
    const int32_t *targets;
    double *rows, *rows2;
    int N, V;
    double g, sm, S, Q;
} lc;

/* ---- cross-entropy ------------------------------------------------------------------ */

static void ce_f_range(void *c_, int64_t lo, int64_t hi) {
    lc *c = c_;
    for (int64_t n = lo; n < hi; n++) {
        const float *x = c->a + n * c->V;
        float mx = row_max(x, c->V);
        double l = mx + log(sum_exp(x, c->V, mx));
        c->o2[n] = (float) l;
        float m = weight(c->mask, n);
        c->rows[n] = m != 0.0f ? m * (l - x[c->targets[n]]) : 0.0;
    }
}

/* FB_ETARGET for a bad counted target (nothing written then). */
int32_t FN(cross_entropy_forward)(float *loss, float *lse, const float *logits, const int32_t *targets,
                                  const float *mask, int32_t N, int32_t V) {
    int32_t bad = bad_target(targets, mask, N, V);
    if (bad) return bad;
    double *rows = fb_malloc(sizeof(double) * (N > 0 ? N : 1));
    if (!rows) return fb_end();
    lc c = {.o2 = lse, .a = logits, .mask = mask, .targets = targets, .rows = rows, .N = N, .V = V};
    fb_parallel(N, rows_per_task(V), ce_f_range, &c);
    double sm = mask_sum(mask, N), s = 0;
    for (int n = 0; n < N; n++) s += rows[n];
    free(rows);
    loss[0] = sm == 0 ? 0.0f : (float) (s / sm);
    return fb_end();
}

static void ce_b_range(void *c_, int64_t lo, int64_t hi) {
    lc *c = c_;
    int V = c->V;
    for (int64_t n = lo; n < hi; n++) {
        float m = weight(c->mask, n);
        if (m == 0.0f) continue;
        float k = (float) (c->g * m / c->sm), shift = c->b[n];
        const float *restrict x = c->a + n * V;
        float *restrict d = c->o + n * V;
        for (int i = 0; i < V; i++) d[i] = FMA(fb_exp(x[i] - shift), k, d[i]);
        d[c->targets[n]] -= k;
    }
}

int32_t FN(cross_entropy_backward)(float *dLogits, const float *dLoss, const float *logits, const float *lse,
                                   const int32_t *targets, const float *mask, int32_t N, int32_t V) {
    int32_t bad = bad_target(targets, mask, N, V);
    if (bad) return bad;
    double sm = mask_sum(mask, N);
    if (sm == 0) return FB_OK;
    lc c = {.o = dLogits, .a = logits, .b = lse, .mask = mask, .targets = targets, .N = N, .V = V,
            .g = dLoss[0], .sm = sm};
    fb_parallel(N, rows_per_task(V), ce_b_range, &c);
    return fb_end();
}

/* ---- KL(softmax(P) || softmax(Q)) ---------------------------------------------------- */

/* Σ_v p (log p - log q) = Σ p (P - Q) + lq - lp, p = exp(P - lp). */
static double kl_row(const float *P, const float *Q, int V, float lp, float lq) {
    double s = 0;
    int i = 0;
    while (i + LANES <= V) {
        float acc[LANES] = {0};
        int end = i + 512 < V ? i + 512 : V;
        for (; i + LANES <= end; i += LANES)
            for (int l = 0; l < LANES; l++) acc[l] = FMA(fb_exp(P[i + l] - lp), P[i + l] - Q[i + l], acc[l]);
        for (int l = 0; l < LANES; l++) s += acc[l];
    }
    for (; i < V; i++) s += fb_exp(P[i] - lp) * (P[i] - Q[i]);
    return s + ((double) lq - lp);
}

static void kl_f_range(void *c_, int64_t lo, int64_t hi) {
    lc *c = c_;
    for (int64_t n = lo; n < hi; n++) {
        float m = weight(c->mask, n);
        if (m == 0.0f) { c->rows[n] = 0; continue; }
        const float *P = c->a + n * c->V, *Q = c->b + n * c->V;
        c->rows[n] = m * kl_row(P, Q, c->V, lse_row(P, c->V), lse_row(Q, c->V));
    }
}

int32_t FN(kl_forward)(float *kl, const float *P, const float *Q, const float *mask, int32_t N, int32_t V) {
    double *rows = fb_malloc(sizeof(double) * (N > 0 ? N : 1));
    if (!rows) return fb_end();
    lc c = {.a = P, .b = Q, .mask = mask, .rows = rows, .N = N, .V = V};
    fb_parallel(N, rows_per_task(V), kl_f_range, &c);
    double sm = mask_sum(mask, N), s = 0;
    for (int n = 0; n < N; n++) s += rows[n];
    free(rows);
    kl[0] = sm == 0 ? 0.0f : (float) (s / sm);
    return fb_end();
}

/* dP += c p ⊙ (P - Q - shift), shift = lp - lq + KL_n; dQ += c (q - p). */
static void kl_b_range(void *c_, int64_t lo, int64_t hi) {
    lc *c = c_;
    int V = c->V;
    float *dP = c->o, *dQ = c->o2;
    for (int64_t n = lo; n < hi; n++) {
        float m = weight(c->mask, n);
        if (m == 0.0f) continue;
        float k = (float) (c->g * m / c->sm);
        const float *restrict P = c->a + n * V, *restrict Q = c->b + n * V;
        float lp = lse_row(P, V), lq = lse_row(Q, V);
        float shift = dP ? (float) (lp - lq + kl_row(P, Q, V, lp, lq)) : 0.0f;
        if (dP) {
            float *restrict d = dP + n * V;
            for (int i = 0; i < V; i++) d[i] = FMA(fb_exp(P[i] - lp) * (P[i] - Q[i] - shift), k, d[i]);
        }
        if (dQ) {
            float *restrict d = dQ + n * V;
            for (int i = 0; i < V; i++) d[i] = FMA(fb_exp(Q[i] - lq) - fb_exp(P[i] - lp), k, d[i]);
        }
    }
}

int32_t FN(kl_backward)(float *dP, float *dQ, const float *dKl, const float *P, const float *Q,
                        const float *mask, int32_t N, int32_t V) {
    if (!dP && !dQ) return FB_OK;
    double sm = mask_sum(mask, N);
    if (sm == 0) return FB_OK;
    lc c = {.o = dP, .o2 = dQ, .a = P, .b = Q, .mask = mask, .N = N, .V = V, .g = dKl[0], .sm = sm};
    fb_parallel(N, rows_per_task(V), kl_b_range, &c);
    return fb_end();
}

/* ---- NMSE ----------------------------------------------------------------------------- */

static void nmse_s_range(void *c_, int64_t lo, int64_t hi) {
    lc *c = c_;
    int C = c->V;
    for (int64_t n = lo; n < hi; n++) {
        float m = weight(c->mask, n);
        if (m == 0.0f) { c->rows[n] = c->rows2[n] = 0; continue; }
        const float *a = c->a + n * C, *b = c->b + n * C;
        double s = 0, q = 0;
        int i = 0;
        while (i + LANES <= C) {
            float as[LANES] = {0}, aq[LANES] = {0};
            int end = i + 512 < C ? i + 512 : C;
            for (; i + LANES <= end; i += LANES)
                for (int l = 0; l < LANES; l++) {
                    float bv = b[i + l], d = bv - a[i + l];
                    as[l] = FMA(d, d, as[l]);
                    aq[l] = FMA(bv, bv, aq[l]);
                }
            for (int l = 0; l < LANES; l++) { s += as[l]; q += aq[l]; }
        }
        for (; i < C; i++) {
            double bv = b[i], d = bv - a[i];
            s += d * d;
            q += bv * bv;
        }
        c->rows[n] = m * s;
        c->rows2[n] = m * q;
    }
}

/* c->S, c->Q; 0 when the row scratch cannot be allocated (the failure is recorded). */
static int nmse_sums(lc *c) {
    c->rows = fb_malloc(sizeof(double) * 2 * (c->N > 0 ? c->N : 1));
    if (!c->rows) return 0;
    c->rows2 = c->rows + c->N;
    fb_parallel(c->N, rows_per_task(c->V), nmse_s_range, c);
    double S = 0, Q = 0;
    for (int n = 0; n < c->N; n++) { S += c->rows[n]; Q += c->rows2[n]; }
    free(c->rows);
    c->S = S;
    c->Q = Q;
    return 1;
}

int32_t FN(nmse_forward)(float *out, const float *a, const float *b, const float *mask, int32_t N, int32_t C) {
    lc c = {.a = a, .b = b, .mask = mask, .N = N, .V = C};
    if (nmse_sums(&c)) out[0] = mask_sum(mask, N) == 0 ? 0.0f : (float) (c.S / c.Q);
    return fb_end();
}

/* dA += -ca (b-a); dB += ca (b-a) - cb b, ca = 2 g m / Q, cb = 2 g m S / Q². */
static void nmse_b_range(void *c_, int64_t lo, int64_t hi) {
    lc *c = c_;
    int C = c->V;
    for (int64_t n = lo; n < hi; n++) {
        float m = weight(c->mask, n);
        if (m == 0.0f) continue;
        float ca = (float) (2 * c->g * m / c->Q), cb = (float) (2 * c->g * m * c->S / (c->Q * c->Q));
        const float *restrict a = c->a + n * C, *restrict b = c->b + n * C;
        if (c->o) {
            float *restrict d = c->o + n * C;
            for (int i = 0; i < C; i++) d[i] = FMA(b[i] - a[i], -ca, d[i]);
        }
        if (c->o2) {
            float *restrict d = c->o2 + n * C;
            for (int i = 0; i < C; i++) d[i] = d[i] + ((b[i] - a[i]) * ca - b[i] * cb);
        }
    }
}

int32_t FN(nmse_backward)(float *dA, float *dB, const float *dOut, const float *a, const float *b,
                          const float *mask, int32_t N, int32_t C) {
    if (!dA && !dB) return FB_OK;
    if (mask_sum(mask, N) == 0) return FB_OK;
    lc c = {.o = dA, .o2 = dB, .a = a, .b = b, .mask = mask, .N = N, .V = C, .g = dOut[0]};
    if (nmse_sums(&c)) fb_parallel(N, rows_per_task(C), nmse_b_range, &c);
    return fb_end();
}
