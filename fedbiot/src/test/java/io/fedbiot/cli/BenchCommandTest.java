package io.fedbiot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bench step|decode --profile --json}: the per-op totals add up to the kernel total, which
 * fits in the reported wall time, which fits in the time the test saw the command take; the
 * shares with the outside-kernels row make 100 %; the ops a workload must run all appear. Bad
 * input is exit 2 with the option named and nothing on stdout.
 */
class BenchCommandTest {
    private static JsonNode profiled(String... args) throws Exception {
        long t0 = System.nanoTime();
        Result r = run(args);
        double outerMs = (System.nanoTime() - t0) / 1e6;
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        double wall = j.get("wall_ms").asDouble(), kernels = j.get("kernels_ms").asDouble(), sum = 0, share = 0;
        for (JsonNode op : j.get("ops")) {
            assertTrue(op.get("calls").asLong() > 0, op.toString());
            sum += op.get("total_ms").asDouble();
            share += op.get("share_pct").asDouble();
        }
        assertEquals(kernels, sum, 1e-6 * j.get("ops").size() + 1e-9, "per-op totals != kernel total");
        assertTrue(kernels <= wall, "kernels " + kernels + " ms > wall " + wall + " ms");
        assertTrue(wall <= outerMs, "wall " + wall + " ms > the " + outerMs + " ms the command took");
        assertEquals(wall, kernels + j.get("outside_kernels_ms").asDouble(), 1e-6);
        assertEquals(100.0, share + 100.0 * j.get("outside_kernels_ms").asDouble() / wall, 1e-6);
        assertEquals(j.get("tokens").asDouble() / (wall / 1e3), j.get("tokens_per_s").asDouble(), 1e-6 * j.get("tokens_per_s").asDouble());
        return j;
    }

    private static Set<String> kinds(JsonNode j) {
        Set<String> k = new HashSet<>();
        for (JsonNode op : j.get("ops")) k.add(op.get("kind").asText());
        return k;
    }

    @Test
    void decodeProfileOnOneRowAndABatch() throws Exception {
        String m = model("stories260K.bin").toString();
        for (String rows : new String[]{"1", "3"}) {
            JsonNode j = profiled("bench", "decode", "--model", m, "--backend", "java", "--new-tokens", "6", "--prompt-tokens", "4",
                    "--rows", rows, "--warmup-runs", "0", "--profile", "--json");
            assertEquals(6L * Integer.parseInt(rows), j.get("tokens").asLong());
            Set<String> k = kinds(j);
            for (String op : new String[]{"gemm", "attentionForward", "rmsnormForward", "ropeForward", "embeddingForward", "swigluForward"})
                assertTrue(k.contains(op), "rows " + rows + ": no " + op + " in " + k);
            assertFalse(k.contains("attentionBackward") || k.contains("adamw"), "decode trains nothing: " + k);
            for (JsonNode op : j.get("ops"))
                if (op.get("kind").asText().equals("gemm")) assertTrue(op.get("gflops").asDouble() > 0, op.toString());
        }
    }

    @Test
    void stepProfileOnAShapeNamesTheBackwardOps() throws Exception {
        JsonNode j = profiled("bench", "step", "--shape", "stories260k", "--backend", "java", "--batch-size", "2", "--seq-len", "16",
                "--steps", "2", "--warmup-runs", "0", "--profile", "--json");
        assertEquals(2L * 2 * 16, j.get("tokens").asLong());
        Set<String> k = kinds(j);
        for (String op : new String[]{"gemm", "attentionForward", "attentionBackward", "rmsnormBackward", "ropeBackward",
                "swigluBackward", "linearCrossEntropy", "embeddingBackward", "adamw"})
            assertTrue(k.contains(op), "no " + op + " in " + k);
    }

    @Test
    void textTableWithoutProfileHasNoOps() {
        Result r = run("bench", "decode", "--shape", "stories260K", "--backend", "java", "--new-tokens", "3", "--warmup-runs", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*3 tokens in [0-9.]+ ms: [0-9.]+ tokens/s.*"), r.out());
        assertFalse(r.out().contains("share"), r.out());
    }

    /** The java backend owns the mapped checkpoint already: the bench must still copy it, train the copy, leave the file. */
    @Test
    void fullStepOnTheBackendThatMapsTheCheckpointLeavesTheFileAlone() throws Exception {
        java.nio.file.Path m = model("stories260K.bin");
        byte[] before = java.security.MessageDigest.getInstance("SHA-256").digest(java.nio.file.Files.readAllBytes(m));
        Result r = run("bench", "step", "--model", m.toString(), "--backend", "java", "--batch-size", "1", "--seq-len", "8",
                "--steps", "2", "--warmup-runs", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("16 tokens in"), r.out());
        Result d = run("bench", "decode", "--model", m.toString(), "--backend", "java", "--new-tokens", "4", "--warmup-runs", "1");
        assertEquals(0, d.code(), d.err());
        byte[] after = java.security.MessageDigest.getInstance("SHA-256").digest(java.nio.file.Files.readAllBytes(m));
        assertArrayEquals(before, after, "the benchmark wrote into the checkpoint");
    }

    private static void userError(String expect, String... args) {
        Result r = run(args);
        assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(expect), "expected '" + expect + "' in: " + r.err());
        assertTrue(r.out().isEmpty(), "nothing measured: " + r.out());
    }

    @Test
    void badInputIsExitTwoBeforeAnyWork() {
        userError("fedbiot bench decode: --model /no/such/model.bin: no such file", "bench", "decode", "--model", "/no/such/model.bin");
        userError("--shape stories1B: unknown model shape", "bench", "step", "--shape", "stories1B");
        userError("not both", "bench", "step", "--shape", "stories260K", "--model", model("stories260K.bin").toString());
        userError("--seq-len must be in [1, 512]", "bench", "step", "--shape", "stories260K", "--seq-len", "513");
        userError("exceed the model's context of 512", "bench", "decode", "--shape", "stories260K", "--new-tokens", "500", "--prompt-tokens", "20");
        userError("--mode must be full, lora or forward", "bench", "step", "--mode", "half");
        userError("--rows must be >= 1", "bench", "decode", "--rows", "0");
        userError("unknown backend", "bench", "decode", "--backend", "tpu");
    }
}
