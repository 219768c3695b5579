// RMSNorm, rotary embedding, token embedding and its scatter-add backward.
#include "common.cuh"

// One block per row n: y [N,C] = x * rstd * w; rstd [N] = 1/sqrt(mean(x²) + eps).
FB_EXTERN void fb_rmsnorm_fwd(float* y, float* rstd, const float* x, const float* w, int N, int C, float eps) {
    long n = blockIdx.x;
    const float* xr = x + n * C;
    double ss = 0.0;
    for (int c = threadIdx.x; c < C; c += blockDim.x) { double v = xr[c]; ss += v * v; }
    ss = block_sum_d(ss);
    float r = (float)(1.0 / sqrt(ss / C + (double)eps));
    if (threadIdx.x == 0) rstd[n] = r;
    for (int c = threadIdx.x; c < C; c += blockDim.x) y[n * C + c] = xr[c] * r * w[c];
}

// One block per row: dx_c += r (dy_c w_c - x_c r² Σ_i dy_i w_i x_i / C).
FB_EXTERN void fb_rmsnorm_bwd_dx(float* dx, const float* dy, const float* x, const float* w, const float* rstd,
                                 int N, int C) {
    long n = blockIdx.x;
    const float* xr = x + n * C;
    const float* gr = dy + n * C;
    double dot = 0.0;
    for (int c = threadIdx.x; c < C; c += blockDim.x) dot += (double)gr[c] * w[c] * xr[c];
    dot = block_sum_d(dot);
    float r = rstd[n];
    float k = (float)(dot / C) * r * r;
    for (int c = threadIdx.x; c < C; c += blockDim.x) dx[n * C + c] += r * (gr[c] * w[c] - xr[c] * k);
}

// One thread per column: dw_c += Σ_n dy[n,c] x[n,c] rstd[n] (coalesced, no atomics).
FB_EXTERN void fb_rmsnorm_bwd_dw(float* dw, const float* dy, const float* x, const float* rstd, int N, int C) {
    FB_FOR(c, (long)C) {
        double acc = 0.0;
        for (long n = 0; n < N; n++) acc += (double)dy[n * C + c] * x[n * C + c] * rstd[n];
        dw[c] += (float)acc;
    }
}

// One thread per rotated pair (b, t, h, i): the angle (pos0 + t) * freq_i in float32 and its
// cos/sin, as the Java backend computes them. sign -1 rotates back (the backward); acc adds.
FB_EXTERN void fb_rope(float* dst, const float* src, int B, int T, int H, int D, int pos0, float theta,
                       int interleaved, int backward) {
    int half = D / 2;
    long pairs = (long)B * T * H * half;
    FB_FOR(idx, pairs) {
        int i = (int)(idx % half);
        long bth = idx / half;
        int t = (int)((bth / H) % T);
        float freq = (float)(1.0 / pow((double)theta, (2.0 * i) / D));
        float angle = (float)(pos0 + t) * freq;
        float c = (float)cos((double)angle), s = (float)sin((double)angle);
        if (backward) s = -s;
        long base = bth * D;
        long ia = interleaved ? base + 2 * i : base + i;
        long ib = interleaved ? base + 2 * i + 1 : base + i + half;
        float xa = src[ia], xb = src[ib];
        float ya = xa * c - xb * s, yb = xa * s + xb * c;
        if (backward) { dst[ia] += ya; dst[ib] += yb; }
        else { dst[ia] = ya; dst[ib] = yb; }
    }
}

// out [N,C] = table [V,C] rows ids [N]; a bad id sets err (code 1) and writes zeros.
FB_EXTERN void fb_embedding_fwd(float* out, const float* table, const int* ids, int N, int C, int V, int* err) {
    long total = (long)N * C;
    FB_FOR(idx, total) {
        long n = idx / C;
        int c = (int)(idx % C);
        int id = ids[n];
        if (id < 0 || id >= V) { if (c == 0) report_error(err, 1, n, id); out[idx] = 0.0f; }
        else out[idx] = table[(long)id * C + c];
    }
}

// dTable[ids[n], :] += dOut[n, :]; repeated ids accumulate through atomics.
FB_EXTERN void fb_embedding_bwd(float* dtable, const float* dout, const int* ids, int N, int C) {
    long total = (long)N * C;
    FB_FOR(idx, total) {
        long n = idx / C;
        int c = (int)(idx % C);
        int id = ids[n];
        if (id >= 0) atomicAdd(&dtable[(long)id * C + c], dout[idx]);   // forward rejected bad ids
    }
}
