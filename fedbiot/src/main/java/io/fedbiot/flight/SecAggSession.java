package io.fedbiot.flight;

import io.fedbiot.secagg.ClientMessage;
import io.fedbiot.secagg.SecAggClient;
import io.fedbiot.secagg.SecAggException;
import io.fedbiot.secagg.SecAggParams;
import io.fedbiot.secagg.ServerMessage;

import java.security.SecureRandom;

/**
 * A client's side of one secure-aggregation round over Flight: {@link SecAggClient} on this
 * machine, its messages sent and the server's replies awaited through the {@link SecAggWire}
 * actions. The plain update never leaves: only the masked vector and the counters do. A refused
 * message is the server's FlightRuntimeException (INVALID_ARGUMENT, with the reason); a round that
 * failed or left this client out is a {@link SecAggException} with the server's reason.
 */
public final class SecAggSession {
    /** One action call: FederationChannel::action, or a retrying wrapper of it. */
    public interface Call {
        byte[] action(String type, byte[] body);
    }

    private final Call call;
    private final int round;
    private final String session;
    private final SecAggClient client;

    public SecAggSession(Call call, int id, int round, Wire.Secure s, SecureRandom rnd) {
        this.call = call;
        this.round = round;
        this.session = s.session();
        this.client = new SecAggClient(id, new SecAggParams(round, s.clients(), s.threshold(), s.fractionBits()), rnd);
    }

    /** All four stages: the update {@code values} (weighted by its sample count) into the round's secure sum. */
    public void run(float[] values, Wire.Upload counters) {
        unmask(masked(share(advertise()), values, counters));
    }

    ServerMessage.KeyBook advertise() {
        send(client.advertise(), null);
        return await("keys").keyBook();
    }

    ServerMessage.Relayed share(ServerMessage.KeyBook book) {
        send(client.shareKeys(book), null);
        return new ServerMessage.Relayed(round, client.id(), await("envelopes").envelopes());
    }

    ServerMessage.UnmaskRequest masked(ServerMessage.Relayed r, float[] values, Wire.Upload counters) {
        send(client.maskedInput(r, values, counters.samples()), counters);
        return new ServerMessage.UnmaskRequest(round, await("survivors").survivors());
    }

    void unmask(ServerMessage.UnmaskRequest req) {
        send(client.unmask(req), null);
        await("done");
    }

    private void send(ClientMessage m, Wire.Upload counters) {
        call.action(SecAggWire.SEND, Wire.bytes(SecAggWire.send(session, m, counters)));
    }

    private SecAggWire.Reply await(String want) {
        byte[] body = Wire.bytes(new SecAggWire.Await(SecAggWire.VERSION, session, round, want));
        while (true) {
            SecAggWire.Reply r = SecAggWire.parse(call.action(SecAggWire.AWAIT, body), SecAggWire.Reply.class);
            switch (r.kind()) {
                case "wait" -> { }
                case "failed" -> throw new SecAggException("round " + round + ": " + r.reason());
                default -> {
                    if (!r.kind().equals(want) || r.round() != round)
                        throw new SecAggException("round " + round + ": asked for " + want + ", the server answered " + r.kind() + " for round " + r.round());
                    return r;
                }
            }
        }
    }
}
