package io.fedbiot.secagg;

import java.util.List;
import java.util.Map;

/** What the server sends clients between the stages (same rounds as {@link ClientMessage}). */
public sealed interface ServerMessage {
    int round();

    /** Payload size to one client. */
    long bytes();

    /** After stage 0: every accepted client's public keys (U1). */
    record KeyBook(int round, List<ClientMessage.AdvertiseKeys> keys) implements ServerMessage {
        public KeyBook { keys = List.copyOf(keys); }

        public long bytes() { return 4 + keys.stream().mapToLong(ClientMessage.AdvertiseKeys::bytes).sum(); }
    }

    /** After stage 1: the envelopes addressed to {@code recipient}, by sender (U2 less the recipient). */
    record Relayed(int round, int recipient, Map<Integer, byte[]> envelopes) implements ServerMessage {
        public Relayed { envelopes = Map.copyOf(envelopes); }

        public long bytes() { return 8 + envelopes.values().stream().mapToLong(e -> 4L + e.length).sum(); }
    }

    /** After stage 2: the clients whose masked input arrived (U3, ascending). */
    record UnmaskRequest(int round, int[] survivors) implements ServerMessage {
        public UnmaskRequest { survivors = survivors.clone(); }

        public long bytes() { return 4 + 4L * survivors.length; }
    }
}
