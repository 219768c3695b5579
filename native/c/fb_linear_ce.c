/*
 * Cross-entropy fused with the classifier: logits = h W^T (h [N,C], W [V,C]) are never stored
 * whole. Rows go in blocks of NB, the vocabulary in chunks of VC; a chunk's logits [NB,VC] live
 * in a per-thread scratch that stays in cache.
 *
 * Pass 1 (threads own row blocks): online softmax over the vocabulary chunks: running max m,
 * sum l and, when gh is wanted, gacc = Σ_v exp(logit_v - m) W_v (rescaled as m grows, like the
 * attention forward); then lse, the row loss, and gh_n = w_n/Σw (gacc/l - W_target).
 * Pass 2 (only when gW is wanted; threads own vocabulary chunks, so gW rows never race):
 * recompute a chunk's logits per row block, P = w/Σw (softmax - onehot), gW_chunk += P^T h.
 * Same GEMM flops as the unfused path for loss + gh (2 classifier GEMMs); gW costs one recompute.
 */
#include "fb_common.h"

#define NB 1024
#define VC 512

typedef struct {
    float *gh, *gW, *lse;
    const float *h, *W, *mask;
    const int32_t *targets;
    double *rows;
    int N, C, V;
    double sm;
} lce;

static inline float wt(const float *mask, int64_t n) { return mask ? mask[n] : 1.0f; }

static void pass1(void *c_, int64_t lo, int64_t hi) {
    lce *c = c_;
    int C = c->C, V = c->V;
    float *L = fb_malloc(sizeof(float) * NB * VC);
    float *gacc = c->gh ? fb_malloc(sizeof(float) * NB * C) : NULL;
    float m[NB], l[NB], tl[NB];
    int ok = L && (gacc || !c->gh);   /* a failure is recorded by fb_malloc */
    for (int64_t blk = lo; ok && blk < hi && !fb_failed(); blk++) {
        int n0 = (int) blk * NB, nb = c->N - n0 < NB ? c->N - n0 : NB;
        const float *hb = c->h + (int64_t) n0 * C;
        for (int r = 0; r < nb; r++) { m[r] = -INFINITY; l[r] = 0; tl[r] = 0; }
        if (gacc) memset(gacc, 0, sizeof(float) * nb * C);
        for (int v0 = 0; v0 < V; v0 += VC) {
            int vc = V - v0 < VC ? V - v0 : VC;
            FN(gemm_run)(1, 0, 1, nb, vc, C, 1.0f, hb, 0, c->W + (int64_t) v0 * C, 0, 0.0f, L, 0);   /* L [nb,vc] */
            for (int r = 0; r < nb; r++) {
                float *Lr = L + (int64_t) r * vc;
                int t = c->targets[n0 + r];
                if (wt(c->mask, n0 + r) != 0.0f && t >= v0 && t < v0 + vc) tl[r] = Lr[t - v0];
                float acc[LANES];
                for (int q = 0; q < LANES; q++) acc[q] = -INFINITY;
                int j = 0;
                for (; j + LANES <= vc; j += LANES)
                    for (int q = 0; q < LANES; q++) acc[q] = Lr[j + q] > acc[q] ? Lr[j + q] : acc[q];
                float mx = -INFINITY;
                for (int q = 0; q < LANES; q++) mx = acc[q] > mx ? acc[q] : mx;
                for (; j < vc; j++) mx = Lr[j] > mx ? Lr[j] : mx;
                if (mx > m[r]) {
                    if (m[r] != -INFINITY) {   /* the max moved: rescale what was accumulated */
                        float s = fb_exp(m[r] - mx);
                        l[r] *= s;
                        if (gacc) for (int d = 0; d < C; d++) gacc[(int64_t) r * C + d] *= s;
                    }
                    m[r] = mx;
                }
                float mr = m[r];
                for (j = 0; j < vc; j++) Lr[j] = fb_exp(Lr[j] - mr);
                double s = 0;
                float sacc[LANES] = {0};
                for (j = 0; j + LANES <= vc; j += LANES)
                    for (int q = 0; q < LANES; q++) sacc[q] += Lr[j + q];
                for (int q = 0; q < LANES; q++) s += sacc[q];
                for (; j < vc; j++) s += Lr[j];
                l[r] += (float) s;
            }
            if (gacc) FN(gemm_run)(1, 0, 0, nb, C, vc, 1.0f, L, 0, c->W + (int64_t) v0 * C, 0, 1.0f, gacc, 0);
        }
        for (int r = 0; r < nb; r++) {
            int64_t n = n0 + r;
            double lse = m[r] + log((double) l[r]);
            c->lse[n] = (float) lse;
            float w = wt(c->mask, n);
            c->rows[n] = w != 0.0f ? w * (lse - tl[r]) : 0.0;
            if (c->gh) {
                float *g = c->gh + n * C;
                if (w == 0.0f) { memset(g, 0, sizeof(float) * C); continue; }
                float k = (float) (w / c->sm), inv = 1.0f / l[r];
                const float *Wt = c->W + (int64_t) c->targets[n] * C;
                const float *ga = gacc + (int64_t) r * C;
                for (int d = 0; d < C; d++) g[d] = k * (ga[d] * inv - Wt[d]);
            }
        }
    }
    free(L);
    free(gacc);
}

