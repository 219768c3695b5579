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

static inline int64_t q_off(int b, int t, int h, int Tq, int H, int D) { return (((int64_t) b * Tq + t) * H + h) * D; }
static inline int64_t kv_off(int b, int j, int g, int Tk, int G, int D) { return (((int64_t) b * Tk + j) * G + g) * D; }

/* kt [D,KB] = rows k0..k0+nk of k (b, ·, g) transposed. */
static void transpose_block(float *restrict kt, const float *k, int b, int k0, int nk, int g, int Tk, int G, int D) {
    for (int j = 0; j < nk; j++) {
        const float *src = k + kv_off(b, k0 + j, g, Tk, G, D);
        for (int d = 0; d < D; d++) kt[d * KB + j] = src[d];
    }
}

/*
 * s[j] = scale * Σ_d a[d] kt[d, j] for j < n. All KB columns are computed (columns past the
 * block hold finite stale keys, ignored): the fixed trip count keeps the accumulators in
 * registers across the d loop.
 */
static void scores(float *restrict s, const float *restrict a, const float *restrict kt, int n, int D, float scale) {
    float acc[KB];
    for (int j = 0; j < KB; j++) acc[j] = 0;
    for (int d = 0; d < D; d++) {
        float ad = a[d];
        const float *row = kt + d * KB;
        for (int j = 0; j < KB; j++) acc[j] = FMA(row[j], ad, acc[j]);
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

/*
 * Output accumulation without per-key loops: each query row keeps LANES partial sums per output
 * dimension, oacc[d][l] += p[j] vt[d][j] for j ≡ l (mod LANES), reduced once at the end. That is
 * D*KB/LANES vector FMAs per key block, also for small D (stories260K: D = 8).
 */
static void fwd_range(void *c_, int64_t lo, int64_t hi) {
    ac *c = c_;
    int Tq = c->Tq, Tk = c->Tk, H = c->H, G = c->G, D = c->D, hpg = H / G, off = Tk - Tq;
    int nqb = (Tq + QB - 1) / QB;
    float *qs = fb_malloc(sizeof(float) * QB * D);
    float *oacc = fb_malloc(sizeof(float) * QB * D * LANES);
    float *kt = fb_calloc((size_t) D * KB, sizeof(float)), *vt = fb_calloc((size_t) D * KB, sizeof(float));
    float m[QB], l[QB], s[KB] = {0};
    if (!qs || !oacc || !kt || !vt) goto out;   /* recorded by fb_malloc */
    for (int64_t u = lo; u < hi; u++) {
        int qb = (int) (u % nqb), bh = (int) (u / nqb), h = bh % H, b = bh / H, g = h / hpg;
        int t0 = qb * QB, nq = (Tq < t0 + QB ? Tq : t0 + QB) - t0;
        for (int r = 0; r < nq; r++) {
            memcpy(qs + r * D, c->q + q_off(b, t0 + r, h, Tq, H, D), sizeof(float) * D);
            m[r] = -INFINITY;
            l[r] = 0;
        }
        memset(oacc, 0, sizeof(float) * nq * D * LANES);
        int last = off + t0 + nq - 1;
        for (int k0 = 0; k0 <= last; k0 += KB) {
            int nk = last + 1 - k0 < KB ? last + 1 - k0 : KB;
            transpose_block(kt, c->k, b, k0, nk, g, Tk, G, D);
            transpose_block(vt, c->v, b, k0, nk, g, Tk, G, D);
            for (int r = 0; r < nq; r++) {
                int kend = k0 + KB < off + t0 + r + 1 ? k0 + KB : off + t0 + r + 1;
                int n = kend - k0;
                if (n <= 0) continue;
                int nv = (n + LANES - 1) / LANES * LANES;
                scores(s, qs + r * D, kt, n, D, c->scale);
                float bm = max_of(s, n);
                float mnew = m[r] > bm ? m[r] : bm;
                float *ar = oacc + (int64_t) r * D * LANES;
                if (mnew > m[r] && m[r] != -INFINITY) {   /* the max moved: rescale what was accumulated */
                    float alpha = fb_exp(m[r] - mnew);
                    l[r] *= alpha;
                    for (int i = 0; i < D * LANES; i++) ar[i] *= alpha;
                }
                m[r] = mnew;
                l[r] += exp_shift(s, n, mnew);
                for (int j = n; j < nv; j++) s[j] = 0.0f;   /* lanes past the causal edge add nothing */
                for (int d = 0; d < D; d++) {
                    float *restrict od = ar + d * LANES;
                    const float *restrict vd = vt + d * KB;
                    for (int j = 0; j < nv; j += LANES)
                        for (int q = 0; q < LANES; q++) od[q] = FMA(s[j + q], vd[j + q], od[q]);
                }
            }
        }
        for (int r = 0; r < nq; r++) {
            float inv = 1.0f / l[r];
            float *o = c->out + q_off(b, t0 + r, h, Tq, H, D);
            const float *ar = oacc + (int64_t) r * D * LANES;
            for (int d = 0; d < D; d++) {
                float sum = 0;
                for (int q = 0; q < LANES; q++) sum += ar[d * LANES + q];
                o[d] = sum * inv;
            }
            c->lse[((int64_t) b * H + h) * Tq + t0 + r] = m[r] + (float) log(l[r]);
        }
    }
out:
    free(qs);
    free(oacc);
    free(kt);
    free(vt);
}

int32_t FN(attention_forward)(float *out, float *lse, const float *q, const float *k, const float *v,
                              int32_t B, int32_t Tq, int32_t Tk, int32_t H, int32_t G, int32_t D, float scale) {
    if (B == 0 || Tq == 0 || H == 0 || D == 0) return FB_OK;
    ac c = {.out = out, .lse = lse, .q = q, .k = k, .v = v, .B = B, .Tq = Tq, .Tk = Tk, .H = H, .G = G, .D = D,
            .scale = scale};
    int64_t nqb = (Tq + QB - 1) / QB;
    fb_parallel((int64_t) B * H * nqb, 1, fwd_range, &c);
    return fb_end();
}

/*
 * One task owns one (b, g): all query heads sharing that KV head, so dk/dv rows never race.
 * Per key block, dk and dv accumulate transposed ([D,KB], vectorised over keys) across the query
 * rows of the block and are added to their rows once; dq keeps LANES partial sums per dimension
 * like the forward's output. No loop runs per (query, key) pair with a D-long body.
 */
static void bwd_range(void *c_, int64_t lo, int64_t hi) {
    ac *c = c_;
    int Tq = c->Tq, Tk = c->Tk, H = c->H, G = c->G, D = c->D, hpg = H / G, off = Tk - Tq;
    int rows = hpg * QB;
    int need_ds = c->dq || c->dk;
    float *qs = fb_malloc(sizeof(float) * rows * D), *dos = fb_malloc(sizeof(float) * rows * D);
    float *dqacc = c->dq ? fb_malloc(sizeof(float) * rows * D * LANES) : NULL;
    float *di = fb_malloc(sizeof(float) * rows), *ls = fb_malloc(sizeof(float) * rows);
    float *kt = fb_calloc((size_t) D * KB, sizeof(float)), *vt = fb_calloc((size_t) D * KB, sizeof(float));
    float *dkt = fb_malloc(sizeof(float) * D * KB), *dvt = fb_malloc(sizeof(float) * D * KB);
    float p[KB] = {0}, dp[KB] = {0}, ds[KB] = {0};
    if (!qs || !dos || (c->dq && !dqacc) || !di || !ls || !kt || !vt || !dkt || !dvt) goto out;
    for (int64_t u = lo; u < hi; u++) {
        int b = (int) (u / G), g = (int) (u % G);
        for (int t0 = 0; t0 < Tq; t0 += QB) {
            int nq = (Tq < t0 + QB ? Tq : t0 + QB) - t0;
            for (int hh = 0; hh < hpg; hh++) {
                int h = g * hpg + hh;
                for (int r = 0; r < nq; r++) {
                    int ri = hh * QB + r;
                    int64_t o = q_off(b, t0 + r, h, Tq, H, D);
                    memcpy(qs + ri * D, c->q + o, sizeof(float) * D);
                    memcpy(dos + ri * D, c->dOut + o, sizeof(float) * D);
                    float sum = 0;
                    if (need_ds) for (int d = 0; d < D; d++) sum += dos[ri * D + d] * c->o[o + d];
                    di[ri] = sum;
                    ls[ri] = c->lse[((int64_t) b * H + h) * Tq + t0 + r];
                }
            }
            if (dqacc) memset(dqacc, 0, sizeof(float) * rows * D * LANES);
            int last = off + t0 + nq - 1;
            for (int k0 = 0; k0 <= last; k0 += KB) {
                int nk = last + 1 - k0 < KB ? last + 1 - k0 : KB;
                transpose_block(kt, c->k, b, k0, nk, g, Tk, G, D);
                if (need_ds) transpose_block(vt, c->v, b, k0, nk, g, Tk, G, D);
                if (c->dv) memset(dvt, 0, sizeof(float) * D * KB);
                if (c->dk) memset(dkt, 0, sizeof(float) * D * KB);
                for (int hh = 0; hh < hpg; hh++) {
                    for (int r = 0; r < nq; r++) {
                        int n = (k0 + KB < off + t0 + r + 1 ? k0 + KB : off + t0 + r + 1) - k0;
                        if (n <= 0) continue;
                        int nv = (n + LANES - 1) / LANES * LANES;
                        int ri = hh * QB + r;
                        const float *qr = qs + ri * D, *dor = dos + ri * D;
                        scores(p, qr, kt, n, D, c->scale);
                        exp_shift(p, n, ls[ri]);   /* p_j = exp(scale q·k_j - lse) */
                        for (int j = n; j < nv; j++) p[j] = 0.0f;
                        if (c->dv)   /* dv_j += p_j dOut_r */
                            for (int d = 0; d < D; d++) {
                                float x = dor[d];
                                float *restrict row = dvt + d * KB;
                                for (int j = 0; j < nv; j++) row[j] = FMA(p[j], x, row[j]);
                            }
                        if (!need_ds) continue;
                        scores(dp, dor, vt, n, D, 1.0f);
                        float dr = di[ri];
                        for (int j = 0; j < nv; j++) ds[j] = c->scale * p[j] * (dp[j] - dr);
                        if (dqacc)   /* dq_r += Σ_j ds_j k_j, LANES partial sums per dimension */
                            for (int d = 0; d < D; d++) {
                                float *restrict acc = dqacc + ((int64_t) ri * D + d) * LANES;
                                const float *restrict kd = kt + d * KB;
                                for (int j = 0; j < nv; j += LANES)
                                    for (int q = 0; q < LANES; q++) acc[q] = FMA(ds[j + q], kd[j + q], acc[q]);
                            }
                        if (c->dk)   /* dk_j += ds_j q_r */
                            for (int d = 0; d < D; d++) {
                                float x = qr[d];
                                float *restrict row = dkt + d * KB;
                                for (int j = 0; j < nv; j++) row[j] = FMA(ds[j], x, row[j]);
                            }
                    }
                }
                for (int j = 0; j < nk; j++) {
                    int64_t kvo = kv_off(b, k0 + j, g, Tk, G, D);
                    if (c->dv) for (int d = 0; d < D; d++) c->dv[kvo + d] += dvt[d * KB + j];
                    if (c->dk) for (int d = 0; d < D; d++) c->dk[kvo + d] += dkt[d * KB + j];
                }
            }
            if (dqacc) {
                for (int hh = 0; hh < hpg; hh++)
                    for (int r = 0; r < nq; r++) {
                        float *dst = c->dq + q_off(b, t0 + r, g * hpg + hh, Tq, H, D);
                        const float *src = dqacc + (int64_t) (hh * QB + r) * D * LANES;
                        for (int d = 0; d < D; d++) {
                            float sum = 0;
                            for (int q = 0; q < LANES; q++) sum += src[d * LANES + q];
                            dst[d] += sum;
                        }
                    }
            }
        }
    }
out:
    free(qs); free(dos); free(dqacc); free(di); free(ls); free(kt); free(vt); free(dkt); free(dvt);
}

int32_t FN(attention_backward)(float *dq, float *dk, float *dv, const float *dOut, const float *out,
                               const float *lse, const float *q, const float *k, const float *v,
                               int32_t B, int32_t Tq, int32_t Tk, int32_t H, int32_t G, int32_t D, float scale) {
    if (!dq && !dk && !dv) return FB_OK;
    if (B == 0 || Tq == 0 || H == 0 || D == 0) return FB_OK;
    ac c = {.dq = dq, .dk = dk, .dv = dv, .lse = (float *) lse, .q = q, .k = k, .v = v, .dOut = dOut, .o = out,
            .B = B, .Tq = Tq, .Tk = Tk, .H = H, .G = G, .D = D, .scale = scale};
    fb_parallel((int64_t) B * G, 1, bwd_range, &c);
    return fb_end();
}
