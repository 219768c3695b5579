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
                "output=" + tmp.resolve("run"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("report.md"), r.out());
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
    }

    @Test
    void aBadConfigNamesTheKey() {
        Path root = Path.of("").toAbsolutePath().getParent();
        Result r = run("run", "--quiet", "--config", root.resolve("configs/example.yaml").toString(), "--set", "lora.rnak=4");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("lora.rnak"), r.err());
    }
}
