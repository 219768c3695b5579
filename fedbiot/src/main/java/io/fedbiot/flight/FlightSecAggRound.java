package io.fedbiot.flight;

import io.fedbiot.secagg.ClientMessage;
import io.fedbiot.secagg.SecAggParams;
import io.fedbiot.secagg.SecAggRejected;
import io.fedbiot.secagg.SecAggServer;
import io.fedbiot.secagg.ServerMessage;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * One secure-aggregation round on the Flight server: a {@link SecAggServer} plus who has sent
 * what, the replies each stage hands out, and the bytes on the wire. Not thread-safe: the
 * {@link FlightTransport}'s lock guards it. Stage s (0 advertise .. 3 unmask) is open while
 * {@link #stage} == s; {@link #close} moves on, and a failure ends the round for everyone.
 */
final class FlightSecAggRound {
    static final String[] SENDS = {"advertise", "share", "masked", "unmask"};
    static final String[] WANTS = {"keys", "envelopes", "survivors", "done"};

    final SecAggParams p;
    final SecAggServer server;
    final String session = java.util.HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(8)); // this attempt
    final Map<Integer, Wire.Upload> counters = new TreeMap<>(); // each masked input's plain counters (samples, loss)
    @SuppressWarnings("unchecked")
    final Set<Integer>[] sent = new Set[]{new TreeSet<>(), new TreeSet<>(), new TreeSet<>(), new TreeSet<>()};
    private final Map<Integer, SecAggWire.Reply> replies = new HashMap<>(); // for the stage just closed, by client
    int stage;
    String failure;
    long[] sum;
    long bytesUp, bytesDown;

    FlightSecAggRound(SecAggParams p, int length) {
        this.p = p;
        this.server = new SecAggServer(p, length);
    }

    /** Checks and accepts one message; a refusal is an IllegalArgumentException with the reason. */
    void receive(int client, SecAggWire.Send s, long bytes, Consumer<ClientMessage> observer) {
        bytesUp += bytes;
        if (failure != null) throw new IllegalArgumentException("round " + p.round() + " failed: " + failure);
        if (s.round() != p.round()) throw new IllegalArgumentException("message for round " + s.round() + ", this is round " + p.round());
        if (!session.equals(s.session()))
            throw new IllegalArgumentException("message of another attempt at round " + s.round() + " (session " + s.session() + "): a new one needs fresh keys");
        ClientMessage m = SecAggWire.message(s, client);
        int at = java.util.Arrays.asList(SENDS).indexOf(s.stage());
        try {
            server.receive(m);
        } catch (SecAggRejected r) {
            throw new IllegalArgumentException(r.getMessage());
        }
        sent[at].add(client);
        if (m instanceof ClientMessage.MaskedInput) counters.put(client, s.upload());
        if (observer != null) observer.accept(m);
    }

    /** Closes the open stage and prepares its replies; a round below the threshold throws SecAggException. */
    void close() {
        switch (stage) {
            case 0 -> {
                SecAggWire.Reply book = SecAggWire.Reply.keys(server.keyBook());
                for (SecAggWire.Key k : book.keys()) replies.put(k.sender(), book);
            }
            case 1 -> {
                if (sent[1].size() < p.threshold())
                    throw new io.fedbiot.secagg.SecAggException("round " + p.round() + ": only " + sent[1].size() + " clients shared keys, threshold " + p.threshold());
                replies.clear();
                for (int k : sent[1]) replies.put(k, SecAggWire.Reply.envelopes(server.relay(k)));
            }
            case 2 -> {
                ServerMessage.UnmaskRequest u = server.unmaskRequest();
                SecAggWire.Reply r = SecAggWire.Reply.survivors(u);
                replies.clear();
                for (int k : u.survivors()) replies.put(k, r);
            }
            case 3 -> {
                sum = server.result();
                replies.clear();
                for (int k : sent[3]) replies.put(k, SecAggWire.Reply.of("done", p.round()));
            }
            default -> throw new IllegalStateException("round " + p.round() + " is already closed");
        }
        stage++;
    }

    /** Who must still send in the open stage: the previous stage's survivors (stage 0: everyone selected). */
    Set<Integer> expected() {
        if (stage == 0) {
            Set<Integer> all = new TreeSet<>();
            for (int c : p.clients()) all.add(c);
            return all;
        }
        return replies.keySet();
    }

    /** The reply to a client waiting for {@code want}: null while that stage is still open. */
    SecAggWire.Reply reply(int client, SecAggWire.Await a) {
        if (a.round() != p.round()) return SecAggWire.Reply.failed(a.round(), "round " + a.round() + " is not running (round " + p.round() + " is)");
        if (!session.equals(a.session())) return SecAggWire.Reply.failed(a.round(), "session " + a.session() + " is over; this attempt at round " + p.round() + " is another");
        if (failure != null) return SecAggWire.Reply.failed(p.round(), failure);
        int want = java.util.Arrays.asList(WANTS).indexOf(a.want());
        if (want < 0) throw new IllegalArgumentException("unknown want '" + a.want() + "'");
        if (stage <= want) return null;
        if (stage > want + 1) return SecAggWire.Reply.failed(p.round(), "'" + a.want() + "' was handed out already; the round moved on");
        SecAggWire.Reply r = replies.get(client);
        return r != null ? r : SecAggWire.Reply.failed(p.round(), "left out at stage " + SENDS[want] + " (its message came late or was refused)");
    }
}
