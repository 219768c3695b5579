package io.fedbiot.method;

/**
 * The boundary between the server and its clients. Everything that crosses it is in these
 * records, so an implementation over the network (Arrow Flight) is a drop-in.
 */
public interface Transport extends AutoCloseable {
    int clients();

    /** Sends the compressed model to one client (once). */
    void deliver(int client, ClientPackage pkg);

    /** Runs one round on one client and returns its update. */
    ClientUpdate round(int client, RoundPayload payload);

    /** The clients a round may sample from (a networked transport: those connected, after its quorum wait). */
    default int[] available() {
        return java.util.stream.IntStream.range(0, clients()).toArray();
    }

    /**
     * Runs one round on the selected clients (ascending) with one payload each and returns the
     * updates that came back, in the order of {@code selected}; a networked transport leaves out
     * clients that failed, disconnected or missed its deadline.
     */
    default java.util.List<ClientUpdate> roundAll(int[] selected, java.util.List<RoundPayload> payloads) {
        java.util.List<ClientUpdate> out = new java.util.ArrayList<>();
        for (int i = 0; i < selected.length; i++) out.add(round(selected[i], payloads.get(i)));
        return out;
    }

    @Override
    void close();
}
