// Causal attention with grouped KV heads, flash style: keys stream through shared memory in
// tiles of 32, softmax is computed online (running max and sum), so no T×T matrix exists.
// Inputs q, k, v are float32 or bf16 (template T), accumulation is float32.
// q, out, dOut [B,Tq,H,D]; k, v [B,Tk,G,D]; lse, rowdot [B,H,Tq]. Query t sits at position
// p = Tk - Tq + t and sees keys 0..p; query head h reads KV head h / (H/G). D <= FB_MAXD.
#include "common.cuh"

#define FB_ROWS 8            // warps per block: query rows (forward, dq) or key rows (dk, dv)
#define FB_TILE 32           // keys (or queries) per shared-memory tile: one per lane
#define FB_MAXD 128
#define FB_DPL (FB_MAXD / 32) // head dims owned by each lane: d = lane + 32 i

// Keys j0 .. j0+31 of KV head g into shared tiles [32][D+1] as float (zeros past Tk); the whole
// block cooperates.
template <typename T>
__device__ __forceinline__ void load_kv_tile(float* Ks, float* Vs, const T* k, const T* v, int b, int g, int j0,
                                             int Tk, int G, int D) {
    int ld = D + 1;
    for (int idx = threadIdx.x; idx < FB_TILE * D; idx += blockDim.x) {
        int jj = idx / D, d = idx % D, j = j0 + jj;
        float kv = 0.0f, vv = 0.0f;
        if (j < Tk) { long o = (((long)b * Tk + j) * G + g) * D + d; kv = load_f(k, o); vv = load_f(v, o); }
        Ks[jj * ld + d] = kv;
        Vs[jj * ld + d] = vv;
    }
}

// One warp per query row. Shared: K and V tiles [32][D+1] (padded: lane j reads row j without
// bank conflicts), the block's query rows [ROWS][D].
template <typename T>
__device__ void attn_fwd(float* out, float* lse, const T* q, const T* k, const T* v,
                         int B, int Tq, int Tk, int H, int G, int D, float scale) {
    extern __shared__ float sm[];
    int ld = D + 1;
    float* Ks = sm;
    float* Vs = Ks + FB_TILE * ld;
    float* Qs = Vs + FB_TILE * ld;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int b = blockIdx.z, h = blockIdx.y, g = h / (H / G);
    int t0 = blockIdx.x * FB_ROWS, t = t0 + warp, off = Tk - Tq;
    bool active = t < Tq;
    int pos = off + t;
    long qrow = (((long)b * Tq + t) * H + h) * D;
    if (active) for (int d = lane; d < D; d += 32) Qs[warp * D + d] = load_f(q, qrow + d);
    float acc[FB_DPL];
    for (int i = 0; i < FB_DPL; i++) acc[i] = 0.0f;
    float mrun = FB_NEG_INF, lrun = 0.0f;
    int lastKey = min(Tk - 1, off + min(Tq - 1, t0 + FB_ROWS - 1));
    for (int j0 = 0; j0 <= lastKey; j0 += FB_TILE) {
        __syncthreads();
        load_kv_tile(Ks, Vs, k, v, b, g, j0, Tk, G, D);
        __syncthreads();
        if (!active || j0 > pos) continue;
        int j = j0 + lane;
        float s = FB_NEG_INF;
        if (j <= pos) {
            float dot = 0.0f;
            for (int d = 0; d < D; d++) dot += Qs[warp * D + d] * Ks[lane * ld + d];
            s = dot * scale;
        }
        float mnew = fmaxf(mrun, warp_max(s));   // finite: key j0 <= pos is always valid
        float p = j <= pos ? expf(s - mnew) : 0.0f;
        float corr = expf(mrun - mnew);          // 0 on the first tile (mrun = -inf)
        lrun = lrun * corr + warp_sum(p);
        for (int i = 0; i < FB_DPL; i++) acc[i] *= corr;
        int last = min(FB_TILE - 1, pos - j0);    // the same for every lane: shuffles stay uniform
        for (int jj = 0; jj <= last; jj++) {
            float pj = __shfl_sync(0xffffffffu, p, jj);
            for (int i = 0; i < FB_DPL; i++) {
                int d = lane + 32 * i;
                if (d < D) acc[i] += pj * Vs[jj * ld + d];
            }
        }
        mrun = mnew;
    }
    if (active) {
        float inv = 1.0f / lrun;
        for (int i = 0; i < FB_DPL; i++) {
            int d = lane + 32 * i;
            if (d < D) out[qrow + d] = acc[i] * inv;
        }
        if (lane == 0) lse[((long)b * H + h) * Tq + t] = mrun + logf(lrun);
    }
}

