package io.fedbiot.secagg;

import io.fedbiot.secagg.ClientMessage.AdvertiseKeys;
import io.fedbiot.secagg.ClientMessage.MaskedInput;
import io.fedbiot.secagg.ClientMessage.ShareKeys;
import io.fedbiot.secagg.ClientMessage.Unmasking;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;
import java.util.function.Function;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad messages, sent by hand into one round of four clients (t = 3): each is refused with its
 * reason, and the round still ends with the right mean of the clients left in.
 */
class SecAggRejectionTest {
    static final int LENGTH = 17;
    final SecAggParams p = new SecAggParams(5, new int[]{0, 1, 2, 3}, 3, 24);
    final SecAggServer server = new SecAggServer(p, LENGTH + 1);
    final Map<Integer, SecAggClient> clients = new LinkedHashMap<>();
    final Map<Integer, float[]> values = new HashMap<>();

    SecAggRejectionTest() {
        for (int id : p.clients()) {
            clients.put(id, new SecAggClient(id, p, ByteStats.seeded(40 + id)));
            float[] v = new float[LENGTH];
            for (int j = 0; j < LENGTH; j++) v[j] = (id + 1) * 0.25f - j * 0.01f;
            values.put(id, v);
        }
    }

    final Map<Integer, ClientMessage> sent = new HashMap<>(); // each client's last genuine message

    /** Stages 0-3 for the clients still in; {@code tamper} (by sender) turns a genuine message into what is sent. */
    float[] round(Map<Integer, Function<ClientMessage, List<ClientMessage>>> tamper, List<Integer> survivors) {
        List<Integer> in = List.copyOf(clients.keySet());
        in = send(in, id -> clients.get(id).advertise(), tamper);
        var book = server.keyBook();
        in = send(in, id -> clients.get(id).shareKeys(book), tamper);
        in = send(in, id -> clients.get(id).maskedInput(server.relay(id), values.get(id), 1), tamper);
        var req = server.unmaskRequest();
        assertEquals(survivors, java.util.Arrays.stream(req.survivors()).boxed().toList(), "survivors");
        send(in, id -> clients.get(id).unmask(req), tamper);
        return p.fixedPoint().decodeMean(server.result());
    }

    private List<Integer> send(List<Integer> in, IntFunction<ClientMessage> make, Map<Integer, Function<ClientMessage, List<ClientMessage>>> tamper) {
        List<Integer> ok = new ArrayList<>();
        for (int id : in) {
            ClientMessage m = make.apply(id);
            sent.put(id, m);
            boolean accepted = false;
            for (ClientMessage x : tamper.getOrDefault(id, List::of).apply(m)) {
                try {
                    server.receive(x);
                    accepted = true;
                } catch (SecAggRejected r) {
                    assertEquals(id, r.sender());
                }
            }
            if (accepted) ok.add(id);
        }
        return ok;
    }

    void assertMeanOf(float[] got, int... ids) {
        for (int j = 0; j < LENGTH; j++) {
            double s = 0;
            for (int id : ids) s += values.get(id)[j];
            assertEquals(s / ids.length, got[j], p.fixedPoint().meanError() + 1e-6, "element " + j);
        }
    }

    String onlyReason() {
        assertEquals(1, server.rejections().size(), server.rejections().toString());
        return server.rejections().getFirst().reason();
    }

    @Test
    void aMalformedShareEnvelopeIsRefusedAndTheRoundGoesOnWithoutItsSender() {
        float[] mean = round(Map.of(2, m -> {
            if (!(m instanceof ShareKeys s)) return List.of(m);
            Map<Integer, byte[]> env = new HashMap<>(s.envelopes());
            env.put(0, java.util.Arrays.copyOf(env.get(0), ShareEnvelope.BYTES - 3));
            return List.of(new ShareKeys(s.round(), s.sender(), env));
        }), List.of(0, 1, 3));
        assertMeanOf(mean, 0, 1, 3);
        assertTrue(onlyReason().contains("the envelope for client 0 is " + (ShareEnvelope.BYTES - 3) + " bytes"), onlyReason());
    }

    @Test
    void aMalformedUnmaskingShareIsRefusedAndTheOthersSuffice() {
        float[] mean = round(Map.of(1, m -> List.of(m instanceof Unmasking u ? withSeedShare(u, 3, new byte[7]) : m)), List.of(0, 1, 2, 3));
        assertMeanOf(mean, 0, 1, 2, 3);
        assertTrue(onlyReason().contains("the share of client 3's secret: a share is " + Shamir.SHARE_BYTES + " bytes, got 7"), onlyReason());
    }

    @Test
    void aShareAtAnotherClientsPointIsRefused() {
        float[] mean = round(Map.of(0, m -> {
            if (!(m instanceof Unmasking u)) return List.of(m);
            Unmasking of1 = clientsShareFor(u);
            return List.of(withSeedShare(u, 2, of1.seedShares().get(2)));
        }), List.of(0, 1, 2, 3));
        assertMeanOf(mean, 0, 1, 2, 3);
        assertTrue(onlyReason().contains("is at x = 2, expected 1"), onlyReason());
    }

