package io.fedbiot.data;

import io.fedbiot.engine.Rng;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Splits rows among federated clients (ALGORITHM.md §8). Each takes the rows to split (e.g. a
 * training split) and returns, per client, an ascending subset; the subsets are disjoint and cover
 * the input. Seeded ones are deterministic for the seed.
 */
public final class Partitioners {
    private Partitioners() {}

    /** A seeded shuffle cut into k parts whose sizes differ by at most one (the first n mod k get the extra row). */
    public static Partition iid(int[] rows, int k, long seed) {
        if (k < 1) throw new IllegalArgumentException("need at least one client, got " + k);
        int[] perm = rows.clone();
        Shuffle.shuffle(perm, new Rng(seed));
        int[][] parts = new int[k][];
        int base = perm.length / k, extra = perm.length % k, from = 0;
        for (int c = 0; c < k; c++) {
            int size = base + (c < extra ? 1 : 0);
            parts[c] = sorted(Arrays.copyOfRange(perm, from, from + size));
            from += size;
        }
        return new Partition(numbered(k), parts);
    }

    /**
     * One client per distinct value of the field column {@code values} (indexed by row), clients in
     * sorted value order so client k is the same on every run. A row with no value is an error.
     */
    public static Partition byField(String[] values, int[] rows) {
        Map<String, List<Integer>> groups = groups(values, rows);
        int[][] parts = new int[groups.size()][];
        int c = 0;
        for (List<Integer> g : groups.values()) parts[c++] = sorted(g.stream().mapToInt(Integer::intValue).toArray());
        return new Partition(new ArrayList<>(groups.keySet()), parts);
    }

    /**
     * Label skew: for each class (value of {@code values}), the client shares are drawn from
     * Dirichlet(α) (normalised Gamma(α) draws) and the class's shuffled rows are cut by them. Small α
     * gives each client few classes; large α approaches an even spread. Afterwards every client with
     * no rows takes one from the largest client, so no client is empty when there are ≥ k rows.
     */
    public static Partition dirichlet(String[] values, int[] rows, int k, double alpha, long seed) {
        if (k < 1) throw new IllegalArgumentException("need at least one client, got " + k);
        if (!(alpha > 0 && Double.isFinite(alpha))) throw new IllegalArgumentException("alpha must be positive, got " + alpha);
        Rng rng = new Rng(seed);
        List<List<Integer>> clients = new ArrayList<>();
        for (int c = 0; c < k; c++) clients.add(new ArrayList<>());
        for (List<Integer> group : groups(values, rows).values()) {
            int[] members = group.stream().mapToInt(Integer::intValue).toArray();
            Shuffle.shuffle(members, rng);
            double[] share = Gamma.dirichlet(alpha, k, rng);
            int from = 0;
            double cumulative = 0;
            for (int c = 0; c < k; c++) {
                cumulative += share[c];
                int to = c == k - 1 ? members.length : (int) Math.min(members.length, Math.round(cumulative * members.length));
                for (int i = from; i < to; i++) clients.get(c).add(members[i]);
                from = Math.max(from, to);
            }
        }
        for (int c = 0; c < k; c++) {
            if (!clients.get(c).isEmpty()) continue;
            int largest = 0;
            for (int d = 1; d < k; d++) if (clients.get(d).size() > clients.get(largest).size()) largest = d;
            if (clients.get(largest).size() < 2) break; // fewer rows than clients
            List<Integer> from = clients.get(largest);
            clients.get(c).add(from.remove(from.size() - 1));
        }
        int[][] parts = new int[k][];
        for (int c = 0; c < k; c++) parts[c] = sorted(clients.get(c).stream().mapToInt(Integer::intValue).toArray());
        return new Partition(numbered(k), parts);
    }

    /** 0..n-1, for partitioning every row. */
    public static int[] all(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    private static Map<String, List<Integer>> groups(String[] values, int[] rows) {
        Map<String, List<Integer>> groups = new TreeMap<>();
        for (int r : rows) {
            String v = values[r];
            if (v == null) throw new IllegalArgumentException("row " + r + " has no value for the partition field");
            groups.computeIfAbsent(v, x -> new ArrayList<>()).add(r);
        }
        return groups;
    }

    private static int[] sorted(int[] a) {
        Arrays.sort(a);
        return a;
    }

    private static List<String> numbered(int k) {
        List<String> labels = new ArrayList<>(k);
        for (int c = 0; c < k; c++) labels.add(Integer.toString(c));
        return labels;
    }
}
