package io.fedbiot.secagg;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Weighted FedAvg through the full protocol with every client in this process: each client masks
 * weight · update and its weight in one vector, the server learns only the sum and divides. Clients
 * can be made to drop out after sharing keys or after uploading, so the dropout paths run too.
 * In-process the updates are in one JVM anyway: this checks the protocol and measures its cost;
 * the privacy needs each client's masking on its own machine (the Flight runtime, later).
 */
public final class SecureFedAvg {
    /** One client's update and its weight (the samples it trained on). */
    public record Input(int client, float[] values, long weight) {}

    /** Clients that vanish after sending ShareKeys, and after sending their masked input. */
    public record Dropouts(Set<Integer> afterShareKeys, Set<Integer> afterUpload) {
        public static final Dropouts NONE = new Dropouts(Set.of(), Set.of());

        public Dropouts {
            afterShareKeys = Set.copyOf(afterShareKeys);
            afterUpload = Set.copyOf(afterUpload);
        }
    }

    /**
     * @param mean        Σ w x / Σ w over the survivors
     * @param survivors   the clients whose inputs are in the mean (ascending)
     * @param bytesUp     all client → server payload bytes of the round
     * @param bytesDown   all server → client payload bytes of the round
     * @param seconds     the whole round, every client's work included (one thread)
     * @param serverSeconds the server's share of it (checks, relaying, unmasking)
     */
    public record Result(float[] mean, long totalWeight, int[] survivors, List<SecAggRejected> rejections,
                         long bytesUp, long bytesDown, double seconds, double serverSeconds) {}

    private SecureFedAvg() {}

    /** One round with fresh OS randomness per client. */
    public static Result aggregate(int round, List<Input> inputs, int threshold, int fractionBits) {
        return aggregate(round, inputs, threshold, fractionBits, Dropouts.NONE, id -> new SecureRandom());
    }

    /**
     * @param threshold    t; 0: the default majority ({@link SecAggParams#threshold})
     * @param randomness   each client's random source, by id (tests pass seeded ones)
     */
    public static Result aggregate(int round, List<Input> inputs, int threshold, int fractionBits, Dropouts drop,
                                   IntFunction<SecureRandom> randomness) {
        long t0 = System.nanoTime();
        int[] ids = inputs.stream().mapToInt(Input::client).sorted().toArray();
        SecAggParams p = new SecAggParams(round, ids, SecAggParams.threshold(threshold, ids.length), fractionBits);
        int length = inputs.getFirst().values().length + 1;
        for (Input in : inputs)
            if (in.values().length + 1 != length)
                throw new IllegalArgumentException("client " + in.client() + " sent " + in.values().length + " values, expected " + (length - 1));
        SecAggServer server = new SecAggServer(p, length);
        Map<Integer, SecAggClient> clients = new HashMap<>();
        Map<Integer, Input> byId = new HashMap<>();
        for (Input in : inputs) {
            clients.put(in.client(), new SecAggClient(in.client(), p, randomness.apply(in.client())));
            byId.put(in.client(), in);
        }
        long up = 0, down = 0;
        long[] clock = {0}; // nanoseconds in the server
        List<Integer> alive = new ArrayList<>();
        for (int id : ids) {
            ClientMessage m = clients.get(id).advertise();
            up += m.bytes();
            if (accepted(server, m, clock)) alive.add(id);
        }
        long s0 = System.nanoTime();
        ServerMessage.KeyBook book = server.keyBook();
        clock[0] += System.nanoTime() - s0;
        List<Integer> next = new ArrayList<>();
        for (int id : alive) {
            down += book.bytes();
            ClientMessage m = clients.get(id).shareKeys(book);
            up += m.bytes();
            if (accepted(server, m, clock)) next.add(id);
        }
        alive = next;
        next = new ArrayList<>();
        for (int id : alive) {
            if (drop.afterShareKeys().contains(id)) continue;
            s0 = System.nanoTime();
            ServerMessage.Relayed r = server.relay(id);
            clock[0] += System.nanoTime() - s0;
            down += r.bytes();
            Input in = byId.get(id);
            ClientMessage m = clients.get(id).maskedInput(r, in.values(), in.weight());
            up += m.bytes();
            if (accepted(server, m, clock)) next.add(id);
        }
        alive = next;
        s0 = System.nanoTime();
        ServerMessage.UnmaskRequest req = server.unmaskRequest();
        clock[0] += System.nanoTime() - s0;
        for (int id : alive) {
            if (drop.afterUpload().contains(id)) continue;
            down += req.bytes();
            ClientMessage m = clients.get(id).unmask(req);
            up += m.bytes();
            accepted(server, m, clock);
        }
        s0 = System.nanoTime();
        long[] sum = server.result();
        clock[0] += System.nanoTime() - s0;
        FixedPoint fp = p.fixedPoint();
        return new Result(fp.decodeMean(sum), fp.totalWeight(sum), server.survivors(), server.rejections(), up, down,
                (System.nanoTime() - t0) / 1e9, clock[0] / 1e9);
    }

    private static boolean accepted(SecAggServer server, ClientMessage m, long[] clock) {
        long s0 = System.nanoTime();
        try {
            server.receive(m);
            return true;
        } catch (SecAggRejected r) {
            return false; // recorded by the server; the round goes on without this message
        } finally {
            clock[0] += System.nanoTime() - s0;
        }
    }
}
