package io.fedbiot.secagg;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The protocol's result against a float64 weighted mean, with and without dropouts. */
class SecureFedAvgTest {
    static List<SecureFedAvg.Input> inputs(int n, int length, long seed) {
        Random r = new Random(seed);
        List<SecureFedAvg.Input> in = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            float[] v = new float[length];
            for (int j = 0; j < length; j++) v[j] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(5) - 3));
            in.add(new SecureFedAvg.Input(2 * k + 1, v, 1 + r.nextInt(500))); // sparse ids: not 0..n-1
        }
        return in;
    }

    /** Σ w x / Σ w in float64 over the clients listed. */
    static double[] reference(List<SecureFedAvg.Input> in, Set<Integer> clients) {
        double[] s = new double[in.getFirst().values().length];
        double w = 0;
        for (SecureFedAvg.Input x : in) {
            if (!clients.contains(x.client())) continue;
            w += x.weight();
            for (int j = 0; j < s.length; j++) s[j] += (double) x.weight() * x.values()[j];
        }
        for (int j = 0; j < s.length; j++) s[j] /= w;
        return s;
    }

    static void assertMean(double[] ref, float[] got, int fractionBits) {
        assertEquals(ref.length, got.length);
        for (int j = 0; j < ref.length; j++) {
            double tol = Math.scalb(0.5, -fractionBits) + Math.ulp((float) ref[j]); // fixed point, then the float32 result
            assertEquals(ref[j], got[j], tol, "element " + j);
        }
    }

    static SecureFedAvg.Result run(List<SecureFedAvg.Input> in, int t, int bits, SecureFedAvg.Dropouts d) {
        return SecureFedAvg.aggregate(3, in, t, bits, d, id -> ByteStats.seeded(1000 + id));
    }

    static Set<Integer> ids(List<SecureFedAvg.Input> in) {
        return Set.copyOf(in.stream().map(SecureFedAvg.Input::client).toList());
    }

    @Test
    void theAggregateIsTheWeightedMeanWithinThePrecision() {
        for (int[] c : new int[][]{{2, 2, 24}, {3, 2, 16}, {5, 3, 24}, {8, 0, 30}, {8, 8, 12}}) {
            int n = c[0], t = c[1], bits = c[2];
            List<SecureFedAvg.Input> in = inputs(n, 257, n * 31L + t);
            SecureFedAvg.Result r = run(in, t, bits, SecureFedAvg.Dropouts.NONE);
            assertMean(reference(in, ids(in)), r.mean(), bits);
            assertEquals(in.stream().mapToLong(SecureFedAvg.Input::weight).sum(), r.totalWeight());
            assertEquals(n, r.survivors().length);
            assertTrue(r.rejections().isEmpty());
        }
    }

    @Test
    void clientsDroppingAfterUploadStillGiveTheSumOfAllUploads() {
        int n = 6, t = 4;
        List<SecureFedAvg.Input> in = inputs(n, 100, 7);
        for (Set<Integer> gone : List.of(Set.of(3), Set.of(1, 11))) { // one, and n − t
            SecureFedAvg.Result r = run(in, t, 24, new SecureFedAvg.Dropouts(Set.of(), gone));
            assertMean(reference(in, ids(in)), r.mean(), 24); // their inputs arrived: they are in the sum
            assertEquals(n, r.survivors().length);
        }
    }

    @Test
    void clientsDroppingBeforeUploadAreLeftOutAndTheirMasksRemoved() {
        int n = 6, t = 3;
        List<SecureFedAvg.Input> in = inputs(n, 100, 8);
        for (Set<Integer> gone : List.of(Set.of(5), Set.of(1, 7, 11))) {
            SecureFedAvg.Result r = run(in, t, 24, new SecureFedAvg.Dropouts(gone, Set.of()));
            Set<Integer> left = new java.util.HashSet<>(ids(in));
            left.removeAll(gone);
            assertMean(reference(in, left), r.mean(), 24);
            assertArrayEquals(left.stream().mapToInt(Integer::intValue).sorted().toArray(), r.survivors());
        }
        // Both at once: one before, one after upload.
        SecureFedAvg.Result r = run(in, t, 24, new SecureFedAvg.Dropouts(Set.of(3), Set.of(9)));
        assertMean(reference(in, Set.of(1, 5, 7, 9, 11)), r.mean(), 24);
    }

    @Test
    void theServerRefusesToUnmaskWithFewerThanTSurvivors() {
        List<SecureFedAvg.Input> in = inputs(5, 10, 9);
        var afterUpload = assertThrows(SecAggException.class, () -> run(in, 4, 24, new SecureFedAvg.Dropouts(Set.of(), Set.of(1, 3))));
        assertTrue(afterUpload.getMessage().contains("only 3 survivors sent unmasking shares") && afterUpload.getMessage().contains("threshold 4"),
                afterUpload.getMessage());
        var beforeUpload = assertThrows(SecAggException.class, () -> run(in, 4, 24, new SecureFedAvg.Dropouts(Set.of(5, 7), Set.of())));
        assertTrue(beforeUpload.getMessage().contains("only 3 masked inputs arrived"), beforeUpload.getMessage());
    }

    @Test
    void aMaskedUploadIsUniformWhateverTheUpdate() {
        // Two clients, same randomness, two very different updates: the server's view of client 0 is uniform bytes both times.
        int length = 4096;
        float[] zeros = new float[length], big = new float[length];
        Arrays.fill(big, 1000f);
        long[][] seen = new long[2][];
        float[][] updates = {zeros, big};
        for (int i = 0; i < 2; i++) {
            SecAggParams p = new SecAggParams(0, new int[]{0, 1}, 2, 24);
            SecAggServer server = new SecAggServer(p, length + 1);
            SecAggClient a = new SecAggClient(0, p, ByteStats.seeded(11 + i)), b = new SecAggClient(1, p, ByteStats.seeded(99));
            server.receive(a.advertise());
            server.receive(b.advertise());
            var book = server.keyBook();
            server.receive(a.shareKeys(book));
            server.receive(b.shareKeys(book));
            var y = a.maskedInput(server.relay(0), updates[i], 50);
            seen[i] = y.masked();
        }
        long[] h0 = ByteStats.histogram(seen[0]), h1 = ByteStats.histogram(seen[1]);
        assertTrue(ByteStats.chi2Uniform(h0) < ByteStats.CHI2_255_999, "zeros masked: chi2 " + ByteStats.chi2Uniform(h0));
        assertTrue(ByteStats.chi2Uniform(h1) < ByteStats.CHI2_255_999, "1000s masked: chi2 " + ByteStats.chi2Uniform(h1));
        assertTrue(ByteStats.chi2TwoSample(h0, h1) < ByteStats.CHI2_255_999, "indistinguishable: " + ByteStats.chi2TwoSample(h0, h1));
        // The same check sees the unmasked encodings as far from uniform: the test can fail.
        FixedPoint fp = new FixedPoint(24, 2);
        assertTrue(ByteStats.chi2Uniform(ByteStats.histogram(fp.encodeWeighted(big, 50))) > 10 * ByteStats.CHI2_255_999);
    }
}
