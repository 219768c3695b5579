package io.fedbiot.method;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Clients in the server's process: same records as over the network, no serialisation. Built
 * from {@link ClientData} ({@link #lazy}), a client exists only while it trains: picked, it gets
 * its batch stream (resumed at the batch it stopped at), the package and its LoRA copies; after
 * its update they are released, so memory stays flat in the number of clients. Built from
 * {@link FedClient}s, every client is held for the whole run.
 */
public final class InProcessTransport implements Transport {
    private final List<FedClient> held;
    private final List<ClientData> lazy;
    private final ClientPackage[] packages;
    private final long[] drawn;
    private final int[] opened;
    private int live, peakLive;
    private long liveBytes, peakLiveBytes, loraBytes = -1;

    public InProcessTransport(List<FedClient> clients) {
        this(List.copyOf(clients), null);
    }

    private InProcessTransport(List<FedClient> held, List<ClientData> lazy) {
        this.held = held;
        this.lazy = lazy;
        int n = held != null ? held.size() : lazy.size();
        packages = new ClientPackage[n];
        drawn = new long[n];
        opened = new int[n];
    }

    /** Client k of the transport is {@code clients.get(k)}; those with no rows are left out of {@link #available}. */
    public static InProcessTransport lazy(List<ClientData> clients) {
        return new InProcessTransport(null, List.copyOf(clients));
    }

    @Override
    public int clients() {
        return packages.length;
    }

    @Override
    public int[] available() {
        if (lazy == null) return Transport.super.available();
        return IntStream.range(0, lazy.size()).filter(k -> lazy.get(k).rows() > 0).toArray();
    }

    @Override
    public void deliver(int client, ClientPackage pkg) {
        if (held != null) {
            held.get(client).receive(pkg);
            liveBytes += held.get(client).bytesHeld();
            live = held.size();
            peakLive = live;
            peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        } else {
            packages[client] = pkg; // one shared package: kept by reference, the client is built when picked
        }
    }

    @Override
    public ClientUpdate round(int client, RoundPayload payload) {
        if (lazy != null && lazy.get(client).rows() == 0) throw new IllegalStateException("client " + lazy.get(client).id() + " has no training rows");
        // Arrays cross the boundary as copies, as they would over a wire.
        RoundPayload copy = new RoundPayload(payload.round(), payload.adapter().clone(),
                payload.emulator() == null ? null : payload.emulator().clone(), payload.settings(), payload.seed());
        if (held != null) return held.get(client).round(copy);
        ClientData c = lazy.get(client);
        if (packages[client] == null) throw new IllegalStateException("client " + c.id() + " has not received the model");
        BatchSource source = c.open().open(drawn[client]);
        long[] count = {0};
        opened[client]++;
        try (FedClient fc = new FedClient(c.id(), () -> {
            count[0]++;
            return source.next();
        })) {
            fc.receive(packages[client]);
            loraBytes = fc.bytesHeld(); // the same for every client of a package
            long bytes = loraBytes + 4L * c.rows(); // its LoRA copies and its batch order
            live++;
            liveBytes += bytes;
            peakLive = Math.max(peakLive, live);
            peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
            try {
                return fc.round(copy);
            } finally {
                live--;
                liveBytes -= bytes;
                drawn[client] += count[0];
            }
        }
    }

    /** Clients materialised now (lazy: those inside a round; held: all). */
    public int liveClients() {
        return live;
    }

    /** The most clients materialised at once so far. */
    public int peakLiveClients() {
        return peakLive;
    }

    /** The most bytes of client state (LoRA copies; lazy: plus 4 per row of batch order) held at once so far. */
    public long peakLiveBytes() {
        return peakLiveBytes;
    }

    /**
     * What holding every client with rows at once would take, counted as {@link #peakLiveBytes}
     * (lazy, once one client was built; else -1): for comparison in the log and in the tests.
     */
    public long allHeldBytes() {
        if (lazy == null) return liveBytes;
        if (loraBytes < 0) return -1;
        return lazy.stream().filter(c -> c.rows() > 0).mapToLong(c -> loraBytes + 4L * c.rows()).sum();
    }

    /** How often each client was materialised (lazy; all 0 when held). */
    public int[] timesOpened() {
        return opened.clone();
    }

    /** Batches each client has drawn so far (lazy). */
    public long[] batchesDrawn() {
        return drawn.clone();
    }

    @Override
    public void close() {
        if (held != null) held.forEach(FedClient::close);
    }

}
