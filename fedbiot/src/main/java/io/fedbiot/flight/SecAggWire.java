package io.fedbiot.flight;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fedbiot.secagg.ClientMessage;
import io.fedbiot.secagg.ServerMessage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * Secure aggregation's messages over Flight: two actions whose bodies are JSON (byte arrays as
 * base64, ring vectors as little-endian int64 bytes), each with the wire version {@link #VERSION}.
 *
 * <pre>
 * action "secagg.send"   body Send (stage advertise|share|masked|unmask)   answer: "ok", or INVALID_ARGUMENT and the reason
 * action "secagg.await"  body Await (want keys|envelopes|survivors|done)  answer: Reply (kind wait|keys|envelopes|survivors|done|failed)
 * </pre>
 * The sender is the authenticated client, never a field of the body, so no client can speak for another.
 */
final class SecAggWire {
    static final int VERSION = 1;
    static final String SEND = "secagg.send", AWAIT = "secagg.await";

    /** Client → server: one stage's message; the fields that stage does not use are null. */
    record Send(int v, String session, String stage, int round, byte[] encryptionKey, byte[] maskKey, Map<Integer, byte[]> envelopes,
                byte[] masked, Wire.Upload upload, Map<Integer, byte[]> seedShares, Map<Integer, byte[]> keyShares) {}

    /** Client → server: the next server message this client waits for. */
    record Await(int v, String session, int round, String want) {}

    record Key(int sender, byte[] encryptionKey, byte[] maskKey) {}

    /** Server → client. kind wait: ask again; failed: the round is over for this client, reason says why. */
    record Reply(int v, String kind, int round, List<Key> keys, Map<Integer, byte[]> envelopes, int[] survivors, String reason) {
        static Reply of(String kind, int round) {
            return new Reply(VERSION, kind, round, null, null, null, null);
        }

        static Reply failed(int round, String reason) {
            return new Reply(VERSION, "failed", round, null, null, null, reason);
        }

        static Reply keys(ServerMessage.KeyBook b) {
            return new Reply(VERSION, "keys", b.round(), b.keys().stream().map(k -> new Key(k.sender(), k.encryptionKey(), k.maskKey())).toList(),
                    null, null, null);
        }

        static Reply envelopes(ServerMessage.Relayed r) {
            return new Reply(VERSION, "envelopes", r.round(), null, r.envelopes(), null, null);
        }

        static Reply survivors(ServerMessage.UnmaskRequest u) {
            return new Reply(VERSION, "survivors", u.round(), null, null, u.survivors(), null);
        }

        ServerMessage.KeyBook keyBook() {
            return new ServerMessage.KeyBook(round, keys.stream().map(k -> new ClientMessage.AdvertiseKeys(round, k.sender(), k.encryptionKey(), k.maskKey())).toList());
        }
    }

    private SecAggWire() {}

    static Send send(String session, ClientMessage m, Wire.Upload upload) {
        return switch (m) {
            case ClientMessage.AdvertiseKeys a -> new Send(VERSION, session, "advertise", a.round(), a.encryptionKey(), a.maskKey(), null, null, null, null, null);
            case ClientMessage.ShareKeys s -> new Send(VERSION, session, "share", s.round(), null, null, s.envelopes(), null, null, null, null);
            case ClientMessage.MaskedInput y -> new Send(VERSION, session, "masked", y.round(), null, null, null, longs(y.masked()), upload, null, null);
            case ClientMessage.Unmasking u -> new Send(VERSION, session, "unmask", u.round(), null, null, null, null, null, u.seedShares(), u.keyShares());
        };
    }

    /** Parses and checks a body; a malformed one is an IllegalArgumentException saying what is wrong. */
    static <T> T parse(byte[] body, Class<T> type) {
        T t;
        try {
            t = Wire.JSON.readValue(body, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed " + type.getSimpleName() + " body: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("unreadable " + type.getSimpleName() + " body: " + e.getMessage());
        }
        if (t == null) throw new IllegalArgumentException("empty " + type.getSimpleName() + " body");
        int v = switch (t) {
            case Send s -> s.v();
            case Await a -> a.v();
            case Reply r -> r.v();
            default -> VERSION;
        };
        if (v != VERSION) throw new IllegalArgumentException("wire version " + v + ", this side speaks version " + VERSION);
        return t;
    }

    /** The message {@code sender} (the authenticated client) sent; missing fields are refused with a reason. */
    static ClientMessage message(Send s, int sender) {
        if (s.stage() == null) throw new IllegalArgumentException("no stage");
        return switch (s.stage()) {
            case "advertise" -> new ClientMessage.AdvertiseKeys(s.round(), sender, need(s.encryptionKey(), "encryptionKey"), need(s.maskKey(), "maskKey"));
            case "share" -> new ClientMessage.ShareKeys(s.round(), sender, need(s.envelopes(), "envelopes"));
            case "masked" -> {
                byte[] b = need(s.masked(), "masked");
                if (b.length % 8 != 0) throw new IllegalArgumentException("masked is " + b.length + " bytes, not a whole number of int64 values");
                if (s.upload() == null) throw new IllegalArgumentException("masked input without its upload counters");
                yield new ClientMessage.MaskedInput(s.round(), sender, longs(b));
            }
            case "unmask" -> new ClientMessage.Unmasking(s.round(), sender, need(s.seedShares(), "seedShares"), need(s.keyShares(), "keyShares"));
            default -> throw new IllegalArgumentException("unknown stage '" + s.stage() + "'");
        };
    }

    private static <T> T need(T v, String field) {
        if (v == null) throw new IllegalArgumentException("field " + field + " is missing");
        if (v instanceof Map<?, ?> m && m.containsValue(null)) throw new IllegalArgumentException("field " + field + " has an empty entry");
        return v;
    }

    static byte[] longs(long[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return b.array();
    }

    static long[] longs(byte[] v) {
        long[] out = new long[v.length / 8];
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }
}
