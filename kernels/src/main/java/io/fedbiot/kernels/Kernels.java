package io.fedbiot.kernels;

/**
 * Every op the engine runs, as kernels over backend buffers. Float tensors are float32, ids and
 * targets int32, everything contiguous row-major. Shape legend: B batch, T sequence, C channels,
 * H query heads, G key/value heads, D head size, V vocabulary, N rows (usually B*T), n elements.
 *
 * <p>Conventions, so that autograd needs no scratch buffers:
 * <ul>
 *   <li>Backward kernels <b>accumulate</b> into gradient buffers ({@code dx += ...}).</li>
 *   <li>A null gradient buffer means nobody needs that gradient: the kernel skips its work.</li>
 *   <li>Scalar results and scalar upstream gradients are one-element buffers ({@code [1]}), so a
 *       device backend never has to sync with the host inside a step.</li>
 *   <li>Masks are float32 row weights {@code [N]} (usually 0/1); null means every row counts 1.</li>
 * </ul>
 */
public interface Kernels {

    // ---- matrix multiply ------------------------------------------------------------------

    /**
     * Batched GEMM: {@code C[i] = alpha * op(A[i]) op(B[i]) + beta * C[i]} for i in [0, batch).
     * op(A) is [M,K]: A is stored [K,M] when transA, else [M,K]; op(B) is [K,N]: B is stored
     * [N,K] when transB, else [K,N]; C is [M,N]. Strides are in elements between batch items;
     * stride 0 broadcasts one matrix. With beta == 0, C is overwritten (its old content, even NaN,
     * is ignored).
     */
    void gemm(int batch, boolean transA, boolean transB, int M, int N, int K,
              float alpha, Buf A, long strideA, Buf B, long strideB,
              float beta, Buf C, long strideC);

    // ---- element-wise (n elements) --------------------------------------------------------

    void fill(Buf x, long n, float value);

    void copy(Buf dst, Buf src, long n);

    /** out = a + b (out may alias a or b). */
    void add(Buf out, Buf a, Buf b, long n);

    /** out = a * b (out may alias a or b). */
    void mul(Buf out, Buf a, Buf b, long n);

    /** y += a * b (the backward of mul). */
    void mulAcc(Buf y, Buf a, Buf b, long n);

    /** out = s * x (out may alias x). */
    void scale(Buf out, Buf x, float s, long n);

    /** y += alpha * x. */
    void axpy(Buf y, float alpha, Buf x, long n);

    /** y[i] += factor * s[0] for i in [0, n): the backward of sum and mean. s is [1]. */
    void addScalar(Buf y, Buf s, float factor, long n);

    // ---- reductions (accumulated in double, written as float32 [1]) ------------------------

    /** out[0] = Σ x. */
    void sum(Buf out, Buf x, long n);

    /** out[0] = Σ x². */
    void sumSquares(Buf out, Buf x, long n);

    // ---- embedding ------------------------------------------------------------------------

    /** out [N,C] = table [V,C] rows ids [N]; an id outside [0,V) throws IllegalArgumentException naming it. */
    void embeddingForward(Buf out, Buf table, Buf ids, int N, int C, int V);

    /** dTable[ids[n], :] += dOut[n, :] (scatter-add; repeated ids accumulate). */
    void embeddingBackward(Buf dTable, Buf dOut, Buf ids, int N, int C);

    // ---- RMSNorm --------------------------------------------------------------------------

    /** y [N,C] = x * rstd * w, rstd [N] = 1/sqrt(mean_c(x²) + eps) (saved for backward). */
    void rmsnormForward(Buf y, Buf rstd, Buf x, Buf w, int N, int C, float eps);

    /** dx [N,C] and dw [C] (each nullable) += gradients of rmsnormForward given dy [N,C]. */
    void rmsnormBackward(Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf rstd, int N, int C);

    // ---- rotary embedding -----------------------------------------------------------------

    /**
     * out [B,T,H,D] = x rotated: the pair (x_a, x_b) chosen by {@code style} for frequency index
     * i in [0, D/2) turns by angle (pos0 + t) * freq_i, freq_i = theta^(-2i/D) (computed in float32
     * as llama2.c and HF do). out may alias x. D must be even.
     */
    void ropeForward(Buf out, Buf x, int B, int T, int H, int D, int pos0, float theta, RopeStyle style);

