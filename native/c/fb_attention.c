/*
 * Fused causal attention with grouped KV heads. q, out [B,Tq,H,D]; k, v [B,Tk,G,D];
 * lse [B,H,Tq]. Query t sits at absolute position Tk-Tq+t and sees keys 0..that.
 *
 * One tiled pass, no T×T matrix: the forward streams key blocks through an online softmax
 * (running max and sum per query row); the backward recomputes probabilities from the saved lse
 * (FlashAttention-2 style). Scratch is O(QB·D + D·KB) per task. The work split depends only on
 * the shapes and each output element is accumulated by one task in a fixed order, so results do
 * not depend on the thread count.
 */
#include "fb_common.h"

#define QB 16   /* query rows per block: a key block is reused from cache by this many rows */
#define KB 64   /* keys per block: the transposed K/V tile and score scratch */

typedef struct {
    float *out, *lse, *dq, *dk, *dv;
    const float *q, *k, *v, *dOut, *o;
    int B, Tq, Tk, H, G, D;
    float scale;
} ac;

static inline long q_off(int b, int t, int h, int Tq, int H, int D) { return (((long) b * Tq + t) * H + h) * D; }
static inline long kv_off(int b, int j, int g, int Tk, int G, int D) { return (((long) b * Tk + j) * G + g) * D; }

/* kt [D,KB] = rows k0..k0+nk of k (b, ·, g) transposed. */
static void transpose_block(float *restrict kt, const float *k, int b, int k0, int nk, int g, int Tk, int G, int D) {
    for (int j = 0; j < nk; j++) {
        const float *src = k + kv_off(b, k0 + j, g, Tk, G, D);
        for (int d = 0; d < D; d++) kt[d * KB + j] = src[d];
    }
}

/* s[j] = scale * Σ_d a[d] kt[d, j] for j < KB (vectorised over j). */
static void scores(float *restrict s, const float *restrict a, const float *restrict kt, int n, int D, float scale) {
    float acc[KB];
    int nv = (n + LANES - 1) / LANES * LANES;
    for (int j = 0; j < nv; j++) acc[j] = 0;
    for (int d = 0; d < D; d++) {
        float ad = a[d];
        const float *row = kt + d * KB;
        for (int j = 0; j < nv; j++) acc[j] = FMA(row[j], ad, acc[j]);
    }
    for (int j = 0; j < n; j++) s[j] = acc[j] * scale;
}

/* x[j] = exp(x[j] - shift) for j < n; returns Σ. Two loops so the exponentials vectorise. */
static float exp_shift(float *restrict x, int n, float shift) {
    for (int j = 0; j < n; j++) x[j] = fb_exp(x[j] - shift);
    float acc[LANES] = {0};
    int j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++) acc[l] += x[j + l];
    float sum = 0;
    for (int l = 0; l < LANES; l++) sum += acc[l];
    for (; j < n; j++) sum += x[j];
    return sum;
}

/* max of x[0, n). */
static float max_of(const float *restrict x, int n) {
    float acc[LANES];
    for (int l = 0; l < LANES; l++) acc[l] = -INFINITY;
    int j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++) acc[l] = x[j + l] > acc[l] ? x[j + l] : acc[l];
    float m = -INFINITY;
    for (int l = 0; l < LANES; l++) m = acc[l] > m ? acc[l] : m;
    for (; j < n; j++) m = x[j] > m ? x[j] : m;
    return m;
}

