package io.fedbiot.data;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Batcher.skip(n) puts a fresh stream where n calls of next() would: a client rebuilt each round resumes its batches. */
class BatcherSkipTest {
    private static TokenizedDataset rows(int n) {
        TokenizedDataset.Builder b = TokenizedDataset.builder("mem");
        for (int i = 0; i < n; i++) {
            int len = 3 + i % 4;
            int[] ids = new int[len];
            byte[] mask = new byte[len];
            for (int j = 0; j < len; j++) {
                ids[j] = 10 + i;
                mask[j] = (byte) (j % 2);
            }
            b.add(new TokenizedRow(ids, mask), i + 1, Map.of());
        }
        return b.build(Map.of());
    }

    @Test
    void skippingMatchesDrawingAcrossEpochs() {
        TokenizedDataset d = rows(7);
        int[] part = {0, 2, 3, 5, 6};
        for (long n : new long[] {0, 1, 2, 3, 7, 12}) { // batch 2 over 5 rows: epochs end mid-batch
            Batcher drawn = new Batcher(d, part, 2, 99), skipped = new Batcher(d, part, 2, 99);
            for (long i = 0; i < n; i++) drawn.next();
            skipped.skip(n);
            assertEquals(drawn.samplesProcessed(), skipped.samplesProcessed());
            assertEquals(drawn.epoch(), skipped.epoch(), "after " + n);
            for (int i = 0; i < 6; i++) assertArrayEquals(drawn.next().rows(), skipped.next().rows(), "batch " + i + " after " + n);
        }
    }

    @Test
    void aNegativeSkipIsRefused() {
        Batcher b = new Batcher(rows(3), new int[] {0, 1}, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> b.skip(-1));
    }
}
