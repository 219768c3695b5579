package io.fedbiot.cli;

import io.fedbiot.report.RoundCsv;
import io.fedbiot.report.RoundRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** bin/fedbiot run end to end on stories260K: GSM8K clients, Alpaca public data, all four methods. */
class RunCommandTest {
    @TempDir
    Path tmp;




    @Test
    void allFourMethodsRunAndReport() throws Exception {
        Result r = CliRun.runOnStories(tmp, "methods=[fedbiot, fedot, offsite-tuning, fedlora]",
                "rounds=2", "local_steps=2", "align_steps=2", "prealign_rounds=1",
                "batch_size=2", "eval_every=1", "seeds=[7]", "adapter=1", "beta=0.5",
                "eval.max_rows=4", "eval.max_new_tokens=6", "lr_client=0.001",
                "data.test.path=" + testSplit(), "output=" + tmp.resolve("run"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("report.md"), r.out());
        assertTrue(r.err().contains("test split (exact match): TokenizedDataset[" + testSplit() + ", 3 rows"), r.err());
        List<RoundRecord> rec = RoundCsv.read(tmp.resolve("run/rounds.csv"));
        assertEquals(8, rec.size(), "4 methods x 2 rounds");
        Set<String> methods = rec.stream().map(RoundRecord::method).collect(Collectors.toSet());
        assertEquals(Set.of("FedBiOT", "FedOT", "Offsite-Tuning", "FedLoRA"), methods);
        for (RoundRecord x : rec) {
            assertTrue(Double.isFinite(x.trainLoss()), x.toString());
            assertTrue(x.eval().containsKey("AdapFu/client_loss") && x.eval().containsKey("AdapEmu/public_loss"), x.eval().toString());
        }
        RoundRecord lastBiot = rec.stream().filter(x -> x.method().equals("FedBiOT") && x.round() == 1).findFirst().orElseThrow();
        assertTrue(lastBiot.eval().containsKey("AdapFu/gsm8k_em"), "GSM8K exact match at the last round");
        assertTrue(Double.isFinite(lastBiot.alignNmse()), "FedBiOT aligned in round 1");
        RoundRecord fedot = rec.stream().filter(x -> x.method().equals("FedOT")).findFirst().orElseThrow();
        assertTrue(Double.isNaN(fedot.alignNmse()), "FedOT's emulator stays fixed");
        assertTrue(lastBiot.clientFlops() < fedot.clientFlops(), "FedBiOT's client backpropagates through its adapter only");
        String report = Files.readString(tmp.resolve("run/report.md"));
        for (String m : methods) assertTrue(report.contains(m), m);
        assertTrue(report.contains("| untuned |"), report);
        // The run's emulator per layer (a = 1, β = 0.5: FedBiOT keeps teacher 0 and 3 of [0, 4); FedOT keeps 2 of [2, 3)).
        assertTrue(report.contains("## Emulator layers"), report);
        assertTrue(report.contains("| FedBiOT | 0, 3 | 1, 2 |") && report.contains("| FedOT | 2 | none |"), report);
        assertTrue(report.contains("| FedBiOT | 0 | 0 | 2 |") && report.contains("| FedBiOT | 1 | 3 | 3 |"), report);
        String layers = report.substring(report.indexOf("## Emulator layers"), report.indexOf("## Plots"));
        assertFalse(layers.contains("FedLoRA"), "FedLoRA has no emulator");
        assertTrue(Files.size(tmp.resolve("run/emulator_layers.png")) > 1000);
        List<RoundRecord> untuned = RoundCsv.read(tmp.resolve("run/untuned.csv"));
        assertEquals(1, untuned.size());
        assertEquals("untuned", untuned.getFirst().method());
        assertTrue(Double.isFinite(untuned.getFirst().metric("AdapFu/client_loss")), untuned.toString());
        assertTrue(Files.exists(tmp.resolve("run/rounds.arrow")));
        assertTrue(Files.exists(tmp.resolve("run/fedbiot-seed7/final/adapter_model.safetensors")));
        // Each run's best round is its lowest validation loss; the report names it, and its adapter is kept beside the final one.
        for (String m : methods) {
            List<RoundRecord> run = rec.stream().filter(x -> x.method().equals(m)).toList();
            RoundRecord best = run.stream().min(java.util.Comparator.comparingDouble((RoundRecord x) -> x.metric("AdapFu/val_loss"))
                    .thenComparingInt(RoundRecord::round)).orElseThrow();
            assertTrue(report.contains("| " + m + " | 7 | " + best.round() + " | 1 |"), m + ": " + report);
            Path dir = tmp.resolve("run/" + m.toLowerCase(java.util.Locale.ROOT).replace('-', '_') + "-seed7");
            long differ = Files.mismatch(dir.resolve("best/adapter_model.safetensors"), dir.resolve("final/adapter_model.safetensors"));
            assertEquals(best.round() == 1, differ == -1, m + ": best is final exactly when round 1 had the lowest validation loss");
            for (RoundRecord x : run) {
                assertEquals(x.round() == 1 || x.round() == best.round(), x.eval().containsKey("AdapFu/gsm8k_em"), "exact match at the best and last round: " + x);
                assertEquals(0, x.nanSkipped() + x.alignNanSkipped(), x.toString());
                // Exact match on the 3 rows of the test split: a multiple of 1/3.
                if (x.eval().containsKey("AdapFu/gsm8k_em")) assertEquals(0, (x.metric("AdapFu/gsm8k_em") * 3) % 1, 1e-9, x.toString());
            }
        }
    }

    /** Three short GSM8K rows: the test split exact match is scored on. */
    private Path testSplit() throws java.io.IOException {
        Path f = tmp.resolve("test3.jsonl");
        if (!Files.exists(f)) Files.writeString(f, """
                {"question": "Tom has 2 apples and gets 3 more. How many apples has he?", "answer": "2 + 3 = 5\\n#### 5"}
                {"question": "A box holds 4 pens. How many pens are in 2 boxes?", "answer": "4 * 2 = 8\\n#### 8"}
                {"question": "Sam had 9 cards and gave away 4. How many are left?", "answer": "9 - 4 = 5\\n#### 5"}
                """);
        return f;
    }

    @Test
    void aBadConfigNamesTheKey() {
        Path root = Path.of("").toAbsolutePath().getParent();
        Result r = run("run", "--quiet", "--config", root.resolve("configs/example.yaml").toString(), "--set", "lora.rnak=4");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("lora.rnak"), r.err());
    }
}
