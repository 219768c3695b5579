package io.fedbiot.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BatchTest {
    static final int MAX_LEN = 8;

    /** Rows of lengths 1, 3, 8 (= maxLen) and 5 with known ids and masks. */
    static TokenizedDataset small() {
        TokenizedDataset.Builder b = TokenizedDataset.builder("mem");
        b.add(new TokenizedRow(new int[] {1}, new byte[] {0}), 1, Map.of());
        b.add(new TokenizedRow(new int[] {1, 7, 2}, new byte[] {0, 1, 1}), 2, Map.of());
        b.add(new TokenizedRow(new int[] {1, 10, 11, 12, 13, 14, 15, 2}, new byte[] {0, 0, 0, 0, 1, 1, 1, 1}), 3, Map.of());
        b.add(new TokenizedRow(new int[] {1, 20, 21, 22, 2}, new byte[] {0, 0, 1, 1, 1}), 4, Map.of());
        return b.build(Map.of());
    }

    @Test
    void rightPaddedShiftedAndMasked() {
        TokenizedDataset d = small();
        Batch b = Batch.of(d, new int[] {1, 2, 3});
        assertEquals(3, b.batch());
        assertEquals(MAX_LEN - 1, b.seqLen()); // longest row (8 ids) gives 7 predictions
        int t = b.seqLen();
        assertArrayEquals(new int[] {1, 7, 0, 0, 0, 0, 0}, Arrays.copyOfRange(b.inputs(), 0, t));
        assertArrayEquals(new int[] {7, 2, 0, 0, 0, 0, 0}, Arrays.copyOfRange(b.targets(), 0, t));
        assertArrayEquals(new float[] {1, 1, 0, 0, 0, 0, 0}, Arrays.copyOfRange(b.mask(), 0, t));
        assertArrayEquals(new int[] {1, 10, 11, 12, 13, 14, 15}, Arrays.copyOfRange(b.inputs(), t, 2 * t));
        assertArrayEquals(new int[] {10, 11, 12, 13, 14, 15, 2}, Arrays.copyOfRange(b.targets(), t, 2 * t));
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1, 1}, Arrays.copyOfRange(b.mask(), t, 2 * t));
        assertArrayEquals(new int[] {1, 20, 21, 22, 0, 0, 0}, Arrays.copyOfRange(b.inputs(), 2 * t, 3 * t));
        assertArrayEquals(new float[] {0, 1, 1, 1, 0, 0, 0}, Arrays.copyOfRange(b.mask(), 2 * t, 3 * t));
        assertEquals(2 + 4 + 3, b.maskedTargets());
        assertArrayEquals(new int[] {1, 2, 3}, b.rows());
    }

    @Test
    void aRowOfLengthOneHasNoTargets() {
        TokenizedDataset d = small();
        Batch alone = Batch.of(d, new int[] {0});
        assertEquals(1, alone.seqLen()); // never an empty tensor
        assertArrayEquals(new int[] {Batch.PAD}, alone.inputs());
        assertArrayEquals(new float[] {0}, alone.mask());
        Batch mixed = Batch.of(d, new int[] {0, 1});
        assertEquals(2, mixed.seqLen());
        assertArrayEquals(new int[] {0, 0, 1, 7}, mixed.inputs());
        assertArrayEquals(new int[] {0, 0, 7, 2}, mixed.targets());
        assertArrayEquals(new float[] {0, 0, 1, 1}, mixed.mask());
    }

    @Test
    void batcherIsSeededAndCountsSamples() {
        TokenizedDataset d = small();
        int[] rows = {0, 1, 2, 3};
        Batcher a = new Batcher(d, rows, 3, 42), b = new Batcher(d, rows, 3, 42), c = new Batcher(d, rows, 3, 43);
        Map<Integer, Integer> seen = new HashMap<>();
        StringBuilder sa = new StringBuilder(), sc = new StringBuilder();
        for (int i = 0; i < 4; i++) { // 12 samples = 3 epochs of 4 rows
            Batch x = a.next(), y = b.next();
            assertArrayEquals(x.rows(), y.rows());
            assertArrayEquals(x.inputs(), y.inputs());
            for (int r : x.rows()) seen.merge(r, 1, Integer::sum);
            sa.append(Arrays.toString(x.rows()));
            sc.append(Arrays.toString(c.next().rows()));
        }
        assertEquals(Map.of(0, 3, 1, 3, 2, 3, 3, 3), seen); // every row once per epoch
        assertEquals(12, a.samplesProcessed());
        assertEquals(3, a.epoch());
        assertNotEquals(sa.toString(), sc.toString());
        assertThrows(IllegalArgumentException.class, () -> new Batcher(d, new int[0], 2, 1));
    }
}
