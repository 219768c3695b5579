/* Element-wise kernels, reductions, SwiGLU, dropout and the optimizers over n float32 elements. */
#include "fb_common.h"

typedef struct {
    float *o, *o2, *o3;
    const float *a, *b, *c;
    float s, s2, s3, s4, s5, s6;
    int64_t seed;
    double *part;
    int64_t n;
} ew;

#define EW_RANGE(name, decl, body)                                   \
    static void name##_range(void *c_, int64_t lo, int64_t hi) {     \
        ew *c = c_;                                                  \
        decl;                                                        \
        for (int64_t i = lo; i < hi; i++) { body; }                  \
    }

EW_RANGE(fill, float *restrict o = c->o; float v = c->s, o[i] = v)
EW_RANGE(add, float *o = c->o; const float *a = c->a; const float *b = c->b, o[i] = a[i] + b[i])
EW_RANGE(mul, float *o = c->o; const float *a = c->a; const float *b = c->b, o[i] = a[i] * b[i])
EW_RANGE(mulacc, float *restrict o = c->o; const float *a = c->a; const float *b = c->b, o[i] = o[i] + a[i] * b[i])
EW_RANGE(scale, float *o = c->o; const float *a = c->a; float s = c->s, o[i] = a[i] * s)
EW_RANGE(axpy, float *restrict o = c->o; const float *restrict a = c->a; float s = c->s, o[i] = o[i] + s * a[i])
EW_RANGE(addc, float *restrict o = c->o; float s = c->s, o[i] = o[i] + s)

static void copy_range(void *c_, int64_t lo, int64_t hi) {
    ew *c = c_;
    memcpy(c->o + lo, c->a + lo, (size_t) (hi - lo) * 4);
}

/* Runs an element-wise body; these allocate nothing, but every kernel ends with fb_end(). */
static int32_t par(int64_t n, fb_range_fn body, ew *c) {
    FN(par_elems)(n, body, c);
    return fb_end();
}

int32_t FN(fill)(float *x, int64_t n, float v) { ew c = {.o = x, .s = v}; return par(n, fill_range, &c); }

int32_t FN(copy)(float *dst, const float *src, int64_t n) {
    if (n <= 0 || dst == src) return FB_OK;
    if (dst < src + n && src < dst + n) { memmove(dst, src, (size_t) n * 4); return FB_OK; }
    ew c = {.o = dst, .a = src};
    return par(n, copy_range, &c);
}

int32_t FN(add)(float *o, const float *a, const float *b, int64_t n) { ew c = {.o = o, .a = a, .b = b}; return par(n, add_range, &c); }
int32_t FN(mul)(float *o, const float *a, const float *b, int64_t n) { ew c = {.o = o, .a = a, .b = b}; return par(n, mul_range, &c); }
int32_t FN(mul_acc)(float *y, const float *a, const float *b, int64_t n) { ew c = {.o = y, .a = a, .b = b}; return par(n, mulacc_range, &c); }
int32_t FN(scale)(float *o, const float *x, float s, int64_t n) { ew c = {.o = o, .a = x, .s = s}; return par(n, scale_range, &c); }
int32_t FN(axpy)(float *y, float alpha, const float *x, int64_t n) { ew c = {.o = y, .a = x, .s = alpha}; return par(n, axpy_range, &c); }

int32_t FN(add_scalar)(float *y, const float *s, float factor, int64_t n) {
    ew c = {.o = y, .s = factor * s[0]};
    return par(n, addc_range, &c);
}

/* ---- reductions: one double partial per chunk, summed in chunk order (thread-count independent) */

static void sum_range(void *c_, int64_t lo, int64_t hi) {
    ew *c = c_;
    for (int64_t k = lo; k < hi; k++) {
        int64_t a = k * CHUNK, b = a + CHUNK < c->n ? a + CHUNK : c->n;
        c->part[k] = c->s != 0 ? fb_sumsq_d(c->a + a, b - a) : fb_sum_d(c->a + a, b - a);
    }
}

/* out[0] = the sum (of squares); nothing written when the partials cannot be allocated. */
static int32_t reduce(float *out, const float *x, int64_t n, int squares) {
    if (n <= 0) { out[0] = 0.0f; return FB_OK; }
    int64_t chunks = (n + CHUNK - 1) / CHUNK;
    double stack[64], *part = chunks <= 64 ? stack : fb_malloc((size_t) chunks * sizeof(double));
    if (!part) return fb_end();
    ew c = {.a = x, .s = (float) squares, .part = part, .n = n};
    fb_parallel(chunks, MIN_CHUNKS, sum_range, &c);
    double s = 0;
    for (int64_t k = 0; k < chunks; k++) s += part[k];
    if (part != stack) free(part);
    out[0] = (float) s;
    return fb_end();
}

int32_t FN(sum)(float *out, const float *x, int64_t n) { return reduce(out, x, n, 0); }
int32_t FN(sum_squares)(float *out, const float *x, int64_t n) { return reduce(out, x, n, 1); }

/* ---- SwiGLU ------------------------------------------------------------------------- */

