package io.fedbiot.flight;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.DataFormat;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.method.Alignment;
import io.fedbiot.method.ClientTrainer;
import io.fedbiot.method.FederatedRun;
import io.fedbiot.method.Method;
import io.fedbiot.method.RunPlan;
import io.fedbiot.method.Split;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * An in-JVM Flight server on 127.0.0.1 (ephemeral port) over stories260K, FedBiOT a=2 β=0.2
 * (emulator keeps teacher layers 0 and 2; layer 1 is teacher-only), with clients alice and bob
 * that the test drives by hand through {@link FederationChannel}. One round runs in the background.
 */
final class ProtocolHarness implements AutoCloseable {
    static final String ALICE = FlightFixture.TOKENS[0], BOB = FlightFixture.TOKENS[1];

    final Checkpoint ck;
    final Split split;
    final FlightTransport transport;
    final FederatedRun run;
    final List<String> log = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newSingleThreadExecutor();

    ProtocolHarness(Path dir, Duration deadline, Path tlsCert, Path tlsKey) throws IOException {
        Path tokens = Files.writeString(dir.resolve("tokens.txt"), "alice " + ALICE + "\nbob " + BOB + "\n");
        ck = Checkpoint.load(FlightFixture.shared("models/stories260K.bin"));
        split = Split.of(Method.FEDBIOT, ck.config().nLayers(), 2, 0.2);
        ServerOptions o = ServerOptions.loopback(2, deadline);
        if (tlsCert != null) o = o.withTls(tlsCert, tlsKey);
        transport = new FlightTransport(TokenTable.load(tokens), o,
                new RunPlan.DataSettings(2, 64, DataFormat.ALPACA, BadRowPolicy.SKIP), 3, log::add);
        var s = new FederatedRun.Settings(Method.FEDBIOT, LoraConfig.defaults(), 1, 0, new ClientTrainer.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 0f),
                new Alignment.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 1f, false, true), 0, 1, 5);
        run = new FederatedRun(ck.weights(), split, s, transport, null, new FederatedRun.EvalData(List.of(), List.of()));
    }

    Endpoint endpoint() {
        return new Endpoint("127.0.0.1", transport.port());
    }

    /** Round 0 in the background (it waits for both clients' polls, then for their updates until the deadline). */
    Future<FederatedRun.RoundStats> startRound() {
        return pool.submit(() -> run.round(0));
    }

    /** Polls until the round's work arrives (bounded: 200 polls). */
    static TensorReader.Read awaitRound(FederationChannel ch) {
        for (int i = 0; i < 200; i++) {
            TensorReader.Read r = ch.fetchWork(null);
            if (Wire.parse(r.header(), Wire.Work.class, "work").kind().equals("round")) return r;
        }
        throw new AssertionError("no round offered in 200 polls");
    }

    @Override
    public void close() throws IOException {
        pool.shutdownNow();
        run.close();
        ck.close();
    }
}