static void pass2(void *c_, int64_t lo, int64_t hi) {
    lce *c = c_;
    int C = c->C, V = c->V, N = c->N;
    float *P = fb_malloc(sizeof(float) * NB * VC);
    for (int64_t ch = lo; P && ch < hi && !fb_failed(); ch++) {
        int v0 = (int) ch * VC, vc = V - v0 < VC ? V - v0 : VC;
        float *gWc = c->gW + (int64_t) v0 * C;
        for (int n0 = 0; n0 < N; n0 += NB) {
            int nb = N - n0 < NB ? N - n0 : NB;
            const float *hb = c->h + (int64_t) n0 * C;
            FN(gemm_run)(1, 0, 1, nb, vc, C, 1.0f, hb, 0, c->W + (int64_t) v0 * C, 0, 0.0f, P, 0);
            for (int r = 0; r < nb; r++) {
                int64_t n = n0 + r;
                float *Pr = P + (int64_t) r * vc;
                float w = wt(c->mask, n);
                if (w == 0.0f) { memset(Pr, 0, sizeof(float) * vc); continue; }
                float k = (float) (w / c->sm), shift = c->lse[n];
                for (int j = 0; j < vc; j++) Pr[j] = k * fb_exp(Pr[j] - shift);
                int t = c->targets[n];
                if (t >= v0 && t < v0 + vc) Pr[t - v0] -= k;
            }
            /* gW_chunk [vc,C] (+)= P^T [vc,nb] h_b [nb,C] */
            FN(gemm_run)(1, 1, 0, vc, C, nb, 1.0f, P, 0, hb, 0, n0 == 0 ? 0.0f : 1.0f, gWc, 0);
        }
    }
    free(P);
}

/*
 * loss[0] = Σ_n w_n (lse_n - logit_{n,t_n}) / Σ w; gh [N,C] and gW [V,C] (each nullable) are
 * overwritten with ∂loss/∂h and ∂loss/∂W. FB_ETARGET for the first counted target outside
 * [0, V) (nothing written then).
 */
int32_t FN(linear_cross_entropy)(float *loss, float *gh, float *gW, const float *h, const float *W,
                                 const int32_t *targets, const float *mask, int32_t N, int32_t C, int32_t V) {
    double sm = 0;
    for (int n = 0; n < N; n++) {
        float w = wt(mask, n);
        if (w != 0.0f && (targets[n] < 0 || targets[n] >= V)) {
            fb_fail(FB_ETARGET, 0, n);
            return fb_end();
        }
        sm += w;
    }
    if (N == 0 || sm == 0) {
        loss[0] = 0.0f;
        if (gh) memset(gh, 0, sizeof(float) * (size_t) N * C);
        if (gW) memset(gW, 0, sizeof(float) * (size_t) V * C);
        return FB_OK;
    }
    lce c = {.gh = gh, .gW = gW, .h = h, .W = W, .mask = mask, .targets = targets, .N = N, .C = C, .V = V, .sm = sm};
    c.rows = fb_malloc(sizeof(double) * N);
    c.lse = c.rows ? fb_malloc(sizeof(float) * N) : NULL;
    if (c.lse) fb_parallel((N + NB - 1) / NB, 1, pass1, &c);
    if (!fb_failed()) {
        double s = 0;
        for (int n = 0; n < N; n++) s += c.rows[n];
        loss[0] = (float) (s / sm);
        if (gW) fb_parallel((V + VC - 1) / VC, 1, pass2, &c);
    }
    free(c.rows);
    free(c.lse);
    return fb_end();
}
