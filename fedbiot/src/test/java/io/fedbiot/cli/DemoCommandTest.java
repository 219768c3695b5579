package io.fedbiot.cli;

import io.fedbiot.demo.Demo;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** bin/fedbiot demo --quick end to end (structure and table columns, not numbers; the same table twice), and bin/fedbiot pretrain's errors and output. */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void quickDemoRunsEveryMethodAndWritesTheReport() throws Exception {
        Path out = tmp.resolve("demo");
        Result r = run("demo", "--quick", "--quiet", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> rows = tableRows(r.out());
        assertEquals(7, rows.size(), r.out()); // header, untuned, five methods
        List<String> names = List.of("untuned full model", "FedBiOT a=2", "FedBiOT a=4", "FedOT", "Offsite-Tuning", "FedLoRA");
        for (int i = 0; i < names.size(); i++) {
            assertEquals(names.get(i), cells(rows.get(i + 1)).getFirst(), "row order in\n" + r.out());
            assertTrue(rows.get(i + 1).matches(".*\\d+\\.\\d%.*"), names.get(i) + " row in\n" + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("times: data and pretraining ") && l.contains(", FedLoRA ")), r.out());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("### exact match (`exact_match`) (higher is better)"), report);
        assertTrue(report.contains("## The demo's table"), "the report shows the printed table");
        for (String row : rows) assertTrue(report.contains(row), "report.md lacks " + row);
        assertTrue(Files.isRegularFile(out.resolve("rounds.csv")));
        assertTrue(Files.isRegularFile(out.resolve("experiment.yaml")));
        assertTrue(Files.isDirectory(out.resolve("fedbiot_a4-seed0")), "the variant's adapters in its own folder");

        // The pretrained model is a real checkpoint with its tokenizer, and a second run reuses it.
        Demo.Plan again = Demo.prepare(out, Demo.Scale.quick(), Backends.byName("auto"), true, line -> {});
        assertTrue(again.cached(), "the second run must find the cached model");
        try (Checkpoint ck = Checkpoint.load(again.model())) {
            assertEquals(Demo.LAYERS, ck.config().nLayers());
            assertTrue(ck.config().nLayers() >= 12, "a deep model, where every method drops layers");
            checkColumns(rows.subList(2, rows.size()), ck);
        }
        Result gen = run("generate", "--model", again.model().toString(), "--steps", "12", "--temperature", "0", "--prompt", "3 plus");
        assertEquals(0, gen.code(), gen.err());
        assertTrue(gen.out().startsWith("3 plus"), gen.out());
    }

    /**
     * Each method row's layer columns cut the model's layers into disjoint adapter, kept and dropped
     * sets; the parameters a client holds are the checkpoint's own tensors outside the dropped layers,
     * counted here from the file; FedBiOT a=4 and FedOT drop as many layers.
     */
    private static void checkColumns(List<String> methodRows, Checkpoint ck) {
        int L = ck.config().nLayers();
        Map<String, Tensor> tensors = ck.weights().toTensors();
        long full = tensors.values().stream().distinct().mapToLong(Tensor::numel).sum();
        Map<String, Integer> droppedCount = new java.util.HashMap<>();
        for (String row : methodRows) {
            List<String> c = cells(row);
            Set<Integer> adapter = layers(c.get(1)), kept = layers(c.get(2)), dropped = layers(c.get(3).replaceFirst("^\\d+: ", ""));
            Set<Integer> all = new TreeSet<>(adapter);
            all.addAll(kept);
            all.addAll(dropped);
            assertEquals(adapter.size() + kept.size() + dropped.size(), all.size(), "disjoint: " + row);
            assertEquals(IntStream.range(0, L).boxed().collect(Collectors.toSet()), all, "every layer once: " + row);
            boolean fedlora = c.getFirst().equals("FedLoRA");
            assertEquals(fedlora, dropped.isEmpty(), "every method but FedLoRA drops layers: " + row);
            long held = tensors.entrySet().stream().filter(e -> !dropped.contains(layerOf(e.getKey()))).map(Map.Entry::getValue)
                    .distinct().mapToLong(Tensor::numel).sum();
            assertEquals(String.format(java.util.Locale.ROOT, "%,d (%.1f%%)", held, 100.0 * held / full), c.get(4), row);
            assertTrue(c.get(5).matches("[\\d.]+ (B|KiB|MiB)") && c.get(7).matches("[\\d.]+ (B|KiB|MiB)"), "bytes columns: " + row);
            droppedCount.put(c.getFirst(), dropped.size());
        }
        assertEquals(droppedCount.get("FedOT"), droppedCount.get("FedBiOT a=4"), "the like-for-like pair drops as many layers");
    }

    private static int layerOf(String tensor) {
        return tensor.startsWith("layers.") ? Integer.parseInt(tensor.split("\\.")[1]) : -1;
    }

    /** "0–3, 6, 9–11" or "none"/"–" as a set. */
    private static Set<Integer> layers(String cell) {
        Set<Integer> out = new TreeSet<>();
        if (cell.equals("none") || cell.equals("–")) return out;
        for (String part : cell.split(", ")) {
            String[] ab = part.split("–");
            int a = Integer.parseInt(ab[0]), b = Integer.parseInt(ab[ab.length - 1]);
            for (int i = a; i <= b; i++) out.add(i);
        }
        return out;
    }

    static List<String> tableRows(String out) {
        return out.lines().filter(l -> l.startsWith("| ")).toList();
    }

    static List<String> cells(String row) {
        return java.util.Arrays.stream(row.substring(2, row.length() - 2).split(" \\| ")).map(String::strip).toList();
    }

    @Test
    void theSameSeedOnTheSameBackendGivesTheSameTable() throws Exception {
        Result a = run("demo", "--quick", "--quiet", "--out", tmp.resolve("a").toString());
        Result b = run("demo", "--quick", "--quiet", "--out", tmp.resolve("b").toString());
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertEquals(tableRows(a.out()), tableRows(b.out()), "pretraining and every method are seeded");
        String chosen = Backends.byName("auto").name();
        assertTrue(a.err().contains(".jsonl (" + chosen + ")"), "pretrained on the backend auto picks, " + chosen + ": " + a.err());
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
