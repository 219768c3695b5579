package io.fedbiot.flight;

import io.fedbiot.engine.Tensor;
import io.fedbiot.method.FederatedRun;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** The protocol against an in-JVM server: authentication, upload validation, what is sent, TLS. */
class FlightProtocolTest {
    @TempDir
    Path tmp;

    @Test
    void unknownOrMissingTokenIsRefusedBeforeAnyModelByte() throws Exception {
        try (ProtocolHarness h = new ProtocolHarness(tmp, Duration.ofSeconds(30), null, null)) {
            try (FederationChannel bad = new FederationChannel(h.endpoint(), "not-a-listed-token-000", null)) {
                FlightRuntimeException e = assertThrows(FlightRuntimeException.class, bad::fetchPackage);
                assertEquals(FlightStatusCode.UNAUTHENTICATED, e.status().code());
                e = assertThrows(FlightRuntimeException.class, () -> bad.upload(new Wire.Upload(0, 1, 0, 0, 0, 0), List.of()));
                assertEquals(FlightStatusCode.UNAUTHENTICATED, e.status().code());
            }
            try (RootAllocator a = new RootAllocator();
                 FlightClient raw = FlightClient.builder(a, Location.forGrpcInsecure("127.0.0.1", h.transport.port())).build()) {
                // no credentials at all: the stream ends before its schema, so not one batch is read
                FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> {
                    try (var s = raw.getStream(new Ticket("package".getBytes(StandardCharsets.UTF_8)))) {
                        s.getSchema();
                        fail("a schema arrived without a token");
                    }
                });
                assertEquals(FlightStatusCode.UNAUTHENTICATED, e.status().code());
            }
            assertTrue(h.log.contains("refused a call: unknown token"), h.log.toString());
            assertTrue(h.log.contains("refused a call: no bearer token"), h.log.toString());
            for (String line : h.log) assertFalse(line.contains("not-a-listed-token-000") || line.contains(ProtocolHarness.ALICE), line);
        }
    }

    @Test
    void malformedUploadsAreRefusedWithAReasonAndLeaveTheRoundAlone() throws Exception {
        try (ProtocolHarness h = new ProtocolHarness(tmp, Duration.ofSeconds(60), null, null);
             FederationChannel alice = new FederationChannel(h.endpoint(), ProtocolHarness.ALICE, null);
             FederationChannel bob = new FederationChannel(h.endpoint(), ProtocolHarness.BOB, null)) {
            alice.fetchPackage();
            bob.fetchPackage(); // both connected: the quorum of two is there
            Future<FederatedRun.RoundStats> round = h.startRound();
            TensorReader.Read aw = ProtocolHarness.awaitRound(alice);
            TensorReader.Read bw = ProtocolHarness.awaitRound(bob);
            List<WireTensor> adapterA = adapterPart(aw), adapterB = adapterPart(bw);
            // honest updates: alice sends the adapter + 0.5, bob the adapter - 0.25, with 1 and 3 samples
            List<WireTensor> goodA = map(adapterA, v -> v + 0.5f), goodB = map(adapterB, v -> v - 0.25f);
            Wire.Upload ok = new Wire.Upload(0, 3, 0, 1.0, 10, 5);

            WireTensor first = goodB.get(0);
            List<WireTensor> unknown = new ArrayList<>(goodB);
            unknown.add(new WireTensor("adapter/layers.1.attention.wq.lora_A", first.shape(), first.values()));
            refused(bob, ok, unknown, "unknown tensor 'adapter/layers.1.attention.wq.lora_A'", h);
            List<WireTensor> reshaped = new ArrayList<>(goodB);
            int[] sh = first.shape();
            reshaped.set(0, new WireTensor(first.name(), new int[]{sh[1], sh[0]}, first.values()));
            refused(bob, ok, reshaped, "has shape", h);
            List<WireTensor> withNaN = new ArrayList<>(goodB);
            float[] nan = first.values().clone();
            nan[3] = Float.NaN;
            withNaN.set(0, new WireTensor(first.name(), first.shape(), nan));
            refused(bob, ok, withNaN, "non-finite value (NaN) at 3", h);
            float[] inf = first.values().clone();
            inf[0] = Float.POSITIVE_INFINITY;
            withNaN.set(0, new WireTensor(first.name(), first.shape(), inf));
            refused(bob, ok, withNaN, "non-finite value (Infinity) at 0", h);
            refused(bob, new Wire.Upload(0, 0, 0, 1.0, 10, 5), goodB, "sample count must be positive, got 0", h);
            refused(bob, new Wire.Upload(0, -2, 0, 1.0, 10, 5), goodB, "sample count must be positive, got -2", h);
            refused(bob, new Wire.Upload(4, 3, 0, 1.0, 10, 5), goodB, "round 4 is not the current one (0)", h);
            refused(bob, ok, goodB.subList(1, goodB.size()), "tensor '" + first.name() + "' missing", h);
            List<WireTensor> twice = new ArrayList<>(goodB);
            twice.add(first);
            refused(bob, ok, twice, "chunk at offset 0, expected " + first.values().length, h);
            List<WireTensor> huge = new ArrayList<>(goodB);
            huge.add(0, new WireTensor("adapter/padding", new int[]{400_000}, new float[400_000]));
            refused(bob, ok, huge, "message over the size limit", h);
            refusedFloat64(h, goodB.get(0));

            assertFalse(round.isDone(), "refused uploads do not close the round");
            alice.upload(new Wire.Upload(0, 1, 0, 2.0, 10, 5), goodA);
            bob.upload(ok, goodB);
            FederatedRun.RoundStats st = round.get(60, TimeUnit.SECONDS);
            assertArrayEquals(new int[]{0, 1}, st.included());
            // FedAvg of the two accepted updates only (weights 1/4 and 3/4), against float64
            Map<String, Tensor> avg = h.run.adapter().params().named();
            for (int i = 0; i < goodA.size(); i++) {
                float[] got = avg.get(goodA.get(i).name().substring(Wire.ADAPTER.length())).toFloatArray();
                for (int j = 0; j < got.length; j++) {
                    double want = 0.25 * goodA.get(i).values()[j] + 0.75 * goodB.get(i).values()[j];
                    assertEquals(want, got[j], 1e-6 * Math.max(1, Math.abs(want)), goodA.get(i).name() + "[" + j + "]");
                }
            }
            assertEquals(2.0 * 0.5 + 1.0 * 0.5, st.clientLoss(), 1e-12, "mean of the accepted updates' losses");
            refused(bob, ok, goodB, "round 0 is not open for this client", h);
        }
    }

    private static void refused(FederationChannel ch, Wire.Upload up, List<WireTensor> ts, String reason, ProtocolHarness h) {
        FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> ch.upload(up, ts), reason);
        assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), reason);
        assertTrue(e.status().description().contains(reason), e.status().description() + " should say " + reason);
        assertTrue(h.log.stream().anyMatch(l -> l.startsWith("client bob: upload refused: ") && l.contains(reason)), h.log.toString());
    }

    /** A float64 column where float32 is expected. */
    private static void refusedFloat64(ProtocolHarness h, WireTensor t) {
        Field f = new Field("values", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null);
        Schema schema = new Schema(List.of(f), Map.of(Wire.KEY, Wire.json(new Wire.Upload(0, 3, 0, 1, 1, 1))));
        try (RootAllocator a = new RootAllocator();
             FlightClient raw = FlightClient.builder(a, Location.forGrpcInsecure("127.0.0.1", h.transport.port())).build();
             VectorSchemaRoot root = VectorSchemaRoot.create(schema, a);
             SyncPutListener ack = new SyncPutListener()) {
            var out = raw.startPut(FlightDescriptor.path("update"), root, ack, new CredentialCallOption(new BearerCredentialWriter(ProtocolHarness.BOB)));
            Float8Vector v = (Float8Vector) root.getVector(0);
            v.allocateNew(t.values().length);
            for (int i = 0; i < t.values().length; i++) v.set(i, t.values()[i]);
            v.setValueCount(t.values().length);
            root.setRowCount(t.values().length);
            byte[] meta = Wire.bytes(new Wire.Chunk(t.name(), t.shape(), 0));
            ArrowBuf mb = a.buffer(meta.length);
            mb.writeBytes(meta);
            out.putNext(mb);
            out.completed();
            FlightRuntimeException e = assertThrows(FlightRuntimeException.class, out::getResult);
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
            assertTrue(e.status().description().contains("expected float32"), e.status().description());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static List<WireTensor> adapterPart(TensorReader.Read work) {
        return work.tensors().stream().filter(t -> t.name().startsWith(Wire.ADAPTER)).toList();
    }

    private static List<WireTensor> map(List<WireTensor> ts, UnaryOperator<Float> f) {
        List<WireTensor> out = new ArrayList<>();
        for (WireTensor t : ts) {
            float[] v = t.values().clone();
            for (int i = 0; i < v.length; i++) v[i] = f.apply(v[i]);
            out.add(new WireTensor(t.name(), t.shape(), v));
        }
        return out;
    }

    @Test
    void noTensorSentIsATeacherOnlyLayer() throws Exception {
        try (ProtocolHarness h = new ProtocolHarness(tmp, Duration.ofSeconds(60), null, null);
             FederationChannel alice = new FederationChannel(h.endpoint(), ProtocolHarness.ALICE, null);
             FederationChannel bob = new FederationChannel(h.endpoint(), ProtocolHarness.BOB, null)) {
            int[] teacherOnly = java.util.stream.IntStream.range(h.split.teacherFrom(), h.split.teacherTo()).filter(l -> java.util.Arrays.stream(h.split.kept()).noneMatch(k -> k == l)).toArray();
            assertArrayEquals(new int[]{1}, teacherOnly, "stories260K (L=5), a=2, β=0.2 keeps teacher layers 0 and 2");
            // everything that crosses the wire to a client during a round, hashed
            List<TensorReader.Read> received = new ArrayList<>();
            received.add(alice.fetchPackage());
            bob.fetchPackage();
            Future<FederatedRun.RoundStats> round = h.startRound();
            TensorReader.Read work = ProtocolHarness.awaitRound(alice);
            received.add(work);
            ProtocolHarness.awaitRound(bob);
            alice.upload(new Wire.Upload(0, 1, 0, 1, 1, 1), adapterPart(work));
            bob.upload(new Wire.Upload(0, 1, 0, 1, 1, 1), adapterPart(work));
            round.get(60, TimeUnit.SECONDS);
            Set<String> sent = new HashSet<>();
            for (TensorReader.Read r : received) for (WireTensor t : r.tensors()) sent.add(WireTensor.sha256(t.values()));
            // the full model's tensors, by layer; hashes shared with a layer a client may have do not count
            Set<String> allowed = new HashSet<>(), secret = new HashSet<>();
            for (var e : h.ck.weights().toTensors().entrySet()) {
                String hash = WireTensor.sha256(e.getValue().toFloatArray());
                if (e.getKey().startsWith("layers.1.")) secret.add(hash);
                else allowed.add(hash);
            }
            secret.removeAll(allowed);
            assertEquals(9, secret.size(), "every tensor of layer 1 is distinct from the layers clients get");
            for (String s : secret) assertFalse(sent.contains(s), "a teacher-only tensor of layer 1 was sent");
            assertTrue(sent.containsAll(allowedOf(h, new int[]{0, 2, 3, 4})), "the compressed model's layers were sent");
        }
    }

    private static Set<String> allowedOf(ProtocolHarness h, int[] layers) {
        Set<String> s = new HashSet<>();
        for (int l : layers) for (Tensor t : layerTensors(h, l)) s.add(WireTensor.sha256(t.toFloatArray()));
        return s;
    }

    private static List<Tensor> layerTensors(ProtocolHarness h, int l) {
        var w = h.ck.weights().layer(l);
        return List.of(w.attentionNorm(), w.wq(), w.wk(), w.wv(), w.wo(), w.ffnNorm(), w.w1(), w.w2(), w.w3());
    }

    @Test
    void tlsWithAGeneratedCertificate() throws Exception {
        SelfSignedCert cert = SelfSignedCert.write(tmp, "127.0.0.1");
        try (ProtocolHarness h = new ProtocolHarness(tmp, Duration.ofSeconds(30), cert.cert(), cert.key())) {
            assertTrue(h.log.stream().anyMatch(l -> l.contains("(TLS)")), h.log.toString());
            try (FederationChannel ch = new FederationChannel(h.endpoint(), ProtocolHarness.ALICE, cert.cert())) {
                TensorReader.Read p = ch.fetchPackage();
                assertTrue(p.tensors().size() > 10);
            }
            try (FederationChannel wrong = new FederationChannel(h.endpoint(), "not-a-listed-token-000", cert.cert())) {
                assertEquals(FlightStatusCode.UNAUTHENTICATED, assertThrows(FlightRuntimeException.class, wrong::fetchPackage).status().code());
            }
            try (FederationChannel plain = new FederationChannel(h.endpoint(), ProtocolHarness.ALICE, null)) {
                FlightRuntimeException e = assertThrows(FlightRuntimeException.class, plain::fetchPackage, "plaintext to a TLS server");
                assertNotEquals(FlightStatusCode.OK, e.status().code());
            }
        }
    }
}
