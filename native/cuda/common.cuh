// Shared device helpers for the FedBiOT CUDA kernels. Plain CUDA C++ without any header, so the
// same text compiles under nvcc at build time and under NVRTC at first use.
// Legend: B batch, T sequence, C channels, H query heads, G KV heads, D head size, V vocabulary,
// N rows (usually B*T), n elements. Float data is float32; bf16 is raw bits (unsigned short).
#pragma once

typedef unsigned short bf16_t;

// -inf without math.h (NVRTC has no system headers).
#define FB_NEG_INF __int_as_float(0xff800000)

#define FB_EXTERN extern "C" __global__

// Grid-stride loop over [0, n): every kernel works for any n with any launch size.
#define FB_FOR(i, n) for (long i = (long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
                          i += (long)blockDim.x * gridDim.x)

__device__ __forceinline__ float bf16_to_f(bf16_t b) { return __uint_as_float(((unsigned)b) << 16); }

// Round to nearest even; NaN stays a (quiet) NaN, as DType.floatToBf16 does on the host.
__device__ __forceinline__ bf16_t f_to_bf16(float f) {
    unsigned x = __float_as_uint(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return (bf16_t)((x >> 16) | 0x40u);
    unsigned rounding = 0x7FFFu + ((x >> 16) & 1u);
    return (bf16_t)((x + rounding) >> 16);
}

__device__ __forceinline__ float load_f(const float* p, long i) { return p[i]; }
__device__ __forceinline__ float load_f(const bf16_t* p, long i) { return bf16_to_f(p[i]); }

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ double warp_sum_d(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide sum (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ double block_sum_d(double v) {
    __shared__ double part[32];
    __shared__ double total;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum_d(v);
    if (lane == 0) part[warp] = v;
    __syncthreads();
    if (warp == 0) {
        double w = lane < (int)(blockDim.x >> 5) ? part[lane] : 0.0;
        w = warp_sum_d(w);
        if (lane == 0) total = w;
    }
    __syncthreads();
    double r = total;
    __syncthreads();
    return r;
}

// Online log-sum-exp state (max, sum of exp(x - max)); merging two states is associative.
struct Lse { float m; float s; };

__device__ __forceinline__ Lse lse_merge(Lse a, Lse b) {
    if (b.m == FB_NEG_INF) return a;
    if (a.m == FB_NEG_INF) return b;
    float m = fmaxf(a.m, b.m);
    Lse r; r.m = m; r.s = a.s * expf(a.m - m) + b.s * expf(b.m - m);
    return r;
}

// Block-wide online log-sum-exp of one row of V values (accurate expf, the result is checked
// against a float64 reference): returns log Σ exp(x).
template <typename T>
__device__ float block_row_lse(const T* row, int V) {
    __shared__ float pm[32], ps[32];
    __shared__ float result;
    Lse a; a.m = FB_NEG_INF; a.s = 0.0f;
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
        float x = load_f(row, v);
        if (x > a.m) { a.s = a.s * expf(a.m - x) + 1.0f; a.m = x; }
        else if (x != FB_NEG_INF) a.s += expf(x - a.m);   // a -inf logit adds nothing (and no NaN)
    }
    for (int o = 16; o > 0; o >>= 1) {
        Lse b; b.m = __shfl_xor_sync(0xffffffffu, a.m, o); b.s = __shfl_xor_sync(0xffffffffu, a.s, o);
        a = lse_merge(a, b);
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { pm[warp] = a.m; ps[warp] = a.s; }
    __syncthreads();
    if (warp == 0) {
        Lse w; w.m = FB_NEG_INF; w.s = 0.0f;
        if (lane < (int)(blockDim.x >> 5)) { w.m = pm[lane]; w.s = ps[lane]; }
        for (int o = 16; o > 0; o >>= 1) {
            Lse b; b.m = __shfl_xor_sync(0xffffffffu, w.m, o); b.s = __shfl_xor_sync(0xffffffffu, w.s, o);
            w = lse_merge(w, b);
        }
        if (lane == 0) result = w.m + logf(w.s);
    }
    __syncthreads();
    float r = result;
    __syncthreads();
    return r;
}

// Row weight: the mask value, or 1 when there is no mask.
__device__ __forceinline__ float row_weight(const float* mask, long n) { return mask ? mask[n] : 1.0f; }

// Error flag err[3] = {code, row, value}: the first failing thread wins; the host reads it at the
// next synchronisation and throws naming the row. Codes: 1 id out of range, 2 target out of range.
__device__ __forceinline__ void report_error(int* err, int code, long row, int value) {
    if (atomicCAS(err, 0, code) == 0) { err[1] = (int)row; err[2] = value; }
}
