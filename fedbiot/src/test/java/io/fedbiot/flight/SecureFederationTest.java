package io.fedbiot.flight;

import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.method.ExperimentConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole Flight runtime in one JVM: a {@link FederationServer} and three
 * {@link FederationClient} threads (each training on its own data, as a client process would)
 * over 127.0.0.1, with secure aggregation off and on, same seed.
 */
class SecureFederationTest {
    private static final int ROUNDS = 2;

    @TempDir
    Path tmp;

    private record Run(float[] adapter, List<String> serverLog, List<String> clientLog) {}

    private static Run run(FlightFixture f, Path state, boolean secure) throws Exception {
        List<String> sets = new ArrayList<>(List.of("data.cache=" + f.dir.resolve("cache-ref"), "data.client.path=" + f.dir.resolve("client0.json"),
                "data.public.path=" + f.dir.resolve("public.json")));
        if (secure) sets.add("secure_aggregation=true");
        ExperimentConfig cfg = ExperimentConfig.load(f.config, sets);
        List<String> serverLog = new CopyOnWriteArrayList<>(), clientLog = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
        FederationServer server = new FederationServer(cfg, TokenTable.load(f.tokens), ServerOptions.loopback(3, Duration.ofSeconds(60)),
                state, true, line -> {
            serverLog.add(line);
            Matcher m = listening.matcher(line);
            if (m.find()) port.complete(Integer.parseInt(m.group(1)));
        });
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            Future<FederationServer.Result> srv = pool.submit(server::run);
            int p = port.get(60, TimeUnit.SECONDS);
            List<Future<FederationClient.Summary>> clients = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                var o = new FederationClient.Options(new Endpoint("127.0.0.1", p), FlightFixture.TOKENS[k], null, f.dir.resolve("client" + k + ".json"),
                        null, FlightFixture.shared("models/tok512.bin"), f.dir.resolve("cache-" + FlightFixture.NAMES[k]), Duration.ofSeconds(30));
                String name = FlightFixture.NAMES[k];
                clients.add(pool.submit(() -> new FederationClient(o, line -> clientLog.add(name + ": " + line)).run()));
            }
            FederationServer.Result r = srv.get(180, TimeUnit.SECONDS);
            for (var c : clients) assertEquals(ROUNDS, c.get(60, TimeUnit.SECONDS).accepted(), () -> String.join("\n", clientLog));
            return new Run(r.adapter(), serverLog, clientLog);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void secureAggregationOverFlightGivesThePlainRunsAdapterWithinThePrecision() throws Exception {
        FlightFixture f = new FlightFixture(tmp, ROUNDS);
        Run plain = run(f, tmp.resolve("plain"), false);
        Run secure = run(f, tmp.resolve("secure"), true);
        assertEquals(plain.adapter().length, secure.adapter().length);
        double worst = 0, size = 0;
        for (int i = 0; i < plain.adapter().length; i++) {
            worst = Math.max(worst, Math.abs(plain.adapter()[i] - secure.adapter()[i]));
            size = Math.max(size, Math.abs(plain.adapter()[i]));
        }
        // 2^-25 per round from the fixed point (f = 24), carried through one more round of training.
        assertTrue(worst < 1e-6, "secure and plain adapters differ by " + worst);
        assertTrue(size > 1e-3, "the adapter did not move: nothing was compared");
        for (int t = 0; t < ROUNDS; t++) {
            String want = "round " + t + ": secure sum of 3 of 3 masked inputs";
            assertTrue(secure.serverLog().stream().anyMatch(l -> l.startsWith(want)), want + "\n" + String.join("\n", secure.serverLog()));
        }
        assertTrue(plain.serverLog().stream().noneMatch(l -> l.contains("secure")), String.join("\n", plain.serverLog()));
        assertEquals(3 * ROUNDS, secure.clientLog().stream().filter(l -> l.contains("masked update in the secure sum")).count());
    }

    @Test
    void aThresholdAboveTheClientsIsRefusedBeforeAnyWork() throws Exception {
        FlightFixture f = new FlightFixture(tmp, 1);
        ExperimentConfig cfg = ExperimentConfig.load(f.config, List.of("secure_aggregation=true", "secure_aggregation_threshold=4"));
        ExperimentConfigException e = assertThrows(ExperimentConfigException.class,
                () -> FederationServer.refuseSecureAggregation(cfg, 3, "fed.yaml"));
        assertTrue(e.getMessage().contains("secure_aggregation_threshold: 4 is more than the 3 clients per round (the token table (3 clients))"), e.getMessage());
        FederationServer.refuseSecureAggregation(ExperimentConfig.load(f.config, List.of("secure_aggregation=true")), 3, "fed.yaml");
    }
}
