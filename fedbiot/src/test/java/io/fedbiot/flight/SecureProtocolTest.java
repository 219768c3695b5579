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
import io.fedbiot.secagg.ClientMessage;
import io.fedbiot.secagg.FixedPoint;
import io.fedbiot.secagg.SecAggException;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Secure aggregation over Flight on 127.0.0.1: a FlightTransport round (stories260K, FedBiOT) with
 * three clients driven by hand through {@link SecAggSession}, each sending a known update, so the
 * round's adapter can be checked against a float64 weighted mean; what the server received is
 * observed; clients drop out or misbehave on purpose.
 */
class SecureProtocolTest {
    private static final long[] WEIGHTS = {3, 5, 7};

    @TempDir
    Path tmp;

    /** What a hand-driven client does after training. */
    private enum Role { HONEST, GONE_AFTER_UPLOAD, MISBEHAVING }

    private static final class Harness implements AutoCloseable {
        final Checkpoint ck;
        final FlightTransport transport;
        final FederatedRun run;
        final List<String> log = new CopyOnWriteArrayList<>();
        final List<ClientMessage> seen = new CopyOnWriteArrayList<>();
        final Map<Integer, float[]> sent = new ConcurrentHashMap<>();
        final List<String> clientNotes = new CopyOnWriteArrayList<>();
        final ExecutorService pool = Executors.newCachedThreadPool();