static void swiglu_f_range(void *c_, int64_t lo, int64_t hi) {
    ew *c = c_;
    float *o = c->o;
    const float *a = c->a, *b = c->b;
    for (int64_t i = lo; i < hi; i++) {
        float av = a[i];
        o[i] = av / (1.0f + fb_exp(-av)) * b[i];
    }
}

/* da += dOut * b * σ(a)(1 + a(1 - σ(a))); db += dOut * silu(a). */
static void swiglu_b_range(void *c_, int64_t lo, int64_t hi) {
    ew *c = c_;
    float *da = c->o, *db = c->o2;
    const float *g = c->c, *a = c->a, *b = c->b;
    if (da && db) {
        for (int64_t i = lo; i < hi; i++) {
            float av = a[i], gi = g[i], sig = 1.0f / (1.0f + fb_exp(-av));
            da[i] = da[i] + gi * b[i] * (sig * (1.0f + av * (1.0f - sig)));
            db[i] = db[i] + gi * (av * sig);
        }
    } else if (da) {
        for (int64_t i = lo; i < hi; i++) {
            float av = a[i], sig = 1.0f / (1.0f + fb_exp(-av));
            da[i] = da[i] + g[i] * b[i] * (sig * (1.0f + av * (1.0f - sig)));
        }
    } else {
        for (int64_t i = lo; i < hi; i++) {
            float av = a[i], sig = 1.0f / (1.0f + fb_exp(-av));
            db[i] = db[i] + g[i] * (av * sig);
        }
    }
}

int32_t FN(swiglu_forward)(float *o, const float *a, const float *b, int64_t n) {
    ew c = {.o = o, .a = a, .b = b};
    return par(n, swiglu_f_range, &c);
}

int32_t FN(swiglu_backward)(float *da, float *db, const float *dOut, const float *a, const float *b, int64_t n) {
    if (!da && !db) return FB_OK;
    ew c = {.o = da, .o2 = db, .a = a, .b = b, .c = dOut};
    return par(n, swiglu_b_range, &c);
}

/* ---- dropout: the counter-based mask of KernelMath.dropoutUniform --------------------- */

static inline float dropout_uniform(uint64_t seed, uint64_t index) {
    uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (float) (z >> 40) * 0x1.0p-24f;
}

static void dropout_range(void *c_, int64_t lo, int64_t hi) {
    ew *c = c_;
    float p = c->s, keep = c->s2;
    for (int64_t i = lo; i < hi; i++) {
        float m = dropout_uniform((uint64_t) c->seed, (uint64_t) i) < p ? 0.0f : keep;
        c->o2[i] = m;
        c->o[i] = c->a[i] * m;
    }
}

int32_t FN(dropout)(float *out, float *mask, const float *x, int64_t n, float p, int64_t seed) {
    ew c = {.o = out, .o2 = mask, .a = x, .s = p, .s2 = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f, .seed = seed};
    return par(n, dropout_range, &c);
}

/* ---- optimizers --------------------------------------------------------------------- */

static void adamw_range(void *c_, int64_t lo, int64_t hi) {
    ew *c = c_;
    float *restrict p = c->o, *restrict m = c->o2, *restrict v = c->o3;
    const float *restrict g = c->a;
    float b1 = c->s, b2 = c->s2, eps = c->s3, decay = c->s4, stepSize = c->s5, invBc2 = c->s6;
    float c1 = 1.0f - b1, c2 = 1.0f - b2;
    for (int64_t i = lo; i < hi; i++) {
        float gi = g[i];
        float mi = m[i] * b1 + gi * c1;
        float vi = v[i] * b2 + gi * gi * c2;
        float den = sqrtf(vi * invBc2) + eps;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - mi * stepSize / den;
    }
}

int32_t FN(adamw)(float *p, const float *g, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float wd, int32_t step) {
    ew c = {.o = p, .o2 = m, .o3 = v, .a = g, .s = beta1, .s2 = beta2, .s3 = eps, .s4 = 1.0f - lr * wd,
            .s5 = (float) (lr / (1.0 - pow(beta1, step))), .s6 = (float) (1.0 / (1.0 - pow(beta2, step)))};
    return par(n, adamw_range, &c);
}

static void sgd_range(void *c_, int64_t lo, int64_t hi) {
    ew *c = c_;
    float *restrict p = c->o, *restrict buf = c->o2;
    const float *restrict g = c->a;
    float lr = c->s, mom = c->s2, wd = c->s3;
    if (buf) {
        for (int64_t i = lo; i < hi; i++) {
            float pi = p[i], gi = mom * buf[i] + (g[i] + wd * pi);
            buf[i] = gi;
            p[i] = pi - lr * gi;
        }
    } else {
        for (int64_t i = lo; i < hi; i++) {
            float pi = p[i];
            p[i] = pi - lr * (g[i] + wd * pi);
        }
    }
}

int32_t FN(sgd)(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float wd) {
    ew c = {.o = p, .o2 = momentum != 0.0f ? buf : NULL, .a = g, .s = lr, .s2 = momentum, .s3 = wd};
    return par(n, sgd_range, &c);
}