static void fwd_range(void *c_, long lo, long hi) {
    ac *c = c_;
    int Tq = c->Tq, Tk = c->Tk, H = c->H, G = c->G, D = c->D, hpg = H / G, off = Tk - Tq;
    int nqb = (Tq + QB - 1) / QB;
    float *qs = malloc(sizeof(float) * QB * D), *acc = malloc(sizeof(float) * QB * D);
    float *kt = calloc((size_t) D * KB, sizeof(float));
    float m[QB], l[QB], s[KB];
    for (long u = lo; u < hi; u++) {
        int qb = (int) (u % nqb), bh = (int) (u / nqb), h = bh % H, b = bh / H, g = h / hpg;
        int t0 = qb * QB, nq = (Tq < t0 + QB ? Tq : t0 + QB) - t0;
        for (int r = 0; r < nq; r++) {
            memcpy(qs + r * D, c->q + q_off(b, t0 + r, h, Tq, H, D), sizeof(float) * D);
            m[r] = -INFINITY;
            l[r] = 0;
        }
        memset(acc, 0, sizeof(float) * nq * D);
        int last = off + t0 + nq - 1;
        for (int k0 = 0; k0 <= last; k0 += KB) {
            int nk = last + 1 - k0 < KB ? last + 1 - k0 : KB;
            transpose_block(kt, c->k, b, k0, nk, g, Tk, G, D);
            for (int r = 0; r < nq; r++) {
                int kend = k0 + KB < off + t0 + r + 1 ? k0 + KB : off + t0 + r + 1;
                int n = kend - k0;
                if (n <= 0) continue;
                scores(s, qs + r * D, kt, n, D, c->scale);
                float bm = max_of(s, n);
                float mnew = m[r] > bm ? m[r] : bm;
                float *ar = acc + r * D;
                if (mnew > m[r] && m[r] != -INFINITY) {   /* the max moved: rescale what was accumulated */
                    float alpha = fb_exp(m[r] - mnew);
                    l[r] *= alpha;
                    for (int d = 0; d < D; d++) ar[d] *= alpha;
                }
                m[r] = mnew;
                l[r] += exp_shift(s, n, mnew);
                for (int j = 0; j < n; j++) {
                    const float *restrict vr = c->v + kv_off(b, k0 + j, g, Tk, G, D);
                    float p = s[j];
                    for (int d = 0; d < D; d++) ar[d] = FMA(vr[d], p, ar[d]);
                }
            }
        }
        for (int r = 0; r < nq; r++) {
            float inv = 1.0f / l[r];
            float *o = c->out + q_off(b, t0 + r, h, Tq, H, D);
            for (int d = 0; d < D; d++) o[d] = acc[r * D + d] * inv;
            c->lse[((long) b * H + h) * Tq + t0 + r] = m[r] + (float) log(l[r]);
        }
    }
    free(qs);
    free(acc);
    free(kt);
}

EXPORT void FN(attention_forward)(float *out, float *lse, const float *q, const float *k, const float *v,
                                  int B, int Tq, int Tk, int H, int G, int D, float scale) {
    if (B == 0 || Tq == 0 || H == 0 || D == 0) return;
    ac c = {.out = out, .lse = lse, .q = q, .k = k, .v = v, .B = B, .Tq = Tq, .Tk = Tk, .H = H, .G = G, .D = D,
            .scale = scale};
    long nqb = (Tq + QB - 1) / QB;
    fb_parallel((long) B * H * nqb, 1, fwd_range, &c);
}