    /** Client 0's unmasking with its share of client 2's seed replaced by one at x = 2 (client 1's point). */
    private Unmasking clientsShareFor(Unmasking u) {
        Shamir.Share s = Shamir.Share.fromBytes(u.seedShares().get(2));
        return new Unmasking(u.round(), u.sender(), Map.of(2, new Shamir.Share(2, s.y()).toBytes()), Map.of());
    }

    private static Unmasking withSeedShare(Unmasking u, int owner, byte[] share) {
        Map<Integer, byte[]> seeds = new HashMap<>(u.seedShares());
        seeds.put(owner, share);
        return new Unmasking(u.round(), u.sender(), seeds, u.keyShares());
    }

    @Test
    void aMessageForAnotherRoundIsRefused() {
        float[] mean = round(Map.of(3, m -> m instanceof MaskedInput y ? List.of(new MaskedInput(4, y.sender(), y.masked()), m) : List.of(m)), List.of(0, 1, 2, 3));
        assertMeanOf(mean, 0, 1, 2, 3); // the genuine input followed the stale one
        assertTrue(onlyReason().contains("message for round 4, this is round 5"), onlyReason());
    }

    @Test
    void aReplayedMessageIsRefusedAndTheOriginalKept() {
        // Client 1's masked input arrives twice: the copy is refused as a replay, the first stands.
        float[] mean = round(Map.of(1, m -> m instanceof MaskedInput y
                ? List.of(m, new MaskedInput(y.round(), y.sender(), y.masked().clone())) : List.of(m)), List.of(0, 1, 2, 3));
        assertMeanOf(mean, 0, 1, 2, 3);
        assertTrue(onlyReason().contains("replayed MaskedInput: client 1 already sent one this round"), onlyReason());
    }

    @Test
    void aKeyThatDoesNotDecodeIsRefused() {
        float[] mean = round(Map.of(0, m -> List.of(m instanceof AdvertiseKeys a
                ? new AdvertiseKeys(a.round(), a.sender(), new byte[PairKeys.PUBLIC_BYTES], a.maskKey()) : m)), List.of(1, 2, 3));
        assertMeanOf(mean, 1, 2, 3);
        assertTrue(onlyReason().contains("not an X25519 public key"), onlyReason());
    }

    @Test
    void aKeyCopiedFromAnotherClientIsRefused() {
        float[] mean = round(Map.of(3, m -> List.of(m instanceof AdvertiseKeys a
                ? new AdvertiseKeys(a.round(), a.sender(), ((AdvertiseKeys) sent.get(2)).encryptionKey(), a.maskKey()) : m)), List.of(0, 1, 2));
        assertMeanOf(mean, 0, 1, 2);
        assertTrue(onlyReason().contains("reuses a public key of client 2"), onlyReason());
    }

    @Test
    void aWrongSizeInputIsRefused() {
        float[] mean = round(Map.of(2, m -> List.of(m instanceof MaskedInput y ? new MaskedInput(y.round(), y.sender(), new long[3]) : m)),
                List.of(0, 1, 3));
        assertMeanOf(mean, 0, 1, 3);
        assertTrue(onlyReason().contains("masked input of 3 elements, expected " + (LENGTH + 1)), onlyReason());
    }

    @Test
    void aTamperedEnvelopeOnlyCostsItsRecipientThatShare() {
        // The server (or the wire) flips a byte of client 3's envelope to client 1: client 1 cannot open it and holds
        // no share of client 3's secrets, the other two holders still reach t = 3 with client 3's own share.
        float[] mean = round(Map.of(3, m -> {
            if (!(m instanceof ShareKeys s)) return List.of(m);
            Map<Integer, byte[]> env = new HashMap<>(s.envelopes());
            byte[] e = env.get(1).clone();
            e[20] ^= 1;
            env.put(1, e);
            return List.of(new ShareKeys(s.round(), s.sender(), env));
        }), List.of(0, 1, 2, 3));
        assertMeanOf(mean, 0, 1, 2, 3);
        assertTrue(server.rejections().isEmpty());
    }

    @Test
    void aClientRefusesAnUnmaskRequestBelowTheThreshold() {
        var c = clients.get(0);
        for (var id : clients.keySet()) server.receive(clients.get(id).advertise());
        var book = server.keyBook();
        for (var id : clients.keySet()) server.receive(clients.get(id).shareKeys(book));
        c.maskedInput(server.relay(0), values.get(0), 1);
        var e = assertThrows(SecAggException.class, () -> c.unmask(new ServerMessage.UnmaskRequest(5, new int[]{0, 1})));
        assertTrue(e.getMessage().contains("only 2 survivors, threshold 3"), e.getMessage());
    }
}
