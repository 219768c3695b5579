package io.fedbiot.kernels;

/**
 * The buffers of one attention call ({@link Attention} for shapes): the forward reads q, k, v and
 * writes out and lse; the backward reads all five.
 */
public record AttentionIo(Buf q, Buf k, Buf v, Buf out, Buf lse) {}
