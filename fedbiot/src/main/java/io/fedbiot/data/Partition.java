package io.fedbiot.data;

import java.util.List;

/**
 * Row indices per client: client k holds {@code clients[k]} (ascending). {@code labels} names the
 * clients (the field value for by-field partitions, "0".."K-1" otherwise).
 */
public record Partition(List<String> labels, int[][] clients) {
    public Partition {
        labels = List.copyOf(labels);
        if (labels.size() != clients.length) throw new IllegalArgumentException(labels.size() + " labels for " + clients.length + " clients");
    }

    public int size() {
        return clients.length;
    }

    public int[] client(int k) {
        return clients[k].clone();
    }

    public int[] sizes() {
        int[] s = new int[clients.length];
        for (int k = 0; k < s.length; k++) s[k] = clients[k].length;
        return s;
    }
}
