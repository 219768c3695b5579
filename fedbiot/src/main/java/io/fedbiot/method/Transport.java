package io.fedbiot.method;

import io.fedbiot.secagg.SecureFedAvg;

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

    /**
     * A round through secure aggregation (docs/SECURE_AGGREGATION.md).
     *
     * @param mean      Σ w x / Σ w over the included clients; null when the round failed
     * @param included  the clients in the mean, with their counters (a networked transport never has their adapters: null)
     * @param bytesUp   all client → server bytes of the protocol
     * @param bytesDown all server → client bytes of the round
     * @param failure   why the round failed (below the threshold), else null
     */
    record SecureResult(float[] mean, java.util.List<ClientUpdate> included, long bytesUp, long bytesDown, String failure) {}

    /**
     * Runs one round through secure aggregation with threshold {@code threshold} (0: a majority) and
     * {@code fractionBits} fixed-point bits. Here: the plain round, then {@link SecureFedAvg} in
     * this process (the clients' updates are here anyway); a networked transport masks on each client.
     */
    default SecureResult roundSecure(int[] selected, java.util.List<RoundPayload> payloads, int threshold, int fractionBits) {
        java.util.List<ClientUpdate> back = roundAll(selected, payloads);
        if (back.isEmpty()) return new SecureResult(null, back, 0, 0, "no update came back");
        java.util.List<SecureFedAvg.Input> in = new java.util.ArrayList<>();
        for (ClientUpdate u : back) in.add(new SecureFedAvg.Input(u.client(), u.adapter(), u.samples()));
        SecureFedAvg.Result r = SecureFedAvg.aggregate(payloads.get(0).round(), in, threshold, fractionBits);
        return new SecureResult(r.mean(), back, r.bytesUp(), r.bytesDown(), null);
    }

    @Override
    void close();
}
