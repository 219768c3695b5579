package io.fedbiot.method;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** ExperimentConfig.toYaml (the report's config echo) reads back through the loader to an equal config. */
class ConfigYamlTest {
    @TempDir
    Path tmp;

    private ExperimentConfig roundTrip(ExperimentConfig c) throws IOException {
        Path f = tmp.resolve("echo.yaml");
        Files.writeString(f, c.toYaml());
        return ExperimentConfig.load(f, List.of());
    }

    @Test
    void everyShippedConfigRoundTrips() throws IOException {
        List<Path> configs;
        try (Stream<Path> s = Files.list(Path.of("../configs"))) {
            configs = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(configs.isEmpty(), "no configs/*.yaml found from " + Path.of("").toAbsolutePath());
        for (Path p : configs) {
            ExperimentConfig c = ExperimentConfig.load(p, List.of());
            assertEquals(c, roundTrip(c), p.toString());
        }
    }

    @Test
    void overriddenAndUnusualValuesRoundTrip() throws IOException {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, ExperimentConfigTest.MINIMAL);
        ExperimentConfig c = ExperimentConfig.load(f, List.of("partition.by=dirichlet:0.25:category", "partition.clients=7",
                "partition.sample=3", "methods=[fedbiot, offsite-tuning, fedlora]", "lora.targets=[q_proj, w2]", "tokenizer=tok dir/t.model",
                "seeds=[3, -1]", "lr_client=3.0e-05", "output='runs/with: colon'", "eval.gsm8k_exact_match=false", "data.public.format=dolly"));
        ExperimentConfig back = roundTrip(c);
        assertEquals(c, back);
        assertEquals(List.of("wq", "w2"), back.lora().targets(), "stored under our names");
        assertEquals("dirichlet:0.25:category", back.partition().by().key());
        String yaml = c.toYaml();
        assertTrue(yaml.contains("offsite-tuning"), yaml);
        assertTrue(yaml.contains("lr_client:"), "snake_case keys as in the YAML the user writes: " + yaml);
    }

    @Test
    void theDefaultsWithTheTwoRequiredKeysRoundTrip() throws IOException {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, ExperimentConfigTest.MINIMAL);
        ExperimentConfig c = ExperimentConfig.load(f, List.of());
        assertEquals(c, roundTrip(c));
        assertNotEquals(c, roundTrip(ExperimentConfig.load(f, List.of("rounds=7"))), "a changed key survives the echo");
    }
}
