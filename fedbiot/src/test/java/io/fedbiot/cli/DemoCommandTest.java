package io.fedbiot.cli;

import io.fedbiot.demo.Demo;
import io.fedbiot.engine.io.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** bin/fedbiot demo --quick end to end (structure, not numbers), and bin/fedbiot pretrain's errors and output. */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void quickDemoRunsEveryMethodAndWritesTheReport() throws Exception {
        Path out = tmp.resolve("demo");
        Result r = run("demo", "--quick", "--quiet", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> rows = r.out().lines().filter(l -> l.startsWith("| ")).toList();
        assertEquals(6, rows.size(), r.out()); // header, untuned, four methods
        for (String m : List.of("untuned full model", "FedBiOT", "FedOT", "Offsite-Tuning", "FedLoRA"))
            assertTrue(rows.stream().anyMatch(l -> l.startsWith("| " + m + " |") && l.matches(".*\\d+\\.\\d%.*")), m + " row in\n" + r.out());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("### exact match (`exact_match`) (higher is better)"), report);
        for (String m : List.of("FedBiOT", "FedOT", "Offsite-Tuning", "FedLoRA")) assertTrue(report.contains("| " + m + " |"), m);
        assertTrue(Files.isRegularFile(out.resolve("rounds.csv")));
        assertTrue(Files.isRegularFile(out.resolve("experiment.yaml")));

        // The pretrained model is a real checkpoint with its tokenizer, and a second run reuses it.
        Demo.Plan again = Demo.prepare(out, Demo.Scale.quick(), true, line -> {});
        assertTrue(again.cached(), "the second run must find the cached model");
        try (Checkpoint ck = Checkpoint.load(again.model())) {
            assertEquals(6, ck.config().nLayers());
        }
        Result gen = run("generate", "--model", again.model().toString(), "--steps", "12", "--temperature", "0", "--prompt", "3 plus");
        assertEquals(0, gen.code(), gen.err());
        assertTrue(gen.out().startsWith("3 plus"), gen.out());
    }

    @Test
    void pretrainWritesAModelAndNamesBadRows() throws Exception {
        Path corpus = tmp.resolve("c.txt");
        Files.writeString(corpus, "a small corpus about a cat.\n\nthe cat sat on a mat.\n\nthe mat was red.\n");
        Path model = tmp.resolve("m");
        Result ok = run("pretrain", "--quiet", "--data", corpus.toString(), "--out", model.toString(), "--dim", "16", "--layers", "2",
                "--heads", "2", "--hidden", "32", "--seq-len", "16", "--steps", "3", "--batch-size", "2", "--vocab", "300");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().startsWith("model: " + model), ok.out());
        assertTrue(Files.isRegularFile(model.resolve("config.json")) && Files.isRegularFile(model.resolve("tokenizer.bin")));
        assertTrue(Files.readString(model.resolve("pretrain.txt")).contains("steps=3"));

        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"ok\"}\n{\"text\": 5}\n");
        Result err = run("pretrain", "--quiet", "--data", bad.toString(), "--out", tmp.resolve("m2").toString());
        assertEquals(2, err.code(), "a bad corpus row is an input error");
        assertTrue(err.err().contains("row 2"), err.err());
        assertFalse(Files.exists(tmp.resolve("m2")));
    }
}
