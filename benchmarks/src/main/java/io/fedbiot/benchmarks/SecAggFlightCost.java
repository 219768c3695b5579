package io.fedbiot.benchmarks;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.DataFormat;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.kernels.Backends;
import io.fedbiot.flight.Endpoint;
import io.fedbiot.flight.FederationChannel;
import io.fedbiot.flight.FlightTransport;
import io.fedbiot.flight.SecAggSession;
import io.fedbiot.flight.ServerOptions;
import io.fedbiot.flight.TensorReader;
import io.fedbiot.flight.TokenTable;
import io.fedbiot.flight.Wire;
import io.fedbiot.flight.WireTensor;
import io.fedbiot.method.ClientPackage;
import io.fedbiot.method.ClientTrainer;
import io.fedbiot.method.ClientUpdate;
import io.fedbiot.method.Method;
import io.fedbiot.method.RoundPayload;
import io.fedbiot.method.Split;
import io.fedbiot.method.Transport;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * One Flight round on 127.0.0.1, plain against secure aggregation, for 4, 16 and 64 clients:
 * every client is a thread of this JVM with its own Flight connection (no training: it sends a
 * fixed update of the stories260K FedBiOT adapter's size, so the round is the wire and the
 * protocol only). Time is the server's round, from opening it to the mean; bytes are payloads
 * per client. Repeats interleave the settings; median and min..max are printed as a Markdown
 * table. Args: [SHARED_DIR (default ../shared)] [REPEATS (default 3)].
 */
public final class SecAggFlightCost {
    private static final int[] SIZES = {4, 16, 64};
    private static final int MAX = 64;

    private SecAggFlightCost() {}

    public static void main(String[] args) throws Exception {
        Path shared = Path.of(args.length > 0 ? args[0] : "../shared").resolve("data");
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path tmp = Files.createTempDirectory("fedbiot-secagg-flight");
        StringBuilder tokens = new StringBuilder();
        for (int k = 0; k < MAX; k++) tokens.append("c").append(k).append(' ').append(token(k)).append('\n');
        try (Checkpoint ck = Checkpoint.load(shared.resolve("models/stories260K.bin"));
             FlightTransport ft = new FlightTransport(TokenTable.load(Files.writeString(tmp.resolve("tokens.txt"), tokens)),
                     ServerOptions.loopback(1, Duration.ofSeconds(300)),
                     new FlightTransport.DataSettings(2, 64, DataFormat.ALPACA, BadRowPolicy.SKIP, 0), line -> {})) {
            Split split = Split.of(Method.FEDBIOT, ck.config().nLayers(), 2, 0.2);
            ClientPackage pkg = ClientPackage.of(ck.weights(), split, LoraConfig.defaults());
            ft.deliver(0, pkg);
            int length;
            try (Arena a = Arena.ofConfined()) { // the flat block the round loop holds, alignment padding included
                length = Math.toIntExact(LoraSet.empty(ck.config(), LoraConfig.defaults(), split.adapter(), Backends.java(), a).params().flat().numel());
            }
            float[] adapter = new float[length];
            float[][] updates = new float[MAX][length];
            Random r = new Random(7);
            for (float[] u : updates) for (int i = 0; i < length; i++) u[i] = (float) (0.01 * r.nextGaussian());
            List<Thread> clients = new ArrayList<>();
            for (int k = 0; k < MAX; k++) {
                int id = k;
                clients.add(Thread.ofPlatform().daemon().start(() -> client(ft.port(), id, updates[id])));
            }
            ClientTrainer.Settings cs = new ClientTrainer.Settings(1, 1e-3f, 0.9f, 0.95f, 0f, 0f);
            int round = 0;
            // [size][plain|secure][repeat]: seconds, and bytes up and down per client
            double[][][] sec = new double[SIZES.length][2][repeats];
            long[][] up = new long[SIZES.length][2], down = new long[SIZES.length][2];
            for (int rep = -1; rep < repeats; rep++) // rep -1: warm-up
                for (int s = 0; s < SIZES.length; s++)
                    for (int mode = 0; mode < 2; mode++) {
                        int n = SIZES[s];
                        int[] sel = java.util.stream.IntStream.range(0, n).toArray();
                        List<RoundPayload> p = new ArrayList<>();
                        for (int k = 0; k < n; k++) p.add(new RoundPayload(round, adapter, null, cs, k));
                        long t0 = System.nanoTime();
                        long payload = 4L * length; // the adapter, down to each client
                        if (mode == 0) {
                            List<ClientUpdate> got = ft.roundAll(sel, p);
                            if (got.size() != n) throw new IllegalStateException("plain round " + round + ": " + got.size() + " of " + n);
                            up[s][0] = 4L * length;
                            down[s][0] = payload;
                        } else {
                            Transport.SecureResult res = ft.roundSecure(sel, p, 0, 24);
                            if (res.mean() == null || res.included().size() != n)
                                throw new IllegalStateException("secure round " + round + ": " + res.failure());
                            up[s][1] = res.bytesUp() / n;
                            down[s][1] = payload + res.bytesDown() / n;
                        }
                        if (rep >= 0) sec[s][mode][rep] = (System.nanoTime() - t0) / 1e9;
                        round++;
                    }
            ft.finish(Duration.ofSeconds(5));
            for (Thread t : clients) t.join(10_000);
            System.out.printf(Locale.ROOT, "adapter values %d (stories260K, FedBiOT a=2, LoRA r=8 on wq, wv); %d repeats, median (min..max)%n%n",
                    length, repeats);
            System.out.println("| clients | t | plain up/client (B) | secure up/client (B) | plain down/client (B) | secure down/client (B) | plain round ms | secure round ms | secure / plain |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (int s = 0; s < SIZES.length; s++) {
                double pm = median(sec[s][0]), sm = median(sec[s][1]);
                System.out.printf(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %s | %s | %.1f× |%n", SIZES[s], Math.max(2, SIZES[s] / 2 + 1),
                        up[s][0], up[s][1], down[s][0], down[s][1], spread(sec[s][0]), spread(sec[s][1]), sm / pm);
            }
        }
    }

    private static String token(int k) {
        return String.format(Locale.ROOT, "bench-token-%04d-0123456789", k);
    }

    /** Polls for rounds; uploads {@code update} plainly, or through secure aggregation when the round says so. */
    private static void client(int port, int id, float[] update) {
        try (FederationChannel ch = new FederationChannel(new Endpoint("127.0.0.1", port), token(id), null)) {
            SecureRandom rnd = new SecureRandom();
            while (true) {
                TensorReader.Read r = ch.fetchWork(null);
                Wire.Work w = Wire.parse(r.header(), Wire.Work.class, "work");
                if ("done".equals(w.kind())) return;
                if (!"round".equals(w.kind())) continue;
                Wire.Upload counters = new Wire.Upload(w.round(), 4, 0, 1.0, 1, 1);
                if (w.secure() != null) new SecAggSession(ch::action, id, w.round(), w.secure(), rnd).run(update, counters);
                else {
                    List<WireTensor> a = r.tensors().stream().filter(x -> x.name().startsWith(Wire.ADAPTER)).toList();
                    ch.upload(counters, a);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("client " + id + ": " + e.getMessage(), e);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f (%.1f..%.1f)", 1e3 * median(v), 1e3 * s[0], 1e3 * s[s.length - 1]);
    }
}
