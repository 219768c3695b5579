package io.fedbiot.method;

/**
 * One right-padded batch [B,T]: inputs, next-token targets, the loss mask (response tokens only)
 * and the padding mask (1 where the input is a real token).
 */
public record TrainBatch(int[] ids, int[] targets, float[] lossMask, float[] valid, int batch, int seq) {
    public TrainBatch {
        int n = batch * seq;
        if (ids.length != n || targets.length != n || lossMask.length != n || valid.length != n)
            throw new IllegalArgumentException("batch arrays must all hold " + batch + "x" + seq + " = " + n + " entries");
    }

    /** Response tokens the loss counts. */
    public int lossTokens() {
        int c = 0;
        for (float m : lossMask) if (m != 0) c++;
        return c;
    }
}
