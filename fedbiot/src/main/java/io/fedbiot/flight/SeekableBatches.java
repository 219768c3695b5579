package io.fedbiot.flight;

import io.fedbiot.data.Batch;
import io.fedbiot.data.Batcher;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.method.BatchSource;

/**
 * A client's batch stream that can be put at batch n: the n+1-th batch of a fresh
 * {@link Batcher} with the same seed. The server says where each round starts, so a client that
 * restarted, or repeats a round the server lost, sees the same batches as the in-process run.
 */
final class SeekableBatches implements BatchSource {
    private final TokenizedDataset data;
    private final int[] rows;
    private final int batchSize;
    private final long seed;
    private Batcher batcher;
    private long position;

    SeekableBatches(TokenizedDataset data, int[] rows, int batchSize, long seed) {
        this.data = data;
        this.rows = rows;
        this.batchSize = batchSize;
        this.seed = seed;
        this.batcher = new Batcher(data, rows, batchSize, seed);
    }

    void seek(long n) {
        if (n < 0) throw new IllegalArgumentException("batch position " + n);
        if (n < position) {
            batcher = new Batcher(data, rows, batchSize, seed);
            position = 0;
        }
        while (position < n) next();
    }

    @Override
    public Batch next() {
        position++;
        return batcher.next();
    }
}
