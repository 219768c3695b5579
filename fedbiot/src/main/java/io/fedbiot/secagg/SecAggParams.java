package io.fedbiot.secagg;

import java.util.Arrays;

/**
 * One secure-aggregation round as both sides agree on it beforehand: the round number, the
 * selected client ids (ascending, distinct, ≥ 0), the Shamir threshold t (2 ≤ t ≤ n; the round
 * tolerates n − t dropouts) and the fixed-point fraction bits.
 */
public record SecAggParams(int round, int[] clients, int threshold, int fractionBits) {
    public SecAggParams {
        clients = clients.clone();
        if (clients.length < 2) throw new IllegalArgumentException("secure aggregation needs at least 2 clients in a round, got " + clients.length);
        for (int i = 0; i < clients.length; i++) {
            if (clients[i] < 0) throw new IllegalArgumentException("client ids must be >= 0, got " + clients[i]);
            if (i > 0 && clients[i] <= clients[i - 1]) throw new IllegalArgumentException("client ids must be ascending and distinct: " + Arrays.toString(clients));
        }
        if (threshold < 2 || threshold > clients.length)
            throw new IllegalArgumentException("threshold must be in [2, " + clients.length + "] for " + clients.length + " clients, got " + threshold);
        String p = FixedPoint.problem(fractionBits, clients.length);
        if (p != null) throw new IllegalArgumentException(p);
    }

    /** A configured threshold, 0 meaning the default: a majority, ⌊n/2⌋ + 1 (and at least 2). */
    public static int threshold(int configured, int clients) {
        return configured > 0 ? configured : Math.max(2, clients / 2 + 1);
    }

    public FixedPoint fixedPoint() {
        return new FixedPoint(fractionBits, clients.length);
    }

    public boolean selected(int id) {
        return Arrays.binarySearch(clients, id) >= 0;
    }

    /** Shamir x of a client: its id + 1 (x = 0 is the secret). */
    static int x(int id) {
        return id + 1;
    }
}
