package io.fedbiot.secagg;

import java.util.Map;

/**
 * What a client sends the server in the four rounds of Bonawitz et al. (CCS 2017). Each carries
 * the round number and its sender so a replayed or misplaced message can be named and refused.
 * {@link #bytes()} is the payload size on a wire (ids, keys, ciphertexts, 8 bytes per ring element).
 */
public sealed interface ClientMessage {
    int round();

    int sender();

    long bytes();

    /** Stage 0: the client's two public keys, c for encrypting shares and s for pairwise masks. */
    record AdvertiseKeys(int round, int sender, byte[] encryptionKey, byte[] maskKey) implements ClientMessage {
        public long bytes() { return 8 + (long) len(encryptionKey) + len(maskKey); }
    }

    /** Stage 1: one {@link ShareEnvelope} per other client of the key book, by recipient id. */
    record ShareKeys(int round, int sender, Map<Integer, byte[]> envelopes) implements ClientMessage {
        public ShareKeys { envelopes = Map.copyOf(envelopes); }

        public long bytes() { return 8 + envelopes.values().stream().mapToLong(e -> 4L + len(e)).sum(); }
    }

    /** Stage 2: y = x + PRG(b) + Σ ±PRG(s_uv) over the ring. */
    record MaskedInput(int round, int sender, long[] masked) implements ClientMessage {
        public long bytes() { return 8 + 8L * masked.length; }
    }

    /**
     * Stage 3: shares of the self-mask seed b_v of each survivor v and of the mask key s_SK of each
     * client that dropped after sharing keys (never both for one client), by owner id.
     */
    record Unmasking(int round, int sender, Map<Integer, byte[]> seedShares, Map<Integer, byte[]> keyShares) implements ClientMessage {
        public Unmasking {
            seedShares = Map.copyOf(seedShares);
            keyShares = Map.copyOf(keyShares);
        }

        public long bytes() {
            return 8 + (seedShares.size() + keyShares.size()) * (4L + Shamir.SHARE_BYTES);
        }
    }

    private static int len(byte[] b) {
        return b == null ? 0 : b.length;
    }
}
