package io.fedbiot.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How the training rows fell to the clients: K, those left out for having no rows (by id), the
 * min / median / max rows of the others, and the clients drawn per round.
 */
public record ClientSizes(int clients, List<Integer> empty, int min, double median, int max, int perRound) {
    public ClientSizes {
        empty = List.copyOf(empty);
    }

    /** From the rows per client (index = client id). */
    public static ClientSizes of(int[] rowsPerClient, int perRound) {
        List<Integer> empty = new ArrayList<>();
        for (int k = 0; k < rowsPerClient.length; k++) if (rowsPerClient[k] == 0) empty.add(k);
        int[] s = Arrays.stream(rowsPerClient).filter(r -> r > 0).sorted().toArray();
        if (s.length == 0) return new ClientSizes(rowsPerClient.length, empty, 0, 0, 0, 0);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
        return new ClientSizes(rowsPerClient.length, empty, s[0], median, s[n - 1], perRound);
    }

    /** Clients with at least one row. */
    public static int withRows(int[] rowsPerClient) {
        return (int) Arrays.stream(rowsPerClient).filter(r -> r > 0).count();
    }

    public int withRows() {
        return clients - empty.size();
    }

    /** One line for the log and the report. */
    public String line() {
        String m = median == Math.rint(median) ? Long.toString((long) median) : Double.toString(median);
        String s = clients + " clients, training rows per client min " + min + " / median " + m + " / max " + max
                + ", " + perRound + " drawn per round";
        if (!empty.isEmpty())
            s += "; " + empty.size() + " left out with no training rows (" + (empty.size() <= 20 ? "clients " + empty : "first " + empty.subList(0, 20)) + ")";
        return s;
    }
}
