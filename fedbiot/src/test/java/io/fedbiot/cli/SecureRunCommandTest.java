package io.fedbiot.cli;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.PeftAdapter;
import io.fedbiot.kernels.Backends;
import io.fedbiot.report.RoundCsv;
import io.fedbiot.report.RoundRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** bin/fedbiot run with secure_aggregation on and off, same seed: the same run within the fixed-point precision. */
class SecureRunCommandTest {
    @TempDir
    Path tmp;

    private List<RoundRecord> runWith(boolean secure) throws Exception {
        Path out = tmp.resolve(secure ? "secure" : "plain");
        Result r = CliRun.runOnStories(tmp, "methods=[fedbiot]", "partition.clients=4",
                "rounds=2", "local_steps=2", "align_steps=1", "prealign_rounds=1",
                "batch_size=2", "eval_every=2", "seeds=[3]", "eval.max_rows=4",
                "eval.gsm8k_exact_match=false", "secure_aggregation=" + secure, "output=" + out);
        assertEquals(0, r.code(), r.err());
        return RoundCsv.read(out.resolve("rounds.csv"));
    }

    @Test
    void secureAggregationGivesTheSameRunWithinThePrecision() throws Exception {
        List<RoundRecord> plain = runWith(false), secure = runWith(true);
        assertEquals(2, secure.size());
        for (int t = 0; t < 2; t++) {
            assertEquals(plain.get(t).trainLoss(), secure.get(t).trainLoss(), 1e-5, "round " + t);
            assertTrue(secure.get(t).bytesUp() > 2 * plain.get(t).bytesUp(), "8-byte ring elements and the protocol's messages");
        }
        String key = "AdapFu/client_loss";
        assertEquals(plain.get(1).metric(key), secure.get(1).metric(key), 1e-5);
        try (Checkpoint ck = Checkpoint.load(CliRun.model("stories260K.bin")); Arena arena = Arena.ofConfined()) {
            var mc = ck.weights().config();
            float[] a = PeftAdapter.load(tmp.resolve("plain/fedbiot-seed3/final"), mc, Backends.java(), arena).params().flat().toFloatArray();
            float[] b = PeftAdapter.load(tmp.resolve("secure/fedbiot-seed3/final"), mc, Backends.java(), arena).params().flat().toFloatArray();
            assertEquals(a.length, b.length);
            double worst = 0, size = 0;
            for (int j = 0; j < a.length; j++) {
                worst = Math.max(worst, Math.abs(a[j] - b[j]));
                size = Math.max(size, Math.abs(a[j]));
            }
            // Two aggregations off by at most 2^-25 each, carried through two local steps.
            assertTrue(worst < 1e-6 && size > 1e-3, "worst adapter difference " + worst + " (largest value " + size + ")");
        }
    }

    @Test
    void aPartitionWithTooFewClientsForTheThresholdIsRefusedBeforeTraining() throws Exception {
        String s = CliRun.shared().toString();
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 6; i++) // two distinct answers: field:answer makes two clients
            rows.append("{\"question\": \"Is ").append(i).append(" even?\", \"answer\": \"It is #### ").append(i % 2).append("\"}\n");
        Path data = java.nio.file.Files.writeString(tmp.resolve("two-answers.jsonl"), rows);
        Result r = run("run", "--quiet", "--config", Path.of("").toAbsolutePath().getParent().resolve("configs/example.yaml").toString(),
                "--set", "model=" + s + "/data/models/stories260K.bin", "--set", "tokenizer=" + s + "/data/models/tok512.bin",
                "--set", "data.client.path=" + data, "--set", "data.public.path=" + data, "--set", "data.public.format=gsm8k",
                "--set", "data.cache=" + tmp.resolve("cache"), "--set", "methods=[fedlora]", "--set", "partition.by=field:answer",
                "--set", "secure_aggregation=true", "--set", "secure_aggregation_threshold=3", "--set", "output=" + tmp.resolve("out"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("secure_aggregation_threshold: 3 is more than the 2 clients per round"), r.err());
        assertFalse(java.nio.file.Files.exists(tmp.resolve("out/rounds.csv")), "no round ran");
    }
}
