package io.fedbiot.data;

import io.fedbiot.engine.Rng;

/**
 * Endless seeded batches over a set of rows (a client's partition): each epoch visits every row
 * once in a fresh seeded order, and a batch may run over into the next epoch, so rows repeat only
 * across epochs. The same data, rows, size and seed give the same batches.
 */
public final class Batcher {
    private final TokenizedDataset data;
    private final int[] order;
    private final int batchSize;
    private final Rng rng;
    private int cursor;
    private int epoch;
    private long samples;

    public Batcher(TokenizedDataset data, int[] rows, int batchSize, long seed) {
        if (rows.length == 0)
            throw new IllegalArgumentException("no rows to batch from " + data.source() + (data.size() == 0
                    ? ": every row was filtered out " + data.badRows()
                    : ": this client's share of its " + data.size() + " rows is empty (fewer rows than clients, or a held-out split took them all)"));
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        for (int r : rows) if (r < 0 || r >= data.size()) throw new IndexOutOfBoundsException("row " + r + " of " + data.size());
        this.data = data;
        this.order = rows.clone();
        this.batchSize = batchSize;
        this.rng = new Rng(seed);
        Shuffle.shuffle(order, rng);
    }

    public Batch next() {
        int[] pick = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            if (cursor == order.length) {
                cursor = 0;
                epoch++;
                Shuffle.shuffle(order, rng);
            }
            pick[i] = order[cursor++];
        }
        samples += batchSize;
        return Batch.of(data, pick);
    }

    /**
     * Moves on as {@code batches} calls of {@link #next} would, without building them: a client
     * rebuilt for a later round resumes its stream where it stopped (same shuffles, same rows).
     */
    public void skip(long batches) {
        if (batches < 0) throw new IllegalArgumentException("cannot skip " + batches + " batches");
        for (long i = 0; i < batches * batchSize; i++) {
            if (cursor == order.length) {
                cursor = 0;
                epoch++;
                Shuffle.shuffle(order, rng);
            }
            cursor++;
        }
        samples += batches * batchSize;
    }

    /** Samples handed out so far (n_k, which the client reports with its update). */
    public long samplesProcessed() {
        return samples;
    }

    /** Completed passes over the rows. */
    public int epoch() {
        return epoch + (cursor == order.length ? 1 : 0); // the reshuffle waits for the next draw
    }

    public int batchSize() {
        return batchSize;
    }
}
