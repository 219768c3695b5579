package io.fedbiot.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionersTest {
    private static String[] categories; // Dolly's, one per row

    @BeforeAll
    static void readDolly() throws IOException {
        categories = DatasetReader.readAll(SharedFiles.dolly(), DataFormat.DOLLY, new BadRows(BadRowPolicy.FAIL))
                .stream().map(e -> e.field(DataFormat.CATEGORY)).toArray(String[]::new);
    }

    /** Each row of {@code rows} in exactly one client, every client ascending. */
    private static void assertCoversOnce(Partition p, int[] rows) {
        int[] all = Arrays.stream(p.clients()).flatMapToInt(Arrays::stream).sorted().toArray();
        int[] expected = rows.clone();
        Arrays.sort(expected);
        assertArrayEquals(expected, all);
        for (int[] c : p.clients()) for (int i = 1; i < c.length; i++) assertTrue(c[i - 1] < c[i]);
    }

    @Test
    void splitsAreSeededAndDisjoint() {
        Splits.Split s = Splits.split(2000, 0.8, 7);
        assertEquals(1600, s.train().length);
        assertEquals(400, s.heldOut().length);
        assertCoversOnce(new Partition(List.of("t", "h"), new int[][] {s.train(), s.heldOut()}), Partitioners.all(2000));
        assertArrayEquals(s.train(), Splits.split(2000, 0.8, 7).train());
        assertFalse(Arrays.equals(s.train(), Splits.split(2000, 0.8, 8).train()));
    }

    @Test
    void iidHasNearEqualSizes() {
        int[] rows = Splits.split(7473, 1.0, 1).train();
        Partition p = Partitioners.iid(rows, 3, 42);
        assertArrayEquals(new int[] {2491, 2491, 2491}, p.sizes());
        assertArrayEquals(new int[] {4, 4, 3, 3}, Partitioners.iid(Partitioners.all(14), 4, 1).sizes());
        assertCoversOnce(p, rows);
        assertArrayEquals(p.client(1), Partitioners.iid(rows, 3, 42).client(1));
        assertFalse(Arrays.equals(p.client(1), Partitioners.iid(rows, 3, 43).client(1)));
        // a subset (e.g. a train split) partitions only its own rows
        int[] train = Splits.split(100, 0.5, 3).train();
        assertCoversOnce(Partitioners.iid(train, 3, 5), train);
    }

    @Test
    void byFieldGivesOneClientPerDollyCategory() {
        Partition p = Partitioners.byField(categories, Partitioners.all(categories.length));
        assertEquals(List.of("brainstorming", "classification", "closed_qa", "creative_writing", "general_qa",
                "information_extraction", "open_qa", "summarization"), p.labels());
        assertArrayEquals(new int[] {1766, 2136, 1773, 709, 2191, 1506, 3742, 1188}, p.sizes());
        for (int k = 0; k < p.size(); k++) for (int r : p.clients()[k]) assertEquals(p.labels().get(k), categories[r]);
        assertCoversOnce(p, Partitioners.all(categories.length));
    }

    @Test
    void dirichletSkewFollowsAlpha() {
        int[] rows = Partitioners.all(categories.length);
        Partition skewed = Partitioners.dirichlet(categories, rows, 8, 0.05, 11);
        Partition even = Partitioners.dirichlet(categories, rows, 8, 1000, 11);
        assertCoversOnce(skewed, rows);
        assertCoversOnce(even, rows);
        for (int s : skewed.sizes()) assertTrue(s >= 1);
        assertArrayEquals(skewed.client(3), Partitioners.dirichlet(categories, rows, 8, 0.05, 11).client(3));
        assertFalse(Arrays.equals(skewed.client(3), Partitioners.dirichlet(categories, rows, 8, 0.05, 12).client(3)));

        // large alpha: every client holds about 1/8 of every category; small alpha: most categories sit on one client
        double evenWorst = 0, skewedMeanTop = 0;
        List<String> labels = Partitioners.byField(categories, rows).labels();
        for (String c : labels) {
            long total = Arrays.stream(categories).filter(c::equals).count();
            double top = 0;
            for (int k = 0; k < 8; k++) {
                evenWorst = Math.max(evenWorst, Math.abs(share(even.clients()[k], c) / (double) total - 1.0 / 8));
                top = Math.max(top, share(skewed.clients()[k], c) / (double) total);
            }
            skewedMeanTop += top / labels.size();
        }
        assertTrue(evenWorst < 0.03, "alpha 1000 should be near-uniform, worst deviation " + evenWorst);
        assertTrue(skewedMeanTop > 0.7, "alpha 0.05 should be skewed, mean top share " + skewedMeanTop);
    }

    @Test
    void dirichletGivesEveryClientARowWhenItCan() {
        String[] one = new String[20];
        Arrays.fill(one, "x");
        Partition p = Partitioners.dirichlet(one, Partitioners.all(20), 10, 0.01, 3);
        for (int s : p.sizes()) assertTrue(s >= 1, Arrays.toString(p.sizes()));
        assertCoversOnce(p, Partitioners.all(20));
    }

    private static long share(int[] client, String category) {
        return Arrays.stream(client).filter(r -> category.equals(categories[r])).count();
    }
}
