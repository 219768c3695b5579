package io.fedbiot.flight;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.method.ClientPackage;
import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.method.RunPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The package header is the server's plan for each client, and the client reads the same values back. */
class FlightPlanHeaderTest {
    @TempDir
    Path tmp;

    @Test
    void headerCarriesThePlanAndReadsBack() throws Exception {
        FlightFixture fx = new FlightFixture(tmp, 1);
        ExperimentConfig cfg = fx.load();
        TokenTable tokens = TokenTable.load(fx.tokens);
        try (Checkpoint ck = Checkpoint.load(cfg.model())) {
            RunPlan plan = new FederationServer(cfg, tokens, ServerOptions.loopback(1, Duration.ofSeconds(1)), tmp.resolve("state"), true,
                    s -> {}).plan(ck.config());
            RunPlan.MethodRun mr = plan.runs().get(0);
            List<Long> seeds = mr.clientSeeds(tokens.size());
            try (FlightTransport t = new FlightTransport(tokens, ServerOptions.loopback(1, Duration.ofSeconds(1)), plan.data(), mr.seed(), s -> {})) {
                t.deliver(0, ClientPackage.of(ck.weights(), mr.split(), plan.lora()));
                for (int k = 0; k < tokens.size(); k++) {
                    String json = Wire.json(t.packageHeader(k));
                    Wire.Package h = Wire.parse(json, Wire.Package.class, "package");
                    assertEquals(plan.data(), h.dataSettings());
                    assertEquals(seeds.get(k), h.dataSeed());
                    assertEquals(RunPlan.clientSeed(11, k), h.dataSeed());
                    assertEquals(plan.lora(), h.lora());
                    assertArrayEquals(mr.split().adapter(), h.adapterLayers());
                    assertArrayEquals(mr.split().kept(), h.emulatorLayers());
                    // The wire format stays the flat record: no key for the read-back helper.
                    List<String> keys = new ArrayList<>();
                    Wire.JSON.readTree(json).fieldNames().forEachRemaining(keys::add);
                    assertEquals(Arrays.stream(Wire.Package.class.getRecordComponents()).map(c -> c.getName()).toList(), keys);
                }
            }
        }
    }
}
