package io.fedbiot.method;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.model.LoraConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** Per-round participation: fraction to count, seeded uniform draws, each client picked with the right frequency, bad values refused. */
class ClientSamplingTest {
    @TempDir
    Path tmp;

    private static FederatedRun.Settings settings(int sample, double participation) {
        return new FederatedRun.Settings(Method.FEDOT, LoraConfig.defaults(), 1, sample, participation,
                new ClientTrainer.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 0f), new Alignment.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 1f, false, true),
                0, 1, 0);
    }

    @Test
    void aFractionBecomesARoundedCountOfAtLeastOne() {
        assertEquals(10, settings(0, 0.1).perRound(100));
        assertEquals(2, settings(0, 0.5).perRound(3));    // 1.5 rounds half up
        assertEquals(1, settings(0, 0.01).perRound(30));  // 0.3: still one client
        assertEquals(7, settings(0, 1.0).perRound(7));
        assertEquals(7, settings(0, 0).perRound(7));      // unset: all
        assertEquals(4, settings(4, 0).perRound(9));
        assertEquals(3, settings(4, 0).perRound(3));
        assertEquals(10, ExperimentConfig.defaults().partition().perRound(10));
    }

    @Test
    void outOfRangeFractionsAreRefused() {
        for (double f : new double[] {-0.1, 1.5, Double.NaN})
            assertThrows(IllegalArgumentException.class, () -> settings(0, f), "participation " + f);
        assertThrows(IllegalArgumentException.class, () -> settings(3, 0.5));
    }

    @Test
    void theConfigNamesTheKeyForABadFraction() throws Exception {
        String yaml = ExperimentConfigTest.MINIMAL;
        for (String v : new String[] {"0", "1.5", "-1"}) {
            String msg = ConfigFiles.failure(tmp, yaml, "partition.participation=" + v).getMessage();
            assertTrue(msg.contains("partition.participation: must be in (0, 1]"), msg);
        }
        String both = ConfigFiles.failure(tmp, yaml, "partition.participation=0.5", "partition.sample=2").getMessage();
        assertTrue(both.contains("not both"), both);
        // secure aggregation checks the clients per round the fraction gives: 0.1 of 10 is one client, too few to mask
        String secure = ConfigFiles.failure(tmp, yaml, "partition.participation=0.1", "partition.clients=10", "secure_aggregation=true").getMessage();
        assertTrue(secure.contains("partition.participation"), secure);
        assertEquals(0.25, ConfigFiles.load(tmp, yaml, "partition.participation=0.25").partition().participation());
    }

    @Test
    void drawsAreSeededDistinctAndAscending() {
        int[] pool = IntStream.range(0, 100).toArray();
        Rng a = new Rng(5), b = new Rng(5);
        for (int r = 0; r < 50; r++) {
            int[] x = FederatedRun.select(pool, 10, a::nextInt), y = FederatedRun.select(pool, 10, b::nextInt);
            assertArrayEquals(x, y);
            assertEquals(10, Arrays.stream(x).distinct().count());
            for (int i = 1; i < x.length; i++) assertTrue(x[i - 1] < x[i]);
        }
        int[] sparse = {3, 8, 20, 21};  // a pool with gaps (clients left out) yields only its members
        int[] s = FederatedRun.select(sparse, 2, new Rng(1)::nextInt);
        for (int k : s) assertTrue(Arrays.stream(sparse).anyMatch(p -> p == k));
    }

    @Test
    void eachClientIsPickedWithTheFractionsFrequency() {
        int K = 100, m = 10, rounds = 4000;
        int[] pool = IntStream.range(0, K).toArray();
        int[] picked = new int[K];
        Rng rng = new Rng(12345);
        for (int r = 0; r < rounds; r++) for (int k : FederatedRun.select(pool, m, rng::nextInt)) picked[k]++;
        // Binomial(rounds, m/K) per client: mean 400, sd 19; 5 sd either side.
        double p = (double) m / K, mean = rounds * p, sd = Math.sqrt(rounds * p * (1 - p));
        for (int k = 0; k < K; k++) assertEquals(mean, picked[k], 5 * sd, "client " + k);
        // and the spread over clients is that of independent binomials, not of a fixed rotation
        double var = Arrays.stream(picked).mapToDouble(c -> (c - mean) * (c - mean)).sum() / (K - 1);
        assertTrue(var > 0.5 * sd * sd && var < 2 * sd * sd, "variance " + var + " vs " + sd * sd);
    }
}
