package io.fedbiot.benchmarks;

import io.fedbiot.flight.Endpoint;
import io.fedbiot.flight.FederationChannel;
import io.fedbiot.flight.TensorReader;
import io.fedbiot.flight.TensorWriter;
import io.fedbiot.flight.WireTensor;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.openjdk.jmh.annotations.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Loopback throughput of the federation's tensor streams for a 100 MiB tensor set (25 tensors of
 * 1024 × 1024 float32): broadcast = a client's {@link FederationChannel#fetchPackage()} of the set,
 * upload = its {@link FederationChannel#upload}; both through the protocol's own
 * {@link TensorWriter}/{@link TensorReader} (record batches of 4 MiB, checked on arrival).
 * GB/s = 104857600 B / (ms/op · 10⁶).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class FlightTransferBenchmark {
    static final int TENSORS = 25, ROWS = 1024, COLS = 1024;

    private BufferAllocator alloc;
    private FlightServer server;
    private FederationChannel channel;
    private List<WireTensor> set;

    @Setup
    public void setup() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        set = new ArrayList<>();
        for (int i = 0; i < TENSORS; i++) {
            float[] v = new float[ROWS * COLS];
            for (int j = 0; j < v.length; j++) v[j] = (float) r.nextGaussian();
            set.add(new WireTensor("layers." + i + ".w", new int[]{ROWS, COLS}, v));
        }
        alloc = new RootAllocator();
        server = FlightServer.builder(alloc, Location.forGrpcInsecure("127.0.0.1", 0), new NoOpFlightProducer() {
            @Override
            public void getStream(CallContext ctx, Ticket t, ServerStreamListener l) {
                try (VectorSchemaRoot root = VectorSchemaRoot.create(TensorWriter.schema(Map.of("kind", "bench")), alloc)) {
                    l.start(root);
                    TensorWriter.write(l, root, alloc, set);
                    l.completed();
                }
            }

            @Override
            public Runnable acceptPut(CallContext ctx, FlightStream s, StreamListener<PutResult> ack) {
                return () -> {
                    TensorReader.read(s, null, Long.MAX_VALUE);
                    ack.onNext(PutResult.empty());
                    ack.onCompleted();
                };
            }
        }).build().start();
        channel = new FederationChannel(new Endpoint("127.0.0.1", server.getPort()), "bench-token-0123456789", null);
    }

    @TearDown
    public void tearDown() throws Exception {
        channel.close();
        server.close();
        alloc.close();
    }

    @Benchmark
    public long broadcast() {
        return channel.fetchPackage().bytes();
    }

    @Benchmark
    public void upload() {
        channel.upload(Map.of("kind", "bench"), set);
    }
}
