package io.fedbiot.method;

/**
 * A client as the in-process federation keeps it between rounds: its id, how many training rows
 * it has and how to open its batch stream. Nothing of it is materialised until {@code open} is
 * called (when it is picked), so many clients cost little more than their row indices.
 *
 * @param rows training rows; a client with none is never picked
 * @param open the client's stream with its first {@code skip} batches already drawn, the same
 *             batches on every call for the same skip
 */
public record ClientData(int id, int rows, Opener open) {
    @FunctionalInterface
    public interface Opener {
        BatchSource open(long skip);
    }

    public ClientData {
        if (rows < 0) throw new IllegalArgumentException("client " + id + " has " + rows + " rows");
    }
}