// rowdot[b,h,t] = Σ_d dOut · out (the softmax backward's per-row term); one warp per row.
FB_EXTERN void fb_attn_rowdot(float* rowdot, const float* dout, const float* out, int B, int Tq, int H, int D) {
    long rows = (long)B * Tq * H;
    long r = ((long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (r >= rows) return;
    float s = 0.0f;
    for (int d = lane; d < D; d += 32) s += dout[r * D + d] * out[r * D + d];
    s = warp_sum(s);
    if (lane == 0) {
        int h = (int)(r % H);
        long bt = r / H;
        int t = (int)(bt % Tq), b = (int)(bt / Tq);
        rowdot[((long)b * H + h) * Tq + t] = s;
    }
}

// dq += scale Σ_j ds_j k_j, ds_j = p_j (dOut·v_j - rowdot), p_j = exp(s_j - lse): one warp per
// query row, keys in tiles as in the forward.
template <typename T>
__device__ void attn_bwd_dq(float* dq, const float* dout, const float* lse, const float* rowdot,
                            const T* q, const T* k, const T* v,
                            int B, int Tq, int Tk, int H, int G, int D, float scale) {
    extern __shared__ float sm[];
    int ld = D + 1;
    float* Ks = sm;
    float* Vs = Ks + FB_TILE * ld;
    float* Qs = Vs + FB_TILE * ld;
    float* Gs = Qs + FB_ROWS * D;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int b = blockIdx.z, h = blockIdx.y, g = h / (H / G);
    int t0 = blockIdx.x * FB_ROWS, t = t0 + warp, off = Tk - Tq;
    bool active = t < Tq;
    int pos = off + t;
    long qrow = (((long)b * Tq + t) * H + h) * D;
    float L = 0.0f, Di = 0.0f;
    if (active) {
        for (int d = lane; d < D; d += 32) { Qs[warp * D + d] = load_f(q, qrow + d); Gs[warp * D + d] = dout[qrow + d]; }
        L = lse[((long)b * H + h) * Tq + t];
        Di = rowdot[((long)b * H + h) * Tq + t];
    }
    float acc[FB_DPL];
    for (int i = 0; i < FB_DPL; i++) acc[i] = 0.0f;
    int lastKey = min(Tk - 1, off + min(Tq - 1, t0 + FB_ROWS - 1));
    for (int j0 = 0; j0 <= lastKey; j0 += FB_TILE) {
        __syncthreads();
        load_kv_tile(Ks, Vs, k, v, b, g, j0, Tk, G, D);
        __syncthreads();
        if (!active || j0 > pos) continue;
        int j = j0 + lane;
        float ds = 0.0f;
        if (j <= pos) {
            float dot = 0.0f, dp = 0.0f;
            for (int d = 0; d < D; d++) {
                dot += Qs[warp * D + d] * Ks[lane * ld + d];
                dp += Gs[warp * D + d] * Vs[lane * ld + d];
            }
            float p = expf(dot * scale - L);
            ds = p * (dp - Di);
        }
        int last = min(FB_TILE - 1, pos - j0);
        for (int jj = 0; jj <= last; jj++) {
            float dsj = __shfl_sync(0xffffffffu, ds, jj);
            for (int i = 0; i < FB_DPL; i++) {
                int d = lane + 32 * i;
                if (d < D) acc[i] += dsj * Ks[jj * ld + d];
            }
        }
    }
    if (active)
        for (int i = 0; i < FB_DPL; i++) {
            int d = lane + 32 * i;
            if (d < D) dq[qrow + d] += scale * acc[i];
        }
}

// dv_j += Σ p_ij dOut_i, dk_j += scale Σ ds_ij q_i over every query head of the group and every
// query that sees key j: one warp per key row, queries in tiles of 32 (one per lane). Each key
// row has exactly one writer, so no atomics. Either of dk, dv may be null.
template <typename T>
__device__ void attn_bwd_dkv(float* dk, float* dv, const float* dout, const float* lse, const float* rowdot,
                             const T* q, const T* k, const T* v,
                             int B, int Tq, int Tk, int H, int G, int D, float scale) {
    extern __shared__ float sm[];
    int ld = D + 1;
    float* Qs = sm;                    // [32][D+1] queries of the tile
    float* Gs = Qs + FB_TILE * ld;     // [32][D+1] their dOut
    float* Kw = Gs + FB_TILE * ld;     // [ROWS][D] this block's keys
    float* Vw = Kw + FB_ROWS * D;      // [ROWS][D] and values
    float* Ls = Vw + FB_ROWS * D;      // [32] lse of the tile's queries
    float* Rs = Ls + FB_TILE;          // [32] rowdot
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int b = blockIdx.z, g = blockIdx.y, hpg = H / G;
    int j0 = blockIdx.x * FB_ROWS, j = j0 + warp, off = Tk - Tq;
    bool active = j < Tk;
    long krow = (((long)b * Tk + j) * G + g) * D;
    if (active) for (int d = lane; d < D; d += 32) { Kw[warp * D + d] = load_f(k, krow + d); Vw[warp * D + d] = load_f(v, krow + d); }
    float ak[FB_DPL], av[FB_DPL];
    for (int i = 0; i < FB_DPL; i++) { ak[i] = 0.0f; av[i] = 0.0f; }
    int tFirst = max(0, j0 - off);     // the first query that sees any key of this block
    for (int h = g * hpg; h < (g + 1) * hpg; h++) {
        for (int q0 = tFirst; q0 < Tq; q0 += FB_TILE) {
            __syncthreads();
            for (int idx = threadIdx.x; idx < FB_TILE * D; idx += blockDim.x) {
                int ii = idx / D, d = idx % D, t = q0 + ii;
                float qv = 0.0f, gv = 0.0f;
                if (t < Tq) { long o = (((long)b * Tq + t) * H + h) * D + d; qv = load_f(q, o); gv = dout[o]; }
                Qs[ii * ld + d] = qv;
                Gs[ii * ld + d] = gv;
            }
            if (threadIdx.x < FB_TILE) {
                int t = q0 + threadIdx.x;
                Ls[threadIdx.x] = t < Tq ? lse[((long)b * H + h) * Tq + t] : 0.0f;
                Rs[threadIdx.x] = t < Tq ? rowdot[((long)b * H + h) * Tq + t] : 0.0f;
            }
            __syncthreads();
            if (!active) continue;
            int t = q0 + lane;
            bool sees = t < Tq && off + t >= j;
            float p = 0.0f, ds = 0.0f;
            if (sees) {
                float dot = 0.0f, dp = 0.0f;
                for (int d = 0; d < D; d++) {
                    dot += Qs[lane * ld + d] * Kw[warp * D + d];
                    dp += Gs[lane * ld + d] * Vw[warp * D + d];
                }
                p = expf(dot * scale - Ls[lane]);
                ds = p * (dp - Rs[lane]);
            }
            for (int ii = 0; ii < FB_TILE; ii++) {
                float pi = __shfl_sync(0xffffffffu, p, ii), dsi = __shfl_sync(0xffffffffu, ds, ii);
                if (pi == 0.0f && dsi == 0.0f) continue;   // uniform: both come from lane ii
                for (int i = 0; i < FB_DPL; i++) {
                    int d = lane + 32 * i;
                    if (d < D) { av[i] += pi * Gs[ii * ld + d]; ak[i] += dsi * Qs[ii * ld + d]; }
                }
            }
        }
    }
    if (active)
        for (int i = 0; i < FB_DPL; i++) {
            int d = lane + 32 * i;
            if (d >= D) continue;
            if (dk) dk[krow + d] += scale * ak[i];
            if (dv) dv[krow + d] += av[i];
        }
}

#define FB_ATTN_ENTRIES(SUFFIX, T)                                                                   \
FB_EXTERN void fb_attn_fwd_##SUFFIX(float* out, float* lse, const T* q, const T* k, const T* v,       \
        int B, int Tq, int Tk, int H, int G, int D, float scale) {                                  \
    attn_fwd<T>(out, lse, q, k, v, B, Tq, Tk, H, G, D, scale);                                       \
}                                                                                                    \
FB_EXTERN void fb_attn_bwd_dq_##SUFFIX(float* dq, const float* dout, const float* lse,               \
        const float* rowdot, const T* q, const T* k, const T* v,                                    \
        int B, int Tq, int Tk, int H, int G, int D, float scale) {                                  \
    attn_bwd_dq<T>(dq, dout, lse, rowdot, q, k, v, B, Tq, Tk, H, G, D, scale);                       \
}                                                                                                    \
FB_EXTERN void fb_attn_bwd_dkv_##SUFFIX(float* dk, float* dv, const float* dout, const float* lse,   \
        const float* rowdot, const T* q, const T* k, const T* v,                                    \
        int B, int Tq, int Tk, int H, int G, int D, float scale) {                                  \
    attn_bwd_dkv<T>(dk, dv, dout, lse, rowdot, q, k, v, B, Tq, Tk, H, G, D, scale);                  \
}

FB_ATTN_ENTRIES(f32, float)
FB_ATTN_ENTRIES(bf16, bf16_t)
