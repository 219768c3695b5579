// Element-wise kernels, reductions to one float, dropout and dtype conversion (n elements).
#include "common.cuh"

FB_EXTERN void fb_fill(float* x, long n, float v) { FB_FOR(i, n) x[i] = v; }
FB_EXTERN void fb_copy(float* dst, const float* src, long n) { FB_FOR(i, n) dst[i] = src[i]; }
FB_EXTERN void fb_add(float* out, const float* a, const float* b, long n) { FB_FOR(i, n) out[i] = a[i] + b[i]; }
FB_EXTERN void fb_mul(float* out, const float* a, const float* b, long n) { FB_FOR(i, n) out[i] = a[i] * b[i]; }
FB_EXTERN void fb_mul_acc(float* y, const float* a, const float* b, long n) { FB_FOR(i, n) y[i] += a[i] * b[i]; }
FB_EXTERN void fb_scale(float* out, const float* x, float s, long n) { FB_FOR(i, n) out[i] = s * x[i]; }
FB_EXTERN void fb_axpy(float* y, float alpha, const float* x, long n) { FB_FOR(i, n) y[i] += alpha * x[i]; }

// y[i] += factor * s[0]: the scalar stays on the device (no host sync inside a step).
FB_EXTERN void fb_add_scalar(float* y, const float* s, float factor, long n) {
    float v = factor * s[0];
    FB_FOR(i, n) y[i] += v;
}

// Stage one of sum / sum of squares: one double partial per block into part[gridDim.x].
FB_EXTERN void fb_reduce_partial(double* part, const float* x, long n, int squares) {
    double acc = 0.0;
    FB_FOR(i, n) { double v = x[i]; acc += squares ? v * v : v; }
    acc = block_sum_d(acc);
    if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

// Stage two (one block): out[0] = Σ part.
FB_EXTERN void fb_reduce_final(float* out, const double* part, int parts) {
    double acc = 0.0;
    for (int i = threadIdx.x; i < parts; i += blockDim.x) acc += part[i];
    acc = block_sum_d(acc);
    if (threadIdx.x == 0) out[0] = (float)acc;
}

__device__ __forceinline__ float silu(float a) { return a / (1.0f + expf(-a)); }

FB_EXTERN void fb_swiglu_fwd(float* out, const float* a, const float* b, long n) {
    FB_FOR(i, n) out[i] = silu(a[i]) * b[i];
}

// d silu(a)/da = s (1 + a (1 - s)), s = sigmoid(a).
FB_EXTERN void fb_swiglu_bwd(float* da, float* db, const float* dout, const float* a, const float* b, long n) {
    FB_FOR(i, n) {
        float x = a[i], s = 1.0f / (1.0f + expf(-x)), g = dout[i];
        if (da) da[i] += g * b[i] * s * (1.0f + x * (1.0f - s));
        if (db) db[i] += g * x * s;
    }
}

// KernelMath.dropoutUniform, bit for bit: SplitMix64 of seed + (i+1)*golden, top 24 bits.
__device__ __forceinline__ float dropout_uniform(unsigned long long seed, unsigned long long i) {
    unsigned long long z = seed + (i + 1ull) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)(z >> 40) * 5.9604644775390625e-8f;   // 2^-24
}

FB_EXTERN void fb_dropout(float* out, float* mask, const float* x, long n, float p, unsigned long long seed) {
    float keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    FB_FOR(i, n) {
        float m = dropout_uniform(seed, (unsigned long long)i) < p ? 0.0f : keep;
        mask[i] = m;
        out[i] = x[i] * m;
    }
}

// Storage conversions for bf16 frozen weights (f32 <-> bf16 bits, round to nearest even).
FB_EXTERN void fb_f32_to_bf16(bf16_t* dst, const float* src, long n) { FB_FOR(i, n) dst[i] = f_to_bf16(src[i]); }
FB_EXTERN void fb_bf16_to_f32(float* dst, const bf16_t* src, long n) { FB_FOR(i, n) dst[i] = bf16_to_f(src[i]); }
