package io.fedbiot.secagg;

import io.fedbiot.secagg.ClientMessage.AdvertiseKeys;
import io.fedbiot.secagg.ClientMessage.MaskedInput;
import io.fedbiot.secagg.ClientMessage.ShareKeys;
import io.fedbiot.secagg.ClientMessage.Unmasking;
import io.fedbiot.secagg.ServerMessage.KeyBook;
import io.fedbiot.secagg.ServerMessage.Relayed;
import io.fedbiot.secagg.ServerMessage.UnmaskRequest;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server's side of one round: collects keys (U1), relays share envelopes (U2), collects masked
 * inputs (U3), asks the survivors for unmasking shares (U5 ⊆ U3) and returns the ring sum of the
 * survivors' inputs. {@link #receive} refuses a message (wrong round or stage, unselected or
 * replaying sender, wrong sizes, a key that does not decode, a share at the wrong point or for the
 * wrong set) with a {@link SecAggRejected} naming why; its sender is left out of that stage and
 * the round goes on. Closing a stage with fewer than t clients is a {@link SecAggException}: in
 * particular the server refuses to unmask with fewer than t unmasking responses.
 */
public final class SecAggServer {
    private enum Stage { KEYS, SHARES, INPUTS, UNMASK, DONE }

    private final SecAggParams p;
    private final int length;
    private Stage stage = Stage.KEYS;
    private final Map<Integer, AdvertiseKeys> keys = new TreeMap<>();
    private final Map<Integer, ShareKeys> shares = new TreeMap<>();
    private final Set<Integer> uploaded = new TreeSet<>(); // U3; their vectors are summed on arrival, not kept
    private long[] sum;
    private final Map<Integer, Unmasking> unmasking = new TreeMap<>();
    private final List<SecAggRejected> rejected = new ArrayList<>();

    /** @param length ring elements per masked input (values + the weight slot) */
    public SecAggServer(SecAggParams params, int length) {
        if (length < 1) throw new IllegalArgumentException("a masked input needs at least one element, got " + length);
        this.p = params;
        this.length = length;
    }

    public SecAggParams params() { return p; }

    /** Every message refused so far, in arrival order. */
    public List<SecAggRejected> rejections() { return List.copyOf(rejected); }

    /** Accepts {@code m} into its stage or throws (and records) why not. */
    public void receive(ClientMessage m) {
        try {
            if (m.round() != p.round()) throw reject(m, "message for round " + m.round() + ", this is round " + p.round());
            if (!p.selected(m.sender())) throw reject(m, "client " + m.sender() + " is not selected for this round");
            switch (m) {
                case AdvertiseKeys a -> advertise(a);
                case ShareKeys s -> shareKeys(s);
                case MaskedInput y -> maskedInput(y);
                case Unmasking u -> unmask(u);
            }
        } catch (SecAggRejected r) {
            rejected.add(r);
            throw r;
        }
    }

    private void advertise(AdvertiseKeys a) {
        expect(a, Stage.KEYS, "AdvertiseKeys", keys.keySet());
        for (byte[] k : new byte[][]{a.encryptionKey(), a.maskKey()}) {
            try {
                PairKeys.decodePublic(k);
            } catch (IllegalArgumentException e) {
                throw reject(a, e.getMessage());
            }
        }
        if (Arrays.equals(a.encryptionKey(), a.maskKey())) throw reject(a, "the encryption and mask keys are the same");
        for (AdvertiseKeys o : keys.values())
            if (Arrays.equals(o.encryptionKey(), a.encryptionKey()) || Arrays.equals(o.maskKey(), a.maskKey()) || Arrays.equals(o.encryptionKey(), a.maskKey()) || Arrays.equals(o.maskKey(), a.encryptionKey()))
                throw reject(a, "reuses a public key of client " + o.sender());
        keys.put(a.sender(), a);
    }

    /** Closes stage 0: the key book for every accepted client. */
    public KeyBook keyBook() {
        close(Stage.KEYS, keys.size(), "clients advertised keys");
        return new KeyBook(p.round(), List.copyOf(keys.values()));
    }

    private void shareKeys(ShareKeys s) {
        expect(s, Stage.SHARES, "ShareKeys", shares.keySet());
        if (!keys.containsKey(s.sender())) throw reject(s, "client " + s.sender() + " is not in the key book");
        Set<Integer> want = new TreeSet<>(keys.keySet());
        want.remove(s.sender());
        if (!want.equals(new TreeSet<>(s.envelopes().keySet())))
            throw reject(s, "envelopes for " + new TreeSet<>(s.envelopes().keySet()) + ", expected one for each of " + want);
        for (Map.Entry<Integer, byte[]> e : s.envelopes().entrySet())
            if (e.getValue() == null || e.getValue().length != ShareEnvelope.BYTES)
                throw reject(s, "the envelope for client " + e.getKey() + " is " + (e.getValue() == null ? "missing" : e.getValue().length + " bytes")
                        + ", expected " + ShareEnvelope.BYTES);
        shares.put(s.sender(), s);
    }

    /** The envelopes for {@code recipient}; the first call closes stage 1 (U2 = the clients whose envelopes came). */
    public Relayed relay(int recipient) {
        if (stage == Stage.SHARES) close(Stage.SHARES, shares.size(), "clients shared keys");
        if (stage != Stage.INPUTS) throw new SecAggException("round " + p.round() + ": relaying envelopes at stage " + stage);
        if (!shares.containsKey(recipient)) throw new SecAggException("round " + p.round() + ": client " + recipient + " did not share keys");
        Map<Integer, byte[]> out = new TreeMap<>();
        for (ShareKeys s : shares.values()) if (s.sender() != recipient) out.put(s.sender(), s.envelopes().get(recipient));
        return new Relayed(p.round(), recipient, out);
    }

