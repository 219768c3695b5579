package io.fedbiot.kernels;

/**
 * Every op the engine runs, as kernels over backend buffers. Float tensors are float32, ids and
 * targets int32, everything contiguous row-major. Shape legend: B batch, T sequence, C channels,
 * H query heads, G key/value heads, D head size, V vocabulary, N rows (usually B*T), n elements.
 * Fused ops take their shapes and options as a record first ({@link GemmShape}, {@link Attention},
 * ...), validated when it is built; buffer sizes are checked by {@link KernelChecks} on every
 * backend, so a bad call fails with the same message everywhere.
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
     * Batched GEMM: {@code C[i] = alpha * op(A[i]) op(B[i]) + beta * C[i]} (see {@link GemmShape}).
     * With beta == 0, C is overwritten (its old content, even NaN, is ignored); with K == 0 or
     * alpha == 0, A and B are not read.
     */
    void gemm(GemmShape shape, float alpha, Buf A, Buf B, float beta, Buf C);

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
    void embeddingForward(Embedding shape, Buf out, Buf table, Buf ids);

    /** dTable[ids[n], :] += dOut[n, :] (scatter-add; repeated ids accumulate). */
    void embeddingBackward(Embedding shape, Buf dTable, Buf dOut, Buf ids);

    // ---- RMSNorm --------------------------------------------------------------------------

    /** y [N,C] = x * rstd * w, rstd [N] = 1/sqrt(mean_c(x²) + eps) (saved for backward). */
    void rmsnormForward(RmsNorm shape, Buf y, Buf rstd, Buf x, Buf w);

    /** dx [N,C] and dw [C] (each nullable) += gradients of rmsnormForward given dy [N,C]. */
    void rmsnormBackward(RmsNorm shape, Buf dx, Buf dw, Buf dy, Buf x, Buf w, Buf rstd);

    // ---- rotary embedding -----------------------------------------------------------------

    /**
     * out [B,T,H,D] = x rotated (see {@link Rope}); freq_i = theta^(-2i/D) and the angles are
     * computed in float32 as llama2.c and HF do. out may alias x.
     */
    void ropeForward(Rope rope, Buf out, Buf x);

    /** dx += R^T dOut: the rotation by the opposite angle. */
    void ropeBackward(Rope rope, Buf dx, Buf dOut);

    // ---- causal attention with grouped KV heads ------------------------------------------

    /**
     * out = softmax(scale * q k^T, causal) v, and lse [B,H,Tq] receives the log-sum-exp of the
     * scaled scores for the backward pass (shapes in {@link Attention}).
     */
    void attentionForward(Attention shape, AttentionIo io);

    /** grads (each nullable) += the full causal backward of attentionForward, given dOut [B,Tq,H,D]. */
    void attentionBackward(Attention shape, AttentionIo io, Buf dOut, AttentionGrads grads);

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
    void crossEntropyForward(Rows shape, Buf loss, Buf lse, Buf logits, Buf targets, Buf mask);

    /** dLogits [N,V] += dLoss[0] * m_n / Σm * (softmax(logits_n) - onehot(t_n)). */
    void crossEntropyBackward(Rows shape, Buf dLogits, Buf dLoss, Buf logits, Buf lse, Buf targets, Buf mask);

    /**
     * KL(p‖q) per token, p = softmax(P), q = softmax(Q), P and Q [N,V]:
     * kl[0] = Σ_n m_n Σ_v p (log p - log q) / Σ_n m_n.
     */
    void klForward(Rows shape, Buf kl, Buf P, Buf Q, Buf mask);

    /**
     * dP += g m_n/Σm * p ⊙ (log p - log q - KL_n); dQ += g m_n/Σm * (q - p); g = dKl[0].
     * Each of dP, dQ nullable.
     */
    void klBackward(Rows shape, Buf dP, Buf dQ, Buf dKl, Buf P, Buf Q, Buf mask);

    /**
     * Normalised MSE of a against reference b, both [N,C] (C = shape.V()):
     * out[0] = Σ_n m_n Σ_c (b - a)² / Σ_n m_n Σ_c b² (= mean((b-a)²) / mean(b²) over counted rows).
     */
    void nmseForward(Rows shape, Buf out, Buf a, Buf b, Buf mask);

    /**
     * With S = Σ m (b-a)², Q = Σ m b², g = dOut[0]:
     * dA += g m (-2 (b - a) / Q); dB += g m (2 (b - a) / Q - 2 b S / Q²). Each nullable.
     */
    void nmseBackward(Rows shape, Buf dA, Buf dB, Buf dOut, Buf a, Buf b, Buf mask);

    // ---- dropout --------------------------------------------------------------------------

    /**
     * out = x * mask with mask[i] = 0 when {@link KernelMath#dropoutUniform}(seed, i) < p, else
     * 1/(1-p): a counter-based mask, identical on every backend. mask [n] is saved for backward.
     */
    void dropout(Dropout dropout, Buf out, Buf mask, Buf x, long n);

    // ---- optimizers -----------------------------------------------------------------------

    /**
     * AdamW with decoupled weight decay and bias correction, t = step.step():
     * p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²;
     * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
     */
    void adamw(AdamWStep step, Buf p, Buf g, Buf m, Buf v, long n);

    /**
     * SGD: g' = g + wd*p; with momentum μ > 0, buf = μ buf + g' and p -= lr*buf, else p -= lr*g'.
     * buf may be null when μ == 0.
     */
    void sgd(SgdStep step, Buf p, Buf g, Buf buf, long n);
}
