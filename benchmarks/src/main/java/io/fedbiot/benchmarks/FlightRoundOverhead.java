package io.fedbiot.benchmarks;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.Batcher;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.Partitioners;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.flight.Endpoint;
import io.fedbiot.flight.FederationChannel;
import io.fedbiot.flight.FlightTransport;
import io.fedbiot.flight.ServerOptions;
import io.fedbiot.flight.TokenTable;
import io.fedbiot.flight.TensorReader;
import io.fedbiot.flight.Wire;
import io.fedbiot.method.Alignment;
import io.fedbiot.method.ClientPackage;
import io.fedbiot.method.ClientTrainer;
import io.fedbiot.method.FedClient;
import io.fedbiot.method.FederatedRun;
import io.fedbiot.method.InProcessTransport;
import io.fedbiot.method.Method;
import io.fedbiot.method.RoundPayload;
import io.fedbiot.method.Split;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Per-round cost of the Flight transport next to the round's compute, on stories260K with a
 * demo-sized FedBiOT setting (3 clients of GSM8K rows, a=2, β=0.2, LoRA r=8 on wq/wv,
 * {@code local_steps} 10 of batch 4, 5 alignment steps).
 * compute: the in-process round's wall time (alignment + the 3 clients' training, rounds 1..R-1);
 * transport: a {@link FlightTransport} round with the same payload shapes and 3 loopback clients
 * that upload at once (everything on the wire: payload down, LoRA up, validation, FedAvg input),
 * averaged over 20 rounds. Args: [SHARED_DIR] (default ../shared).
 */
public final class FlightRoundOverhead {
    private FlightRoundOverhead() {}

    public static void main(String[] args) throws Exception {
        Path shared = Path.of(args.length > 0 ? args[0] : "../shared").resolve("data");
        Path tmp = Files.createTempDirectory("fedbiot-overhead");
        int rounds = 3, clients = 3;
        try (Checkpoint ck = Checkpoint.load(shared.resolve("models/stories260K.bin"))) {
            Tokenizer tok = Tokenizers.load(shared.resolve("models/tok512.bin"));
            TokenizedDataset gsm = DatasetCache.load(shared.resolve("datasets/gsm8k/train.jsonl"), DataFormat.GSM8K, tok, 256,
                    BadRowPolicy.SKIP, tmp.resolve("cache"));
            TokenizedDataset pub = DatasetCache.load(shared.resolve("datasets/alpaca/alpaca_small.json"), DataFormat.ALPACA, tok, 256,
                    BadRowPolicy.SKIP, tmp.resolve("cache"));
            var parts = Partitioners.iid(IntStream.range(0, 120).toArray(), clients, 1);
            List<FedClient> fc = new ArrayList<>();
            for (int k = 0; k < clients; k++) fc.add(new FedClient(k, new Batcher(gsm, parts.client(k), 4, k)::next));
            Split split = Split.of(Method.FEDBIOT, ck.config().nLayers(), 2, 0.2);
            var s = new FederatedRun.Settings(Method.FEDBIOT, LoraConfig.defaults(), rounds, 0,
                    new ClientTrainer.Settings(10, 1e-4f, 0.9f, 0.95f, 0f, 0f), new Alignment.Settings(5, 1e-4f, 0.9f, 0.95f, 0f, 1f, false, true),
                    0, 1000, 3);
            double compute = 0;
            float[] adapter, emulator;
            try (FederatedRun run = new FederatedRun(ck.weights(), split, s, new InProcessTransport(fc),
                    new Batcher(pub, IntStream.range(0, pub.size()).toArray(), 4, 2)::next, new FederatedRun.EvalData(List.of(), List.of()))) {
                for (int t = 0; t < rounds; t++) {
                    double w = run.round(t).wallSeconds();
                    System.out.printf(Locale.ROOT, "in-process round %d: %.3f s%n", t, w);
                    if (t > 0) compute += w / (rounds - 1);
                }
                adapter = run.snapshot().adapter();
                emulator = run.snapshot().emulator();
            }

            Path tokens = Files.writeString(tmp.resolve("tokens.txt"), "a token-a-0123456789abcdef\nb token-b-0123456789abcdef\nc token-c-0123456789abcdef\n");
            int n = 20;
            double transport;
            try (FlightTransport ft = new FlightTransport(TokenTable.load(tokens), ServerOptions.loopback(clients, Duration.ofSeconds(60)),
                    new FlightTransport.DataSettings(4, 256, DataFormat.GSM8K, BadRowPolicy.SKIP, 0), line -> {})) {
                ft.deliver(0, ClientPackage.of(ck.weights(), split, LoraConfig.defaults()));
                List<Thread> echo = new ArrayList<>();
                for (String t : List.of("token-a-0123456789abcdef", "token-b-0123456789abcdef", "token-c-0123456789abcdef"))
                    echo.add(Thread.ofPlatform().daemon().start(() -> echoClient(ft.port(), t, n + 2)));
                long total = 0;
                for (int t = 0; t < n + 2; t++) {
                    List<RoundPayload> p = new ArrayList<>();
                    for (int k = 0; k < clients; k++) p.add(new RoundPayload(t, adapter, emulator, s.client(), k));
                    long t0 = System.nanoTime();
                    int got = ft.roundAll(new int[]{0, 1, 2}, p).size();
                    if (got != clients) throw new IllegalStateException("round " + t + ": " + got + " updates");
                    if (t >= 2) total += System.nanoTime() - t0; // two warm-up rounds
                }
                transport = total / 1e9 / n;
                ft.finish(Duration.ofSeconds(5));
                for (Thread th : echo) th.join(10_000);
            }
            System.out.printf(Locale.ROOT, "payload down %d B, up %d B per client%n", 4L * (adapter.length + emulator.length), 4L * adapter.length);
            System.out.printf(Locale.ROOT, "compute per round: %.3f s; Flight transport per round: %.2f ms; overhead %.3f%%%n",
                    compute, transport * 1e3, 100 * transport / compute);
        }
    }

    /** Polls for rounds and uploads the adapter it received (no training): the wire's share of a round. */
    private static void echoClient(int port, String token, int rounds) {
        try (FederationChannel ch = new FederationChannel(new Endpoint("127.0.0.1", port), token, null)) {
            int done = 0;
            for (int polls = 0; done < rounds && polls < 10_000; polls++) {
                TensorReader.Read r = ch.fetchWork(null);
                Wire.Work w = Wire.parse(r.header(), Wire.Work.class, "work");
                if ("done".equals(w.kind())) return;
                if (!"round".equals(w.kind())) continue;
                ch.upload(new Wire.Upload(w.round(), 4, 0, 1.0, 1, 1),
                        r.tensors().stream().filter(x -> x.name().startsWith(Wire.ADAPTER)).toList());
                done++;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
