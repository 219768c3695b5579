// Masked losses over rows: cross-entropy fused over the vocabulary (online log-sum-exp, no
// probability matrix), KL(p‖q) between two logit matrices, normalised MSE. Forward kernels write
// per-row numerators and weights (double) and fb_ratio_final divides their sums on the device,
// so the scalar never visits the host. Launch: one block per row n.
#include "common.cuh"

// num[n] = m_n (lse_n - logits[n, t_n]), den[n] = m_n, lse[n] saved.
FB_EXTERN void fb_ce_fwd(double* num, double* den, float* lse, const float* logits, const int* targets,
                         const float* mask, int N, int V, int* err) {
    long n = blockIdx.x;
    const float* row = logits + n * V;
    float l = block_row_lse(row, V);
    float m = row_weight(mask, n);
    if (threadIdx.x == 0) {
        lse[n] = l;
        double contrib = 0.0;
        if (m != 0.0f) {
            int t = targets[n];
            if (t < 0 || t >= V) report_error(err, 2, n, t);
            else contrib = (double)m * ((double)l - row[t]);
        }
        num[n] = contrib;
        den[n] = m;
    }
}

// One block: out[0] = Σ num / Σ den, 0 when Σ den == 0 (no row counts).
FB_EXTERN void fb_ratio_final(float* out, const double* num, const double* den, int N) {
    double a = 0.0, b = 0.0;
    for (int i = threadIdx.x; i < N; i += blockDim.x) { a += num[i]; b += den[i]; }
    a = block_sum_d(a);
    b = block_sum_d(b);
    if (threadIdx.x == 0) out[0] = b == 0.0 ? 0.0f : (float)(a / b);
}

// One block: total[0] = Σ m (N when there is no mask).
FB_EXTERN void fb_mask_sum(double* total, const float* mask, int N) {
    double a = 0.0;
    for (int i = threadIdx.x; i < N; i += blockDim.x) a += row_weight(mask, i);
    a = block_sum_d(a);
    if (threadIdx.x == 0) total[0] = a;
}

// dLogits[n,:] += g m_n / Σm (softmax - onehot(t_n)); rows with m_n == 0 are skipped.
FB_EXTERN void fb_ce_bwd(float* dlogits, const float* dloss, const float* logits, const float* lse,
                         const int* targets, const float* mask, const double* msum, int N, int V, int* err) {
    long n = blockIdx.x;
    float m = row_weight(mask, n);
    if (m == 0.0f || msum[0] == 0.0) return;
    int t = targets[n];
    if (t < 0 || t >= V) { if (threadIdx.x == 0) report_error(err, 2, n, t); return; }
    float g = (float)((double)dloss[0] * m / msum[0]);
    float l = lse[n];
    const float* row = logits + n * V;
    float* d = dlogits + n * V;
    for (int v = threadIdx.x; v < V; v += blockDim.x)
        d[v] += g * (expf(row[v] - l) - (v == t ? 1.0f : 0.0f));
}

// KL_n = Σ_v p (log p - log q) for row n (every thread gets it); lp, lq the rows' log-sum-exps.
__device__ double kl_row(const float* P, const float* Q, float lp, float lq, int V) {
    double acc = 0.0;
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
        float logp = P[v] - lp, logq = Q[v] - lq;
        acc += (double)expf(logp) * ((double)logp - logq);
    }
    return block_sum_d(acc);
}

FB_EXTERN void fb_kl_fwd(double* num, double* den, const float* P, const float* Q, const float* mask, int N, int V) {
    long n = blockIdx.x;
    float m = row_weight(mask, n);
    double kl = 0.0;
    if (m != 0.0f) {
        const float* pr = P + n * V;
        const float* qr = Q + n * V;
        float lp = block_row_lse(pr, V), lq = block_row_lse(qr, V);
        kl = kl_row(pr, qr, lp, lq, V);
    }
    if (threadIdx.x == 0) { num[n] = (double)m * kl; den[n] = m; }
}

// dP += g m/Σm p (log p - log q - KL_n); dQ += g m/Σm (q - p).
FB_EXTERN void fb_kl_bwd(float* dP, float* dQ, const float* dkl, const float* P, const float* Q, const float* mask,
                         const double* msum, int N, int V) {
    long n = blockIdx.x;
    float m = row_weight(mask, n);
    if (m == 0.0f || msum[0] == 0.0) return;
    const float* pr = P + n * V;
    const float* qr = Q + n * V;
    float lp = block_row_lse(pr, V), lq = block_row_lse(qr, V);
    float kl = dP ? (float)kl_row(pr, qr, lp, lq, V) : 0.0f;
    float g = (float)((double)dkl[0] * m / msum[0]);
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
        float logp = pr[v] - lp, logq = qr[v] - lq;
        float p = expf(logp), q = expf(logq);
        if (dP) dP[n * V + v] += g * p * (logp - logq - kl);
        if (dQ) dQ[n * V + v] += g * (q - p);
    }
}

// num[n] = m Σ_c (b - a)², den[n] = m Σ_c b².
FB_EXTERN void fb_nmse_rows(double* num, double* den, const float* a, const float* b, const float* mask, int N, int C) {
    long n = blockIdx.x;
    float m = row_weight(mask, n);
    double s = 0.0, q = 0.0;
    if (m != 0.0f)
        for (int c = threadIdx.x; c < C; c += blockDim.x) {
            double bv = b[n * C + c], d = bv - a[n * C + c];
            s += d * d;
            q += bv * bv;
        }
    s = block_sum_d(s);
    q = block_sum_d(q);
    if (threadIdx.x == 0) { num[n] = m * s; den[n] = m * q; }
}

// One block: totals[0] = S = Σ num, totals[1] = Q = Σ den.
FB_EXTERN void fb_pair_totals(double* totals, const double* num, const double* den, int N) {
    double a = 0.0, b = 0.0;
    for (int i = threadIdx.x; i < N; i += blockDim.x) { a += num[i]; b += den[i]; }
    a = block_sum_d(a);
    b = block_sum_d(b);
    if (threadIdx.x == 0) { totals[0] = a; totals[1] = b; }
}

// dA += g m (-2 (b - a) / Q); dB += g m (2 (b - a) / Q - 2 b S / Q²); element-wise over [N,C].
FB_EXTERN void fb_nmse_bwd(float* dA, float* dB, const float* dout, const float* a, const float* b, const float* mask,
                           const double* totals, int N, int C) {
    double S = totals[0], Q = totals[1];
    if (Q == 0.0) return;
    float g = dout[0];
    float k1 = (float)(2.0 / Q), k2 = (float)(2.0 * S / (Q * Q));
    long total = (long)N * C;
    FB_FOR(idx, total) {
        float m = row_weight(mask, idx / C);
        if (m == 0.0f) continue;
        float diff = b[idx] - a[idx];
        if (dA) dA[idx] += g * m * (-k1 * diff);
        if (dB) dB[idx] += g * m * (k1 * diff - k2 * b[idx]);
    }
}
