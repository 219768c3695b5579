package io.fedbiot.method;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fedbiot.method.ExperimentConfig.PartitionScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ExperimentConfigTest {
    static final String MINIMAL = """
            model: m.bin
            data:
              client: {path: c.jsonl}
              public: {path: p.json}
            """;

    @TempDir
    Path tmp;

    private ExperimentConfig load(String yaml, String... sets) throws IOException {
        return ConfigFiles.load(tmp, yaml, sets);
    }

    /** The problems of a config that must fail, joined. */
    private String fails(String yaml, String... sets) {
        return String.join("\n", ConfigFiles.failure(tmp, yaml, sets).problems());
    }

    @Test
    void minimalConfigGetsEveryDefault() throws IOException {
        ExperimentConfig c = load(MINIMAL);
        ExperimentConfig d = ExperimentConfig.defaults();
        assertEquals(Path.of("m.bin"), c.model());
        assertNull(c.tokenizer());
        assertEquals(Path.of("c.jsonl"), c.data().client().path());
        assertEquals(io.fedbiot.data.DataFormat.GSM8K, c.data().client().format());
        assertEquals(io.fedbiot.data.DataFormat.ALPACA, c.data().publicSet().format());
        assertEquals(new ExperimentConfig.Lora(8, 16, 0.05, List.of("wq", "wv")), c.lora());
        assertEquals(2.0, c.lora().scale());
        assertEquals(List.of(0.9, 0.95), c.betas());
        assertEquals(new PartitionScheme.Iid(), c.partition().by());
        assertNull(c.partition().sample(), "all clients by default");
        assertEquals(3, c.partition().clientCount(8));
        assertEquals(List.of("fedbiot"), c.methods());
        assertTrue(c.maskPaddingInAlignment());
        // Everything not given equals the defaults.
        assertEquals(d.rounds(), c.rounds());
        assertEquals(d.eval(), c.eval());
        assertEquals(d.seeds(), c.seeds());
        assertEquals(d.output(), c.output());
        assertEquals(d.data().cache(), c.data().cache());
    }

    @Test
    void overridesApplyBeforeBinding() throws IOException {
        ExperimentConfig c = load(MINIMAL + "rounds: 7\nlora: {rank: 4}\n",
                "rounds=3", "lora.targets=[wq,wk]", "partition.by=field:category", "methods=[fedbiot, offsite-tuning]",
                "lr_client=3e-5", "eval.gsm8k_exact_match=false", "tokenizer=t.model", "partition.sample=2",
                "partition.clients=4", "seeds=[1,2,3]", "data.client.format=dolly");
        assertEquals(3, c.rounds());
        assertEquals(4, c.lora().rank(), "a section's other keys survive an override of one key");
        assertEquals(List.of("wq", "wk"), c.lora().targets());
        assertEquals(new PartitionScheme.ByField("category"), c.partition().by());
        assertEquals(List.of("fedbiot", "offsite-tuning"), c.methods());
        assertEquals(3e-5, c.lrClient());
        assertFalse(c.eval().gsm8kExactMatch());
        assertEquals(Path.of("t.model"), c.tokenizer());
        assertEquals(2, c.partition().sample());
        assertEquals(List.of(1L, 2L, 3L), c.seeds());
        assertEquals(io.fedbiot.data.DataFormat.DOLLY, c.data().client().format());

        ExperimentConfig d = load(MINIMAL, "partition.by=dirichlet:0.5:category", "tokenizer=~");
        assertEquals(new PartitionScheme.Dirichlet(0.5, "category"), d.partition().by());
        assertNull(d.tokenizer());
    }

    @Test
    void unknownKeysAreErrors() {
        String p = fails(MINIMAL + "lora: {rnak: 4}\n");
        assertTrue(p.contains("unknown key 'lora.rnak' (did you mean 'lora.rank'?)"), p);
        p = fails(MINIMAL, "local_step=3");
        assertTrue(p.contains("unknown key 'local_step' (did you mean 'local_steps'?)"), p);
        p = fails(MINIMAL + "colour: blue\n");
        assertTrue(p.contains("unknown key 'colour'"), p);
        p = fails(MINIMAL, "rounds.x=1");
        assertTrue(p.contains("rounds: is a value, not a section"), p);
        p = fails(MINIMAL + "rounds: 3\n", "rounds.x=1");
        assertTrue(p.contains("--set rounds.x=1: rounds is a value, not a section"), p);
        p = fails(MINIMAL, "rounds");
        assertTrue(p.contains("expected key.sub=value"), p);
    }

    @Test
    void wrongTypesNameTheKeyAndValue() {
        assertEquals("rounds: expected an integer, got 'ten'", fails(MINIMAL + "rounds: ten\n"));
        assertEquals("rounds: expected an integer, got 2.5", fails(MINIMAL, "rounds=2.5"));
        assertEquals("lora.targets: expected a list, got 'wq'", fails(MINIMAL, "lora.targets=wq"));
        assertEquals("layerwise_nmse: expected true or false, got 1", fails(MINIMAL, "layerwise_nmse=1"));
        assertTrue(fails(MINIMAL, "lora=8").startsWith("lora: must be a section with keys rank, alpha, dropout, targets"));
        assertTrue(fails(MINIMAL, "rounds=~").startsWith("rounds: must not be null"));
        assertTrue(fails(MINIMAL, "output=[a]").startsWith("output: expected a path"));
        String p = fails(MINIMAL, "data.client.format=csv");
        assertEquals("data.client.format: unknown value 'csv'; use gsm8k, dolly, alpaca, codealpaca, code, tasks", p);
        p = fails(MINIMAL, "methods=[fedbiot, fedavg]");
        assertTrue(p.startsWith("methods[1]: unknown 'fedavg'; use fedbiot, fedot, offsite-tuning, fedlora"), p);
        p = fails(MINIMAL, "partition.by=random");
        assertTrue(p.startsWith("partition.by: unknown partition 'random'"), p);
    }

    @Test
    void outOfRangeValuesAreAllReported() {
        String p = fails(MINIMAL, "beta=1.0", "lora.rank=0", "lora.dropout=1", "lora.targets=[wq,wz]", "rounds=0",
                "partition.clients=2", "partition.sample=3", "betas=[0.9]", "seeds=[1,1]", "eval.heldout_fraction=0",
                "partition.by=dirichlet:-1:category", "methods=[]");
        // The partition scheme fails while binding, before the range checks; check it on its own.
        assertTrue(p.startsWith("partition.by: dirichlet alpha must be > 0, got -1"), p);
        p = fails(MINIMAL, "beta=1.0", "lora.rank=0", "lora.dropout=1", "lora.targets=[wq,wz]", "rounds=0",
                "partition.clients=2", "partition.sample=3", "betas=[0.9]", "seeds=[1,1]", "eval.heldout_fraction=0", "methods=[]");
        for (String want : new String[]{"beta: must be in [0, 1), got 1.0", "lora.rank: must be >= 1, got 0",
                "lora.dropout: must be in [0, 1), got 1.0", "lora.targets: unknown module 'wz'", "rounds: must be >= 1, got 0",
                "partition.sample: 3 is more than partition.clients 2", "betas: need two values", "seeds: listed twice in [1, 1]",
                "eval.heldout_fraction: must be in (0, 1), got 0.0", "methods: empty"})
            assertTrue(p.contains(want), "missing '" + want + "' in\n" + p);
    }

    @Test
    void requiredPaths() {
        String p = fails("data: {client: {format: dolly}}\n");
        assertTrue(p.contains("model: required"), p);
        assertTrue(p.contains("data.client.path: required"), p);
        assertTrue(p.contains("data.public.path: required for fedbiot's alignment"), p);
        assertDoesNotThrow(() -> load("model: m\ndata: {client: {path: c}}\nmethods: [fedlora]\n"), "no alignment, no public data");
    }

    @Test
    void badYamlAndEmptyFile() {
        assertTrue(fails("rounds: [1,\n").startsWith("not valid YAML"));
        assertTrue(fails("- a\n- b\n").startsWith("the top level must be a mapping"));
        String p = fails("");
        assertTrue(p.contains("model: required"), p);
    }

    @Test
    void theExampleLoadsAndSetsAndDocumentsEveryKey() throws IOException {
        Path example = Path.of("").toAbsolutePath().getParent().resolve("configs/example.yaml");
        assertTrue(Files.isRegularFile(example), "missing " + example);
        ExperimentConfig c = ExperimentConfig.load(example, List.of());
        assertEquals(List.of("fedbiot", "fedot"), c.methods());
        assertEquals(List.of(0L, 1L, 2L), c.seeds());
        assertEquals(Path.of("runs/example"), c.output());
        assertEquals(1e-4, c.lrClient());

        // Every key the config knows is spelled out in the example, with a comment above or beside it.
        JsonNode written = new YAMLMapper().readTree(example.toFile());
        List<String> lines = Files.readAllLines(example);
        List<String> missing = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        collectKeys(ExperimentConfigLoader.defaultsTree(), "", keys);
        for (String key : keys) {
            JsonNode at = written;
            for (String part : key.split("\\.")) at = at == null ? null : at.get(part);
            if (at == null) missing.add(key + " (not set)");
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().startsWith(leaf + ":") && !(lines.get(i).contains("#") || lines.get(i - 1).strip().startsWith("#")))
                    missing.add(key + " (no comment)");
            }
        }
        assertTrue(missing.isEmpty(), "example.yaml lacks: " + missing);
        assertTrue(keys.size() > 35, "keys: " + keys);
    }

    private static void collectKeys(JsonNode n, String prefix, List<String> out) {
        n.properties().forEach(e -> {
            if (e.getValue().isObject()) collectKeys(e.getValue(), prefix + e.getKey() + ".", out);
            else out.add(prefix + e.getKey());
        });
    }
}
