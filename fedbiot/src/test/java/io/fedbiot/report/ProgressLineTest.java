package io.fedbiot.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ProgressLineTest {
    @Test
    void countsPercentRateAndEtaEachHaveTheirOwnField() {
        // 3 of 10 rounds in 6 s: 0.5 rounds/s = 30 rounds/min, 7 left at 2 s each = 14 s.
        String s = new ProgressLine("rounds", "rounds", 3, 10, 6.0, "fedbiot seed 0 loss 1.2345").format(200);
        String[] f = s.split(" \\| ");
        assertEquals(4, f.length, s);
        assertEquals("rounds 3/10 30%", f[0]);
        assertEquals("30.00 rounds/min", f[1]);
        assertEquals("ETA 0:14", f[2]);
        assertEquals("fedbiot seed 0 loss 1.2345", f[3], "the status is not glued to the rate");
    }

    @Test
    void rateUnitFollowsItsSize() {
        assertEquals("4.00 steps/s", ProgressLine.rateText(4, "steps"));
        assertEquals("1.50 steps/min", ProgressLine.rateText(1.5 / 60, "steps"));
        assertEquals("36.00 steps/h", ProgressLine.rateText(0.01, "steps"));
        assertEquals("-- steps/s", ProgressLine.rateText(Double.NaN, "steps"));
    }

    @Test
    void nothingDoneYetHasNoRateAndNoEta() {
        ProgressLine l = new ProgressLine("eval", "rows", 0, 8, 3.0, "");
        assertTrue(Double.isNaN(l.rate()));
        assertEquals("eval 0/8 0% | -- rows/s | ETA --:--", l.format(200));
    }

    @Test
    void percentRoundsDownSoOnlyTheEndReads100() {
        assertEquals(99, ProgressLine.percent(999, 1000));
        assertEquals(100, ProgressLine.percent(1000, 1000));
        assertEquals(100, ProgressLine.percent(1200, 1000), "more steps than planned still reads 100");
    }

    @Test
    void durations() {
        assertEquals("0:00", ProgressLine.duration(0.2));
        assertEquals("1:05", ProgressLine.duration(65));
        assertEquals("1:02:05", ProgressLine.duration(3725));
        assertEquals("--:--", ProgressLine.duration(Double.POSITIVE_INFINITY));
    }

    @Test
    void withoutTotalNoPercentNorEta() {
        assertEquals("steps 7 | 7.00 steps/s | ETA --:--", new ProgressLine("steps", "steps", 7, 0, 1.0, null).format(200));
    }

    @Test
    void fittedToEveryWidthTheStatusShortenedFirst() {
        String status = "x".repeat(300);
        ProgressLine l = new ProgressLine("alignment calls", "calls", 12, 40, 30.0, status);
        String head = "alignment calls 12/40 30% | 24.00 calls/min | ETA 1:10";
        for (int w = 10; w <= 400; w++) {
            String s = l.format(w);
            assertTrue(s.length() <= w, w + ": " + s);
            if (w >= head.length() + 3 + 4) {
                assertTrue(s.startsWith(head + " | x"), w + ": " + s);
                if (w < head.length() + 3 + status.length()) assertTrue(s.endsWith("…"), w + ": " + s);
            }
        }
        assertEquals(head + " | " + status, l.format(400));
    }
}
