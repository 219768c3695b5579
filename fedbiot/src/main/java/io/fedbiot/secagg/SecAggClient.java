package io.fedbiot.secagg;

import io.fedbiot.secagg.ClientMessage.AdvertiseKeys;
import io.fedbiot.secagg.ClientMessage.MaskedInput;
import io.fedbiot.secagg.ClientMessage.ShareKeys;
import io.fedbiot.secagg.ClientMessage.Unmasking;
import io.fedbiot.secagg.ServerMessage.KeyBook;
import io.fedbiot.secagg.ServerMessage.Relayed;
import io.fedbiot.secagg.ServerMessage.UnmaskRequest;

import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One client's side of a round (Bonawitz et al. 2017, honest-but-curious variant without the
 * consistency-check round): advertise two X25519 keys, share s_SK and a fresh self-mask seed b
 * t-of-n through envelopes the server relays, send the masked fixed-point input, then reveal
 * shares of b for survivors and of s_SK for dropped clients, never both for one client. A server
 * message that breaks the protocol (wrong round, fewer than t clients, a survivor set that is not
 * a subset of the clients it shared with) is a {@link SecAggException}: the client stops.
 */
public final class SecAggClient {
    private enum Stage { ADVERTISE, SHARE, MASK, UNMASK, DONE }

    private final int id;
    private final SecAggParams p;
    private final SecureRandom rnd;
    private final KeyPair enc, mask;
    private Stage stage = Stage.ADVERTISE;
    private final Map<Integer, AdvertiseKeys> book = new TreeMap<>();
    private byte[] seed;
    private ShareEnvelope.Shares own;
    private final Map<Integer, ShareEnvelope.Shares> held = new HashMap<>(); // shares others gave me, by owner
    private final Set<Integer> shared = new HashSet<>();                     // U2: who shared with me, and me

    public SecAggClient(int id, SecAggParams params, SecureRandom rnd) {
        if (!params.selected(id)) throw new IllegalArgumentException("client " + id + " is not selected for round " + params.round());
        this.id = id;
        this.p = params;
        this.rnd = rnd;
        this.enc = PairKeys.generate(rnd);
        this.mask = PairKeys.generate(rnd);
    }

    public int id() { return id; }

    public AdvertiseKeys advertise() {
        step(Stage.ADVERTISE, p.round());
        return new AdvertiseKeys(p.round(), id, enc.getPublic().getEncoded(), mask.getPublic().getEncoded());
    }

    public ShareKeys shareKeys(KeyBook kb) {
        step(Stage.SHARE, kb.round());
        for (AdvertiseKeys k : kb.keys()) {
            if (!p.selected(k.sender()) || book.put(k.sender(), k) != null)
                throw new SecAggException("client " + id + ": the key book lists client " + k.sender() + " twice or unselected");
        }
        AdvertiseKeys me = book.get(id);
        if (me == null || !Arrays.equals(me.encryptionKey(), enc.getPublic().getEncoded()) || !Arrays.equals(me.maskKey(), mask.getPublic().getEncoded()))
            throw new SecAggException("client " + id + ": the key book does not carry my keys");
        atLeastThreshold(book.size(), "clients in the key book");
        seed = new byte[Masks.SEED_BYTES];
        rnd.nextBytes(seed);
        int[] xs = book.keySet().stream().mapToInt(SecAggParams::x).toArray();
        Shamir.Share[] keyShares = Shamir.split(PairKeys.scalar(mask.getPrivate()), p.threshold(), xs, rnd);
        Shamir.Share[] seedShares = Shamir.split(seed, p.threshold(), xs, rnd);
        Map<Integer, byte[]> out = new TreeMap<>();
        int i = 0;
        for (int v : book.keySet()) {
            ShareEnvelope.Shares s = new ShareEnvelope.Shares(keyShares[i], seedShares[i]);
            i++;
            if (v == id) own = s;
            else out.put(v, ShareEnvelope.seal(pairKey(v), p.round(), id, v, s, rnd));
        }
        return new ShareKeys(p.round(), id, out);
    }

    /** {@code values} weighted by {@code weight} (its sample count), encoded and masked. */
    public MaskedInput maskedInput(Relayed r, float[] values, long weight) {
        step(Stage.MASK, r.round());
        if (r.recipient() != id) throw new SecAggException("client " + id + ": envelopes relayed for client " + r.recipient());
        shared.add(id);
        for (Map.Entry<Integer, byte[]> e : r.envelopes().entrySet()) {
            int v = e.getKey();
            if (v == id || !book.containsKey(v)) throw new SecAggException("client " + id + ": an envelope from client " + v + ", not in the key book");
            shared.add(v);
            try {
                ShareEnvelope.Shares s = ShareEnvelope.open(pairKey(v), p.round(), v, id, e.getValue());
                if (s.keyShare().x() == SecAggParams.x(id) && s.seedShare().x() == SecAggParams.x(id)) held.put(v, s);
                // else: shares for another holder; this client will have none of v's to give
            } catch (IllegalArgumentException bad) {
                // v's masks still count (its key is in the book); only its shares are missing here
            }
        }
        atLeastThreshold(shared.size(), "clients who shared keys");
        long[] y = p.fixedPoint().encodeWeighted(values, weight);
        Masks.add(y, seed, 1);
        for (int v : shared) {
            if (v == id) continue;
            byte[] s = PairKeys.derive(mask.getPrivate(), PairKeys.decodePublic(book.get(v).maskKey()), PairKeys.Purpose.MASK, p.round(), id, v);
            Masks.add(y, s, Masks.pairSign(id, v));
        }
        return new MaskedInput(p.round(), id, y);
    }

    public Unmasking unmask(UnmaskRequest req) {
        step(Stage.UNMASK, req.round());
        Set<Integer> survivors = new HashSet<>();
        for (int v : req.survivors()) {
            if (!shared.contains(v)) throw new SecAggException("client " + id + ": survivor " + v + " never shared keys with me; refusing to unmask");
            survivors.add(v);
        }
        if (!survivors.contains(id)) throw new SecAggException("client " + id + ": the survivor list leaves me out; refusing to unmask");
        atLeastThreshold(survivors.size(), "survivors");
        Map<Integer, byte[]> seeds = new TreeMap<>(), keys = new TreeMap<>();
        for (int v : shared) {
            ShareEnvelope.Shares s = v == id ? own : held.get(v);
            if (s == null) continue;
            if (survivors.contains(v)) seeds.put(v, s.seedShare().toBytes());
            else keys.put(v, s.keyShare().toBytes());
        }
        return new Unmasking(p.round(), id, seeds, keys);
    }

    private byte[] pairKey(int v) {
        PublicKey theirs = PairKeys.decodePublic(book.get(v).encryptionKey());
        return PairKeys.derive(enc.getPrivate(), theirs, PairKeys.Purpose.ENCRYPT, p.round(), id, v);
    }

    private void step(Stage expected, int round) {
        if (round != p.round()) throw new SecAggException("client " + id + ": a message for round " + round + " in round " + p.round());
        if (stage != expected) throw new SecAggException("client " + id + ": asked for stage " + expected + " while at " + stage);
        stage = Stage.values()[expected.ordinal() + 1];
    }

    private void atLeastThreshold(int n, String what) {
        if (n < p.threshold())
            throw new SecAggException("client " + id + ": only " + n + " " + what + ", threshold " + p.threshold() + "; refusing to go on");
    }
}