        Harness(Path dir, int threshold) throws Exception {
            StringBuilder t = new StringBuilder();
            for (int k = 0; k < 3; k++) t.append(FlightFixture.NAMES[k]).append(' ').append(FlightFixture.TOKENS[k]).append('\n');
            Path tokens = Files.writeString(dir.resolve("tokens.txt"), t);
            ck = Checkpoint.load(FlightFixture.shared("models/stories260K.bin"));
            Split split = Split.of(Method.FEDBIOT, ck.config().nLayers(), 2, 0.2);
            transport = new FlightTransport(TokenTable.load(tokens), ServerOptions.loopback(3, Duration.ofSeconds(60)),
                    new RunPlan.DataSettings(2, 64, DataFormat.ALPACA, BadRowPolicy.SKIP), 3, log::add);
            transport.observeSecAgg(seen::add);
            var s = new FederatedRun.Settings(Method.FEDBIOT, LoraConfig.defaults(), 1, 0, new ClientTrainer.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 0f),
                    new Alignment.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 1f, false, true), 0, 1, 5);
            run = new FederatedRun(ck.weights(), split, s, transport, null, new FederatedRun.EvalData(List.of(), List.of()));
            run.secureAggregation(new FederatedRun.SecureAggregation(threshold, 24));
        }

        Future<?> client(int k, Role role) {
            return pool.submit(() -> {
                FederationChannel ch = new FederationChannel(new Endpoint("127.0.0.1", transport.port()), FlightFixture.TOKENS[k], null);
                try {
                    Wire.Package h = Wire.parse(ch.fetchPackage().header(), Wire.Package.class, "package");
                    TensorReader.Read r = ProtocolHarness.awaitRound(ch);
                    Wire.Work w = Wire.parse(r.header(), Wire.Work.class, "work");
                    assertNotNull(w.secure(), "the round's work does not say it is secure");
                    float[] x = update(h, r, k);
                    sent.put(k, x);
                    Wire.Upload up = new Wire.Upload(w.round(), WEIGHTS[k], 0, 1.0 + k, 10, 8);
                    if (role == Role.HONEST) {
                        // A plain update in a secure round is refused before anything of it counts.
                        FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> ch.upload(up, adapterTensors(h, x)));
                        assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
                        clientNotes.add(e.status().description());
                    }
                    List<byte[]> bodies = new ArrayList<>();
                    SecAggSession.Call call = (type, body) -> {
                        byte[] out = ch.action(type, body);
                        // The misbehaving client sends its first message (its keys) twice in a row.
                        if (type.equals(SecAggWire.SEND) && bodies.isEmpty() && role == Role.MISBEHAVING)
                            clientNotes.add(refusal(() -> ch.action(SecAggWire.SEND, body)));
                        if (type.equals(SecAggWire.SEND)) bodies.add(body);
                        return out;
                    };
                    SecAggSession s = new SecAggSession(call, h.client(), w.round(), w.secure(), new SecureRandom());
                    if (role == Role.MISBEHAVING) {
                        clientNotes.add(refusal(() -> ch.action(SecAggWire.SEND, "{not json".getBytes(StandardCharsets.UTF_8))));
                        clientNotes.add(refusal(() -> ch.action(SecAggWire.SEND,
                                "{\"v\":99,\"stage\":\"advertise\",\"round\":0}".getBytes(StandardCharsets.UTF_8))));
                    }
                    var book = s.advertise();
                    var unmask = s.masked(s.share(book), x, up);
                    if (role == Role.GONE_AFTER_UPLOAD) return null; // disconnects: never sends its unmasking shares
                    try {
                        s.unmask(unmask);
                    } catch (SecAggException e) {
                        clientNotes.add(e.getMessage());
                    }
                    return null;
                } finally {
                    ch.close();
                }
            });
        }

        @Override
        public void close() throws Exception {
            pool.shutdownNow();
            run.close();
            ck.close();
        }
    }

    private static String refusal(org.junit.jupiter.api.function.Executable call) {
        FlightRuntimeException e = assertThrows(FlightRuntimeException.class, call);
        assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.toString());
        return e.status().description();
    }

    /** Client k's update: the round's adapter tensors plus a known pattern (padding stays zero through the codec). */
    private static float[] update(Wire.Package h, TensorReader.Read work, int k) {
        try (LoraCodec ac = new LoraCodec(Wire.ADAPTER, h.config(), h.lora(), h.adapterLayers())) {
            List<WireTensor> a = new ArrayList<>();
            for (WireTensor t : work.tensors()) {
                if (!t.name().startsWith(Wire.ADAPTER)) continue;
                float[] v = t.values().clone();
                for (int i = 0; i < v.length; i++) v[i] += (float) (0.01 * Math.sin(0.37 * i + 1.3 * k) + 0.002 * k);
                a.add(new WireTensor(t.name(), t.shape(), v));
            }
            return ac.join(a);
        }
    }

    private static List<WireTensor> adapterTensors(Wire.Package h, float[] x) {
        try (LoraCodec ac = new LoraCodec(Wire.ADAPTER, h.config(), h.lora(), h.adapterLayers())) {
            return ac.split(x);
        }
    }

    private static double[] weightedMean(Map<Integer, float[]> xs, int... clients) {
        double[] m = new double[xs.get(clients[0]).length];
        double w = 0;
        for (int k : clients) {
            float[] x = xs.get(k);
            for (int i = 0; i < m.length; i++) m[i] += WEIGHTS[k] * (double) x[i];
            w += WEIGHTS[k];
        }
        for (int i = 0; i < m.length; i++) m[i] /= w;
        return m;
    }

    private static void assertClose(double[] want, float[] got) {
        assertEquals(want.length, got.length);
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
        // fixed point: n · 2^-(f+1) / Σw < 1e-7 for f = 24; then float32 rounding of values ~0.05
        assertTrue(worst < 1e-7, "secure mean differs from the float64 weighted mean by " + worst);
    }

    private static FederatedRun.RoundStats runRound(Harness h, Role... roles) throws Exception {
        Future<FederatedRun.RoundStats> round = h.pool.submit(() -> h.run.round(0));
        List<Future<?>> cs = new ArrayList<>();
        for (int k = 0; k < roles.length; k++) cs.add(h.client(k, roles[k]));
        for (Future<?> c : cs) c.get(120, TimeUnit.SECONDS);
        return round.get(120, TimeUnit.SECONDS);
    }

    @Test
    void theRoundGivesTheWeightedMeanAndTheServerSeesOnlyMaskedVectors() throws Exception {
        try (Harness h = new Harness(tmp, 0)) {
            FederatedRun.RoundStats st = runRound(h, Role.HONEST, Role.HONEST, Role.HONEST);
            assertArrayEquals(new int[]{0, 1, 2}, st.included());
            assertClose(weightedMean(h.sent, 0, 1, 2), h.run.snapshot().adapter());
            for (String n : h.clientNotes) assertTrue(n.contains("plain update is refused"), n);
            // What reached the server: keys, envelopes, masked vectors, shares; never w·x in the ring.
            FixedPoint fp = new FixedPoint(24, 3);
            int masked = 0;
            for (ClientMessage m : h.seen) {
                if (!(m instanceof ClientMessage.MaskedInput y)) continue;
                masked++;
                long[] plain = fp.encodeWeighted(h.sent.get(y.sender()), WEIGHTS[y.sender()]);
                int same = 0;
                for (int i = 0; i < plain.length; i++) if (plain[i] == y.masked()[i]) same++;
                assertTrue(same <= 2, "client " + y.sender() + "'s masked input equals its plain encoding at " + same + " of " + plain.length);
            }
            assertEquals(3, masked);
        }
    }

    @Test
    void aClientGoneAfterItsMaskedUploadStaysInTheSumThroughTheOthersShares() throws Exception {
        try (Harness h = new Harness(tmp, 2)) {
            FederatedRun.RoundStats st = runRound(h, Role.HONEST, Role.HONEST, Role.GONE_AFTER_UPLOAD);
            assertArrayEquals(new int[]{0, 1, 2}, st.included(), "carol's masked input arrived: she is in U3");
            assertClose(weightedMean(h.sent, 0, 1, 2), h.run.snapshot().adapter());
            assertTrue(h.log.stream().anyMatch(l -> l.contains("stage unmask closed with 2 of 3, without [carol]")), String.join("\n", h.log));
        }
    }

    @Test
    void belowTheThresholdTheRoundIsSkippedAndTheAdapterStays() throws Exception {
        try (Harness h = new Harness(tmp, 3)) {
            float[] before = h.run.snapshot().adapter();
            FederatedRun.RoundStats st = runRound(h, Role.HONEST, Role.HONEST, Role.GONE_AFTER_UPLOAD);
            assertEquals(0, st.included().length);
            assertArrayEquals(before, h.run.snapshot().adapter());
            assertTrue(h.log.stream().anyMatch(l -> l.contains("secure aggregation failed: round 0: only 2 survivors sent unmasking shares")),
                    String.join("\n", h.log));
            assertTrue(h.clientNotes.stream().anyMatch(n -> n.contains("only 2 survivors")), h.clientNotes.toString());
        }
    }

    @Test
    void malformedReplayedAndMisversionedMessagesAreRefusedWithAReasonAndTheRoundGoesOn() throws Exception {
        try (Harness h = new Harness(tmp, 0)) {
            FederatedRun.RoundStats st = runRound(h, Role.MISBEHAVING, Role.HONEST, Role.HONEST);
            List<String> refused = h.clientNotes.stream().filter(n -> !n.contains("plain update is refused")).toList();
            assertEquals(3, refused.size(), refused.toString());
            assertTrue(refused.get(0).startsWith("malformed Send body"), refused.get(0));
            assertTrue(refused.get(1).contains("wire version 99"), refused.get(1));
            assertTrue(refused.get(2).contains("AdvertiseKeys after its stage closed") || refused.get(2).contains("replayed AdvertiseKeys"), refused.get(2));
            for (String r : refused)
                assertTrue(h.log.stream().anyMatch(l -> l.contains("alice: secure aggregation message refused: " + r)), r + "\n" + h.log);
            assertArrayEquals(new int[]{0, 1, 2}, st.included());
            assertClose(weightedMean(h.sent, 0, 1, 2), h.run.snapshot().adapter());
        }
    }
}
