package io.fedbiot.engine.model;

import io.fedbiot.engine.StepScope;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy generation for many prompts at once, with the token-for-token results of
 * {@link Generator#generate} at temperature 0 for each. Up to {@code batch} rows are active:
 * each is prefilled alone (its prompt in one forward), then all active rows decode together,
 * one token each per step through {@link LlamaModel#forwardCached(int[], int[], KvCache[])}, so
 * every projection is one GEMM over the rows. A row that stops (the stop id, or its step limit)
 * leaves the batch and frees its cache; the next waiting row takes its place.
 */
public final class BatchGenerator {
    private BatchGenerator() {}

    /** One row in flight: its own cache (sized for its prompt and steps), output so far, next token. */
    private static final class Row {
        final int index, limit;
        final int[] out;
        final Arena arena = Arena.ofShared();
        KvCache cache;
        int n, next, pos;

        Row(int index, int limit, int[] out) {
            this.index = index;
            this.limit = limit;
            this.out = out;
        }
    }

    /**
     * For each prompt r, what {@code Generator.generate(model, prompts[r], steps[r], greedy, stop,
     * null)} returns: every token, the prompt's included.
     */
    public static int[][] generate(LlamaModel model, int[][] prompts, int[] steps, int stop, int batch) {
        if (prompts.length != steps.length)
            throw new IllegalArgumentException(prompts.length + " prompts need as many step limits, got " + steps.length);
        if (batch < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        for (int r = 0; r < prompts.length; r++)
            if (prompts[r].length == 0) throw new IllegalArgumentException("prompt " + r + " needs at least one token (BOS)");
        int[][] results = new int[prompts.length][];
        List<Row> active = new ArrayList<>(batch);
        int waiting = 0;
        try {
            while (waiting < prompts.length || !active.isEmpty()) {
                while (active.size() < batch && waiting < prompts.length) {
                    Row row = start(model, prompts[waiting], steps[waiting], stop, waiting);
                    waiting++;
                    if (row.cache == null) finish(row, results);
                    else active.add(row);
                }
                if (!active.isEmpty()) step(model, active, stop, results);
            }
        } finally {
            for (Row row : active) row.arena.close();
        }
        return results;
    }

    // The forced prompt tokens, then the prefill and the first chosen token; cache stays null when the row is already done.
    private static Row start(LlamaModel model, int[] prompt, int steps, int stop, int index) {
        int limit = Math.min(steps, model.config().maxSeqLen());
        Row row = new Row(index, limit, new int[Math.max(limit + 1, prompt.length)]);
        row.n = Generator.forced(prompt, limit, stop, row.out, null);
        if (row.n < prompt.length || limit < prompt.length) return row;
        try {
            KvCache cache = model.newCache(limit, row.arena);
            int next;
            try (var s = StepScope.open()) {
                next = Sampler.argmax(model.forwardCached(prompt, 0, cache).toFloatArray());
            }
            if (next == stop) return row;
            row.out[row.n++] = next;
            if (prompt.length >= limit) return row;
            row.cache = cache;
            row.next = next;
            row.pos = prompt.length;
            return row;
        } catch (RuntimeException | Error e) {
            row.arena.close();
            throw e;
        }
    }

    // One decode step for every active row; rows that stop leave the list.
    private static void step(LlamaModel model, List<Row> active, int stop, int[][] results) {
        int B = active.size();
        int[] tokens = new int[B], pos = new int[B];
        KvCache[] caches = new KvCache[B];
        for (int b = 0; b < B; b++) {
            Row row = active.get(b);
            tokens[b] = row.next;
            pos[b] = row.pos;
            caches[b] = row.cache;
        }
        float[] logits;
        try (var s = StepScope.open()) {
            logits = model.forwardCached(tokens, pos, caches).toFloatArray();
        }
        int V = model.config().vocabSize();
        List<Row> done = new ArrayList<>();
        for (int b = 0; b < B; b++) {
            Row row = active.get(b);
            int next = Sampler.argmax(Arrays.copyOfRange(logits, b * V, (b + 1) * V));
            row.pos++;
            boolean stops = next == stop;
            if (!stops) {
                row.out[row.n++] = next;
                row.next = next;
            }
            if (stops || row.pos >= row.limit) done.add(row);
        }
        for (Row row : done) {
            active.remove(row);
            finish(row, results);
        }
    }

    private static void finish(Row row, int[][] results) {
        row.arena.close();
        results[row.index] = Arrays.copyOf(row.out, row.n);
    }
}
