package io.fedbiot.data;

/**
 * A right-padded training batch, flat row-major [batch, seqLen]. Row r of n ids contributes
 * inputs {@code ids[0..n-2]} and targets {@code ids[1..n-1]}; {@code mask} is 1 where the target
 * is a response token (or the EOS), 0 on prompt targets and on padding (pad input and target id
 * {@link #PAD}). {@code seqLen} is the longest row's n − 1 (the number of next-token predictions,
 * so at most maxLen − 1), and at least 1 so a batch is never empty.
 *
 * @param valid 1 where the input is a real token, 0 on padding (alignment masks padding with it)
 * @param rows  the dataset rows, in batch order
 */
public record Batch(int batch, int seqLen, int[] inputs, int[] targets, float[] mask, float[] valid, int[] rows) {
    public static final int PAD = 0;

    public Batch {
        int n = batch * seqLen;
        if (inputs.length != n || targets.length != n || mask.length != n || valid.length != n || rows.length != batch)
            throw new IllegalArgumentException("batch arrays do not match [" + batch + ", " + seqLen + "]");
    }

    /** The batch of {@code rows} of {@code data}, in that order (repeats allowed). */
    public static Batch of(TokenizedDataset data, int[] rows) {
        if (rows.length == 0) throw new IllegalArgumentException("a batch needs at least one row");
        int t = 1;
        for (int r : rows) t = Math.max(t, data.length(r) - 1);
        int b = rows.length;
        int[] inputs = new int[b * t];
        int[] targets = new int[b * t];
        float[] mask = new float[b * t];
        float[] valid = new float[b * t];
        for (int i = 0; i < b; i++) {
            int r = rows[i];
            int predictions = data.length(r) - 1;
            for (int j = 0; j < predictions; j++) {
                inputs[i * t + j] = data.id(r, j);
                targets[i * t + j] = data.id(r, j + 1);
                mask[i * t + j] = data.maskAt(r, j + 1);
                valid[i * t + j] = 1f;
            }
        }
        return new Batch(b, t, inputs, targets, mask, valid, rows.clone());
    }

    /** Number of target positions that count in the loss. */
    public int maskedTargets() {
        int n = 0;
        for (float m : mask) if (m != 0) n++;
        return n;
    }
}
