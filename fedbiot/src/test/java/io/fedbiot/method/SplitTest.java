package io.fedbiot.method;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** The split indices against ALGORITHM.md's examples for L = 32. */
class SplitTest {
    @Test
    void fedbiotKeepsTheSpecLayers() {
        Split s02 = Split.of(Method.FEDBIOT, 32, 2, 0.2);
        assertArrayEquals(new int[]{0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23, 25, 26, 27, 29}, s02.kept());
        assertArrayEquals(new int[]{30, 31}, s02.adapter());
        Split s05 = Split.of(Method.FEDBIOT, 32, 2, 0.5);
        int[] even = IntStream.concat(IntStream.rangeClosed(0, 13).map(i -> 2 * i), IntStream.of(29)).toArray();
        assertArrayEquals(even, s05.kept(), "0,2,4,...,26,29");
        assertArrayEquals(new int[]{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 29}, s05.kept());
    }

    @Test
    void fedotKeepsTheSpecLayersWithTwoPlusTwoAdapter() {
        Split s = Split.of(Method.FEDOT, 32, 2, 0.2);
        assertArrayEquals(new int[]{2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 20, 21, 22, 23, 25, 26, 27, 29}, s.kept());
        assertArrayEquals(new int[]{0, 1, 30, 31}, s.adapter());
        int[] c = s.compressed();
        assertArrayEquals(new int[]{0, 1}, java.util.Arrays.copyOf(c, 2));
        assertArrayEquals(new int[]{30, 31}, java.util.Arrays.copyOfRange(c, c.length - 2, c.length));
        assertEquals(2, s.emulatorStart());
        assertEquals(2 + 22, s.emulatorEnd());
    }

    @Test
    void roundsHalfToEvenAndKeepsTheEnds() {
        // n = 5, β = 0.5: 2.5 rounds to 2 (half to even), so the first and the last layer.
        assertArrayEquals(new int[]{0, 4}, Split.keptLayers(0, 5, 0.5));
        // n = 7, β = 0.5: 3.5 rounds to 4; stride 2.0.
        assertArrayEquals(new int[]{0, 2, 4, 6}, Split.keptLayers(0, 7, 0.5));
        assertArrayEquals(new int[]{3}, Split.keptLayers(3, 4, 0.9), "k is at least 1");
        assertArrayEquals(new int[]{0, 1, 2}, Split.keptLayers(0, 3, 0.0));
    }

    @Test
    void droppedLayersAndSegmentsCoverTheWindow() {
        Split s = Split.of(Method.FEDBIOT, 32, 2, 0.2);
        assertArrayEquals(new int[]{4, 9, 14, 19, 24, 28}, s.dropped());
        int covered = 0;
        for (int i = 0; i < s.kept().length; i++) {
            int[] seg = s.segment(i);
            assertEquals(s.kept()[i], seg[0]);
            covered += seg[1] - seg[0];
        }
        assertEquals(30, covered);
        assertArrayEquals(new int[]{29, 30}, s.segment(s.kept().length - 1));
    }

    @Test
    void fedloraHasNoEmulatorAndBadArgumentsAreRefused() {
        Split f = Split.of(Method.FEDLORA, 6, 2, 0.2);
        assertFalse(f.hasEmulator());
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5}, f.compressed());
        assertThrows(IllegalArgumentException.class, () -> Split.of(Method.FEDBIOT, 4, 4, 0.2));
        assertThrows(IllegalArgumentException.class, () -> Split.of(Method.FEDOT, 4, 2, 0.2));
        assertThrows(IllegalArgumentException.class, () -> Split.of(Method.FEDBIOT, 8, 2, 1.0));
        assertEquals(Method.OFFSITE_TUNING, Method.parse("offsite-tuning"));
    }
}