    /** dx += R^T dOut: the rotation by the opposite angle. */
    void ropeBackward(Buf dx, Buf dOut, int B, int T, int H, int D, int pos0, float theta, RopeStyle style);

    // ---- causal attention with grouped KV heads ------------------------------------------

    /**
     * q, out [B,Tq,H,D]; k, v [B,Tk,G,D], Tk >= Tq, H % G == 0, query head h reads KV head
     * h / (H/G). Query t sits at absolute position p = Tk - Tq + t and attends keys 0..p
     * (Tq == Tk in training; Tq < Tk with a KV cache). out = softmax(scale * q k^T) v.
     * lse [B,H,Tq] receives the log-sum-exp of the scaled scores for the backward pass.
     */
    void attentionForward(Buf out, Buf lse, Buf q, Buf k, Buf v,
                          int B, int Tq, int Tk, int H, int G, int D, float scale);

    /** dq, dk, dv (each nullable) += the full causal backward of attentionForward. */
    void attentionBackward(Buf dq, Buf dk, Buf dv, Buf dOut, Buf out, Buf lse, Buf q, Buf k, Buf v,
                           int B, int Tq, int Tk, int H, int G, int D, float scale);

    // ---- SwiGLU ---------------------------------------------------------------------------

    /** out = silu(a) * b, silu(a) = a / (1 + e^-a). */
    void swigluForward(Buf out, Buf a, Buf b, long n);

    /** da, db (each nullable) += gradients of swigluForward given dOut. */
    void swigluBackward(Buf da, Buf db, Buf dOut, Buf a, Buf b, long n);

    // ---- losses (scalar [1] results; masked rows excluded; 0 when no row counts) -----------

    /**
     * Softmax cross-entropy without materialising probabilities: logits [N,V], targets int32 [N]
     * (read only where mask != 0; out of range throws), lse [N] saved.
     * loss[0] = Σ_n m_n (lse_n - logits[n, t_n]) / Σ_n m_n.
     */
    void crossEntropyForward(Buf loss, Buf lse, Buf logits, Buf targets, Buf mask, int N, int V);

    /** dLogits [N,V] += dLoss[0] * m_n / Σm * (softmax(logits_n) - onehot(t_n)). */
    void crossEntropyBackward(Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask,
                              int N, int V);

    /**
     * KL(p‖q) per token, p = softmax(P), q = softmax(Q), P and Q [N,V]:
     * kl[0] = Σ_n m_n Σ_v p (log p - log q) / Σ_n m_n.
     */
    void klForward(Buf kl, Buf P, Buf Q, Buf mask, int N, int V);

    /**
     * dP += g m_n/Σm * p ⊙ (log p - log q - KL_n); dQ += g m_n/Σm * (q - p); g = dKl[0].
     * Each of dP, dQ nullable.
     */
    void klBackward(Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask, int N, int V);

    /**
     * Normalised MSE of a against reference b, both [N,C]:
     * out[0] = Σ_n m_n Σ_c (b - a)² / Σ_n m_n Σ_c b² (= mean((b-a)²) / mean(b²) over counted rows).
     */
    void nmseForward(Buf out, Buf a, Buf b, Buf mask, int N, int C);

    /**
     * With S = Σ m (b-a)², Q = Σ m b², g = dOut[0]:
     * dA += g m (-2 (b - a) / Q); dB += g m (2 (b - a) / Q - 2 b S / Q²). Each nullable.
     */
    void nmseBackward(Buf dA, Buf dB, Buf dOut, Buf a, Buf b, Buf mask, int N, int C);

    // ---- dropout --------------------------------------------------------------------------

    /**
     * out = x * mask with mask[i] = 0 when {@link KernelMath#dropoutUniform}(seed, i) < p, else
     * 1/(1-p): a counter-based mask, identical on every backend. mask [n] is saved for backward.
     */
    void dropout(Buf out, Buf mask, Buf x, long n, float p, long seed);

    // ---- optimizers -----------------------------------------------------------------------

    /**
     * AdamW with decoupled weight decay and bias correction, step t >= 1:
     * p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²;
     * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
     */
    void adamw(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2, float eps,
               float weightDecay, int step);

    /**
     * SGD: g' = g + wd*p; with momentum μ > 0, buf = μ buf + g' and p -= lr*buf, else p -= lr*g'.
     * buf may be null when μ == 0.
     */
    void sgd(Buf p, Buf g, Buf buf, long n, float lr, float momentum, float weightDecay);
}
