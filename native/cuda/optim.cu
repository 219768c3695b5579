// Optimizer updates (n elements), the same float32 arithmetic as the Java backend. The bias
// corrections arrive folded into step_size = lr / (1 - b1^t) and inv_bc2 = 1 / (1 - b2^t).
#include "common.cuh"

FB_EXTERN void fb_adamw(float* p, const float* g, float* m, float* v, long n, float beta1, float beta2,
                        float eps, float decay, float step_size, float inv_bc2) {
    float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
    FB_FOR(i, n) {
        float gi = g[i];
        float mi = m[i] * beta1 + gi * c1;
        float vi = v[i] * beta2 + gi * gi * c2;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - mi * step_size / (sqrtf(vi * inv_bc2) + eps);
    }
}

// buf may be null when momentum == 0 (checked on the host).
FB_EXTERN void fb_sgd(float* p, const float* g, float* buf, long n, float lr, float momentum, float wd) {
    FB_FOR(i, n) {
        float pi = p[i];
        float gi = g[i] + wd * pi;
        if (momentum != 0.0f) { gi = momentum * buf[i] + gi; buf[i] = gi; }
        p[i] = pi - lr * gi;
    }
}