/* One task owns one (b, g): all query heads sharing that KV head, so dk/dv rows never race. */
static void bwd_range(void *c_, long lo, long hi) {
    ac *c = c_;
    int Tq = c->Tq, Tk = c->Tk, H = c->H, G = c->G, D = c->D, hpg = H / G, off = Tk - Tq;
    int rows = hpg * QB;
    int need_ds = c->dq || c->dk;
    float *qs = malloc(sizeof(float) * rows * D), *dos = malloc(sizeof(float) * rows * D);
    float *dqa = calloc((size_t) rows * D, sizeof(float));
    float *di = malloc(sizeof(float) * rows), *ls = malloc(sizeof(float) * rows);
    float *kt = calloc((size_t) D * KB, sizeof(float)), *vt = calloc((size_t) D * KB, sizeof(float));
    float p[KB], dp[KB];
    for (long u = lo; u < hi; u++) {
        int b = (int) (u / G), g = (int) (u % G);
        for (int t0 = 0; t0 < Tq; t0 += QB) {
            int nq = (Tq < t0 + QB ? Tq : t0 + QB) - t0;
            for (int hh = 0; hh < hpg; hh++) {
                int h = g * hpg + hh;
                for (int r = 0; r < nq; r++) {
                    int ri = hh * QB + r;
                    long o = q_off(b, t0 + r, h, Tq, H, D);
                    memcpy(qs + ri * D, c->q + o, sizeof(float) * D);
                    memcpy(dos + ri * D, c->dOut + o, sizeof(float) * D);
                    float s = 0;
                    if (need_ds) for (int d = 0; d < D; d++) s += dos[ri * D + d] * c->o[o + d];
                    di[ri] = s;
                    ls[ri] = c->lse[((long) b * H + h) * Tq + t0 + r];
                }
            }
            if (c->dq) memset(dqa, 0, sizeof(float) * rows * D);
            int last = off + t0 + nq - 1;
            for (int k0 = 0; k0 <= last; k0 += KB) {
                int nk = last + 1 - k0 < KB ? last + 1 - k0 : KB;
                transpose_block(kt, c->k, b, k0, nk, g, Tk, G, D);
                if (need_ds) transpose_block(vt, c->v, b, k0, nk, g, Tk, G, D);
                for (int hh = 0; hh < hpg; hh++) {
                    for (int r = 0; r < nq; r++) {
                        int n = (k0 + KB < off + t0 + r + 1 ? k0 + KB : off + t0 + r + 1) - k0;
                        if (n <= 0) continue;
                        int ri = hh * QB + r;
                        const float *qr = qs + ri * D, *dor = dos + ri * D;
                        float *dqr = dqa + ri * D;
                        scores(p, qr, kt, n, D, c->scale);
                        exp_shift(p, n, ls[ri]);   /* p_j = exp(scale q·k_j - lse) */
                        if (need_ds) scores(dp, dor, vt, n, D, 1.0f);
                        for (int j = 0; j < n; j++) {
                            long kvo = kv_off(b, k0 + j, g, Tk, G, D);
                            float pj = p[j];
                            if (c->dv) {
                                float *restrict dvr = c->dv + kvo;
                                for (int d = 0; d < D; d++) dvr[d] = FMA(dor[d], pj, dvr[d]);
                            }
                            if (need_ds) {
                                float ds = c->scale * pj * (dp[j] - di[ri]);
                                if (c->dq) {
                                    const float *restrict kr = c->k + kvo;
                                    for (int d = 0; d < D; d++) dqr[d] = FMA(kr[d], ds, dqr[d]);
                                }
                                if (c->dk) {
                                    float *restrict dkr = c->dk + kvo;
                                    for (int d = 0; d < D; d++) dkr[d] = FMA(qr[d], ds, dkr[d]);
                                }
                            }
                        }
                    }
                }
            }
            if (c->dq) {
                for (int hh = 0; hh < hpg; hh++)
                    for (int r = 0; r < nq; r++) {
                        float *dst = c->dq + q_off(b, t0 + r, g * hpg + hh, Tq, H, D);
                        const float *src = dqa + (hh * QB + r) * D;
                        for (int d = 0; d < D; d++) dst[d] += src[d];
                    }
            }
        }
    }
    free(qs); free(dos); free(dqa); free(di); free(ls); free(kt); free(vt);
}

EXPORT void FN(attention_backward)(float *dq, float *dk, float *dv, const float *dOut, const float *out,
                                   const float *lse, const float *q, const float *k, const float *v,
                                   int B, int Tq, int Tk, int H, int G, int D, float scale) {
    if (!dq && !dk && !dv) return;
    if (B == 0 || Tq == 0 || H == 0 || D == 0) return;
    ac c = {.dq = dq, .dk = dk, .dv = dv, .lse = (float *) lse, .q = q, .k = k, .v = v, .dOut = dOut, .o = out,
            .B = B, .Tq = Tq, .Tk = Tk, .H = H, .G = G, .D = D, .scale = scale};
    fb_parallel((long) B * G, 1, bwd_range, &c);
}
