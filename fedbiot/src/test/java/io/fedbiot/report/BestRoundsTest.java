package io.fedbiot.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The best round is the validation loss's, never a test metric's. */
class BestRoundsTest {
    @TempDir
    Path tmp;

    /** Test loss best at round 1, validation loss best at round 2; exact match best at round 0. */
    private static List<RoundRecord> run(long seed) {
        List<RoundRecord> rs = new ArrayList<>();
        double[] test = {3.0, 1.0, 2.0}, val = {3.5, 2.5, 2.0}, em = {0.75, 0.25, 0.5};
        for (int t = 0; t < 3; t++)
            rs.add(new RoundRecord("FedBiOT", seed, t, 1.0, Double.NaN, Double.NaN,
                    Map.of("AdapFu/client_loss", test[t], BestRounds.KEY, val[t], "AdapFu/gsm8k_em", em[t]), 0, 0, 0, 0, 0, 0, 1, 1, 0));
        rs.add(new RoundRecord("FedBiOT", seed, 3, 1.0, Double.NaN, Double.NaN,
                Map.of("AdapFu/client_loss", 2.5, BestRounds.KEY, 2.25, "AdapFu/gsm8k_em", 0.0), 0, 0, 0, 0, 0, 0, 1, 1, 0));
        return rs;
    }

    @Test
    void theLowestValidationLossWinsAndTheEarlierRoundOnATie() {
        assertEquals(2, BestRounds.best(run(0)).round());
        List<RoundRecord> tie = new ArrayList<>(run(0));
        tie.add(new RoundRecord("FedBiOT", 0, 4, 1, Double.NaN, Double.NaN, Map.of(BestRounds.KEY, 2.0), 0, 0, 0, 0, 0, 0, 1, 1, 0));
        assertEquals(2, BestRounds.best(tie).round(), "a later round with the same validation loss does not win");
        List<RoundRecord> noVal = List.of(new RoundRecord("FedBiOT", 0, 0, 1, Double.NaN, Double.NaN, Map.of("AdapFu/client_loss", 1.0),
                0, 0, 0, 0, 0, 0, 1, 1, 0));
        assertNull(BestRounds.best(noVal));
        assertFalse(BestRounds.better(Map.of(BestRounds.KEY, Double.NaN), Double.POSITIVE_INFINITY), "a NaN validation loss never wins");
    }

    @Test
    void theReportsBestColumnIsTheValidationRoundsValueForEveryMetric() throws IOException {
        String md = Files.readString(MarkdownReport.write(tmp, run(0), Map.of()));
        // Round 2 by validation: test loss 2.0 (not the minimum 1.0), exact match 0.5 (not the maximum 0.75); final round 3.
        assertTrue(md.contains("| FedBiOT | 0 | 2 | 3 |"), md);
        assertTrue(md.contains("| FedBiOT | 2.000 | 2.500 |"), md);
        assertTrue(md.contains("| FedBiOT | 0.5000 | 0 |"), md);
        assertTrue(md.contains("| FedBiOT | 2.000 | 2.250 |"), "the validation loss table itself: " + md);
    }
}