    private void maskedInput(MaskedInput y) {
        if (stage == Stage.SHARES) close(Stage.SHARES, shares.size(), "clients shared keys");
        expect(y, Stage.INPUTS, "MaskedInput", uploaded);
        if (!shares.containsKey(y.sender())) throw reject(y, "client " + y.sender() + " did not share keys");
        if (y.masked() == null || y.masked().length != length)
            throw reject(y, "masked input of " + (y.masked() == null ? "no" : y.masked().length) + " elements, expected " + length);
        if (sum == null) sum = new long[length];
        long[] v = y.masked();
        for (int j = 0; j < length; j++) sum[j] += v[j];
        uploaded.add(y.sender());
    }

    /** Closes stage 2: the survivors U3, whose inputs will be summed. */
    public UnmaskRequest unmaskRequest() {
        close(Stage.INPUTS, uploaded.size(), "masked inputs arrived");
        return new UnmaskRequest(p.round(), uploaded.stream().mapToInt(Integer::intValue).toArray());
    }

    private void unmask(Unmasking u) {
        expect(u, Stage.UNMASK, "Unmasking", unmasking.keySet());
        if (!uploaded.contains(u.sender())) throw reject(u, "client " + u.sender() + " is not a survivor");
        for (int v : u.seedShares().keySet())
            if (!uploaded.contains(v)) throw reject(u, "a self-mask share of client " + v + ", who is not a survivor");
        for (int v : u.keyShares().keySet())
            if (!shares.containsKey(v) || uploaded.contains(v)) throw reject(u, "a mask-key share of client " + v + ", who did not drop out");
        for (Map<Integer, byte[]> m : List.of(u.seedShares(), u.keyShares()))
            for (Map.Entry<Integer, byte[]> e : m.entrySet()) {
                Shamir.Share s;
                try {
                    s = Shamir.Share.fromBytes(e.getValue());
                } catch (IllegalArgumentException bad) {
                    throw reject(u, "the share of client " + e.getKey() + "'s secret: " + bad.getMessage());
                }
                if (s.x() != SecAggParams.x(u.sender()))
                    throw reject(u, "the share of client " + e.getKey() + "'s secret is at x = " + s.x() + ", expected " + SecAggParams.x(u.sender()));
            }
        unmasking.put(u.sender(), u);
    }

    /**
     * Closes stage 3 and unmasks: Σ_{v∈U3} y_v − PRG(b_v), less each dropped client's pairwise
     * masks with the survivors (from its reconstructed s_SK). Fewer than t responses: refused.
     */
    public long[] result() {
        close(Stage.UNMASK, unmasking.size(), "survivors sent unmasking shares; refusing to unmask");
        for (int v : uploaded) Masks.add(sum, reconstruct(v, true), -1);
        for (int u : shares.keySet()) {
            if (uploaded.contains(u)) continue;
            PrivateKey su = PairKeys.fromScalar(reconstruct(u, false));
            for (int v : uploaded) {
                PublicKey pv = PairKeys.decodePublic(keys.get(v).maskKey());
                // v added pairSign(v, u) · PRG(s_vu); take it back out.
                Masks.add(sum, PairKeys.derive(su, pv, PairKeys.Purpose.MASK, p.round(), u, v), -Masks.pairSign(v, u));
            }
        }
        return sum;
    }

    /** The survivors whose inputs the sum holds (U3), after {@link #unmaskRequest}. */
    public int[] survivors() {
        return uploaded.stream().mapToInt(Integer::intValue).toArray();
    }

    private byte[] reconstruct(int owner, boolean seed) {
        List<Shamir.Share> got = new ArrayList<>();
        for (Unmasking u : unmasking.values()) {
            byte[] b = (seed ? u.seedShares() : u.keyShares()).get(owner);
            if (b != null) got.add(Shamir.Share.fromBytes(b));
        }
        if (got.size() < p.threshold())
            throw new SecAggException("round " + p.round() + ": only " + got.size() + " shares of client " + owner + "'s "
                    + (seed ? "self-mask seed" : "mask key") + ", threshold " + p.threshold() + "; refusing to unmask");
        return Shamir.combine(got, p.threshold());
    }

    private void expect(ClientMessage m, Stage at, String what, Set<Integer> seen) {
        if (stage.ordinal() < at.ordinal()) throw reject(m, what + " before its stage (server at " + stage + ")");
        if (stage.ordinal() > at.ordinal()) throw reject(m, what + " after its stage closed (server at " + stage + ")");
        if (seen.contains(m.sender())) throw reject(m, "replayed " + what + ": client " + m.sender() + " already sent one this round");
    }

    private void close(Stage at, int count, String what) {
        if (stage != at) throw new SecAggException("round " + p.round() + ": closing stage " + at + " while at " + stage);
        if (count < p.threshold())
            throw new SecAggException("round " + p.round() + ": only " + count + " " + what + ", threshold " + p.threshold());
        stage = Stage.values()[at.ordinal() + 1];
    }

    private SecAggRejected reject(ClientMessage m, String reason) {
        return new SecAggRejected(m.round(), m.sender(), reason);
    }
}
