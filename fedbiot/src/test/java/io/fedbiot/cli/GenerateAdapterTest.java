package io.fedbiot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.CheckpointFormat;
import io.fedbiot.engine.io.PeftAdapter;
import io.fedbiot.engine.io.PeftAdapterReader;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** {@code generate --adapter}: the adapter's effect against a float64 merge, a real run's export, and bad folders. */
class GenerateAdapterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LORA_A = Pattern.compile("base_model\\.model\\.model\\.layers\\.(\\d+)\\.\\w+\\.(\\w+)\\.lora_A\\.weight");
    private static final Map<String, String> OURS = Map.of("q_proj", "wq", "k_proj", "wk", "v_proj", "wv", "o_proj", "wo",
            "gate_proj", "w1", "down_proj", "w2", "up_proj", "w3");
    private static final int[] IDS = {1, 403, 407, 261, 378, 432, 383, 286};

    @TempDir
    Path tmp;

    /** A rank-4 adapter on every target of layers 1 and 3, B far from zero, exported by PeftAdapter.save. */
    private static Path randomAdapter(Path dir) throws Exception {
        try (Checkpoint ck = Checkpoint.load(model("stories260K.bin")); Arena a = Arena.ofShared()) {
            LoraSet lora = LoraSet.create(ck.config(), new LoraConfig(4, 8f, 0.05f, EnumSet.allOf(LoraTarget.class)),
                    new int[]{1, 3}, Backends.java(), a, new Rng(3));
            new Rng(4).normal(lora.params().flat(), 0.1);
            PeftAdapter.save(lora, dir, model("stories260K.bin").toString());
        }
        return dir;
    }

    /** Canonical tensors of {@code hf} with W + (alpha/r)·B·A in float64 for every adapted matrix, read from the raw files. */
    private static Map<String, Tensor> merged(Checkpoint hf, Path adapter, Arena arena) throws Exception {
        JsonNode cfg = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
        double scale = cfg.get("lora_alpha").asDouble() / cfg.get("r").asInt();
        Map<String, RawSafetensors.Entry> raw = RawSafetensors.read(adapter.resolve("adapter_model.safetensors"));
        Map<String, Tensor> out = new LinkedHashMap<>(hf.tensors());
        int adapted = 0;
        for (String name : raw.keySet()) {
            Matcher m = LORA_A.matcher(name);
            if (!m.matches()) continue;
            String key = "layers." + m.group(1) + "." + OURS.get(m.group(2));
            RawSafetensors.Entry a = raw.get(name), b = raw.get(name.replace("lora_A", "lora_B"));
            Tensor w = out.get(key);
            float[] wv = w.toFloatArray();
            int rows = w.dim(0), cols = w.dim(1), r = a.shape()[0];
            float[] sum = new float[wv.length];
            for (int o = 0; o < rows; o++)
                for (int i = 0; i < cols; i++) {
                    double d = 0;
                    for (int k = 0; k < r; k++) d += (double) b.data()[o * r + k] * a.data()[k * cols + i];
                    sum[o * cols + i] = (float) (wv[o * cols + i] + scale * d);
                }
            out.put(key, Tensor.of(Backends.java(), arena, sum, rows, cols));
            adapted++;
        }
        assertTrue(adapted > 0, "no lora_A tensors in " + adapter);
        return out;
    }

    /** Logits through the reader and on-the-fly LoRA, on every CPU backend here, equal the merged model's within float32 error. */
    private void assertMatchesTheMerge(Path adapter, double minEffect) throws Exception {
        Path base = tmp.resolve("hf-base");
        try (Checkpoint ck = Checkpoint.load(model("stories260K.bin"))) {
            if (!Files.exists(base)) ck.save(base);
        }
        try (Checkpoint hf = Checkpoint.load(base); Arena a = Arena.ofShared(); var step = StepScope.open()) {
            Tensor ids = Tensor.ofInts(Backends.java(), IDS, 1, IDS.length);
            float[] want = LlamaModel.full(LlamaWeights.fromTensors(hf.config(), merged(hf, adapter, a), "merged")).forward(ids).toFloatArray();
            float[] plain = LlamaModel.full(hf.weights()).forward(ids).toFloatArray();
            assertTrue(maxDiff(want, plain) > minEffect, "the adapter changes the logits by " + maxDiff(want, plain));
            PeftAdapterReader.Adapter ad = PeftAdapterReader.read(adapter, hf.config(), Backends.java(), a);
            for (Backend be : cpuBackends()) {
                LlamaModel m = LlamaModel.full(hf.weights().on(be, a));
                m.attach(ad.lora().on(be, a));
                float[] got = m.forward(Tensor.ofInts(be, IDS, 1, IDS.length)).toFloatArray();
                for (int i = 0; i < want.length; i++)
                    assertEquals(want[i], got[i], 1e-4 + 1e-4 * Math.abs(want[i]), be.name() + ": logit " + i);
            }
        }
    }

    private static List<Backend> cpuBackends() {
        List<Backend> out = new ArrayList<>(List.of(Backends.java()));
        CpuBackend.best().ifPresent(out::add);
        return out;
    }

    private static double maxDiff(float[] x, float[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        return d;
    }

    private static Result generate(Path adapter, String... more) {
        List<String> args = new ArrayList<>(List.of("generate", "--model", model("stories260K.bin").toString(),
                "--tokenizer", model("tok512.bin").toString(), "--steps", "40", "--temperature", "0", "--prompt", "Once upon a time"));
        if (adapter != null) args.addAll(List.of("--adapter", adapter.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    @Test
    void logitsWithTheAdapterEqualAFloat64Merge() throws Exception {
        assertMatchesTheMerge(randomAdapter(tmp.resolve("adapter")), 0.05);
    }

    /** The command's greedy text with the adapter is the merged checkpoint's (llama2.c .bin: wq/wk rows permuted back). */
    @Test
    void theCommandGeneratesWhatTheMergedModelGenerates() throws Exception {
        Path adapter = randomAdapter(tmp.resolve("adapter")), mergedDir = tmp.resolve("merged");
        try (Checkpoint ck = Checkpoint.load(model("stories260K.bin"))) {
            ck.save(tmp.resolve("hf-base"));
        }
        try (Checkpoint hf = Checkpoint.load(tmp.resolve("hf-base"))) {
            Arena arena = Arena.ofShared();
            try (Checkpoint m = new Checkpoint(CheckpointFormat.HF_SAFETENSORS, hf.config(), merged(hf, adapter, arena), Map.of(),
                    List.of(), mergedDir, arena)) {
                m.save(mergedDir);
            }
        }
        Result want = run("generate", "--model", mergedDir.toString(), "--tokenizer", model("tok512.bin").toString(),
                "--steps", "40", "--temperature", "0", "--prompt", "Once upon a time", "--backend", "java");
        assertEquals(0, want.code(), want.err());
        assertNotEquals(generate(null, "--backend", "java").out(), want.out(), "the adapter changes the greedy text");
        for (Backend be : cpuBackends()) {
            Result got = generate(adapter, "--backend", be.name());
            assertEquals(0, got.code(), got.err());
            assertEquals(want.out(), got.out(), "greedy text with --adapter on " + be.name());
            assertTrue(got.err().contains("adapter " + adapter + ": LoRA rank 4, alpha 8, targets q_proj, k_proj, v_proj, o_proj, "
                    + "gate_proj, down_proj, up_proj, layers 1, 3 (2 of 5)"), got.err());
            assertFalse(got.err().contains("warning"), got.err());
        }
    }

    /** A tiny real run's exported adapter: generate takes it as is, and it matches its merge. */
    @Test
    void anAdapterARunExportedGenerates() throws Exception {
        Result r = CliRun.runOnStories(tmp, "methods=[fedlora]",
                "rounds=1", "local_steps=3", "batch_size=2", "eval_every=1", "seeds=[7]",
                "eval.max_rows=2", "eval.max_new_tokens=4", "lr_client=0.01",
                "lora.targets=[wq,wk,wv,w2]", "output=" + tmp.resolve("run"));
        assertEquals(0, r.code(), r.err());
        Path adapter = tmp.resolve("run/fedlora-seed7/final");
        Result g = generate(adapter);
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().startsWith("Once upon a time"), g.out());
        assertTrue(g.err().contains("adapter " + adapter + ": LoRA rank 8, alpha 16, targets q_proj, k_proj, v_proj, down_proj, "
                + "layers 0-4 (5 of 5)"), g.err());
        assertFalse(g.err().contains("warning"), "the run names this very model: " + g.err());
        assertMatchesTheMerge(adapter, 1e-6);
    }

    /** A copy of a good adapter with one thing broken; --backend cuda (a known name, unavailable without a GPU) shows the adapter is checked before the backend starts. */
    private Result broken(String what, Consumer<Path> breakIt) throws Exception {
        Path dir = randomAdapter(tmp.resolve(what));
        breakIt.accept(dir);
        Result r = generate(dir, "--backend", "cuda");
        assertEquals(2, r.code(), what + ": " + r.err());
        assertEquals("", r.out(), what);
        assertFalse(r.err().contains("cuda") || r.err().contains("[backend]") || r.err().contains("\tat "), what + ": " + r.err());
        return r;
    }

    private static void editConfig(Path dir, Consumer<ObjectNode> edit) {
        try {
            ObjectNode cfg = (ObjectNode) JSON.readTree(dir.resolve("adapter_config.json").toFile());
            edit.accept(cfg);
            JSON.writeValue(dir.resolve("adapter_config.json").toFile(), cfg);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void editTensors(Path dir, Consumer<Map<String, RawSafetensors.Entry>> edit) {
        try {
            Path f = dir.resolve("adapter_model.safetensors");
            Map<String, RawSafetensors.Entry> t = RawSafetensors.read(f);
            edit.accept(t);
            RawSafetensors.write(f, t);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertNames(Result r, String... parts) {
        for (String p : parts) assertTrue(r.err().contains(p), "'" + p + "' in: " + r.err());
    }

    @Test
    void badAdapterFoldersExit2NamingTheFileAndTensor() throws Exception {
        String q1 = "base_model.model.model.layers.1.self_attn.q_proj.lora_";
        Result none = generate(tmp.resolve("no-such-adapter"), "--backend", "cuda");
        assertEquals(2, none.code());
        assertNames(none, "no such file", "no-such-adapter");

        assertNames(broken("no-weights", d -> uncheck(() -> Files.delete(d.resolve("adapter_model.safetensors")))),
                "adapter_model.safetensors: missing");
        assertNames(broken("cut-json", d -> uncheck(() -> Files.writeString(d.resolve("adapter_config.json"),
                Files.readString(d.resolve("adapter_config.json")).substring(0, 60)))), "adapter_config.json: not valid JSON at line");
        assertNames(broken("rank-text", d -> editConfig(d, c -> c.put("r", "four"))), "adapter_config.json", "key 'r'", "\"four\"");
        assertNames(broken("unknown-target", d -> editConfig(d, c -> c.withArray("target_modules").add("lm_head"))),
                "adapter_config.json", "target_modules", "'lm_head'");
        assertNames(broken("rank-mismatch", d -> editConfig(d, c -> c.put("r", 8))),
                "adapter_model.safetensors", "tensor '" + q1 + "A.weight' has shape [4, 64], expected [8, 64]");
        assertNames(broken("wrong-shape", d -> editTensors(d, t -> t.put(q1 + "B.weight", new RawSafetensors.Entry(new int[]{64, 3}, new float[192])))),
                "adapter_model.safetensors", "'" + q1 + "B.weight' has shape [64, 3], expected [64, 4]");
        assertNames(broken("nan", d -> editTensors(d, t -> t.get(q1 + "A.weight").data()[70] = Float.NaN)),
                "adapter_model.safetensors", "'" + q1 + "A.weight' holds NaN at element [1, 6]");
        assertNames(broken("infinity", d -> editTensors(d, t -> t.get(q1 + "B.weight").data()[0] = Float.NEGATIVE_INFINITY)),
                "'" + q1 + "B.weight' holds -Infinity");
        assertNames(broken("unknown-tensor", d -> editTensors(d, t -> t.put("base_model.model.lm_head.lora_A.weight",
                new RawSafetensors.Entry(new int[]{4, 64}, new float[256])))), "'base_model.model.lm_head.lora_A.weight' is not a LoRA matrix");
        assertNames(broken("layer-beyond", d -> editTensors(d, t -> t.put(q1.replace(".1.", ".7.") + "A.weight", t.get(q1 + "A.weight")))),
                "is for layer 7, but the model has layers 0..4");
        assertNames(broken("layer-unlisted", d -> editConfig(d, c -> c.putArray("layers_to_transform").add(1))),
                "is for layer 3, which adapter_config.json's layers_to_transform [1] does not list");
        assertNames(broken("missing-b", d -> editTensors(d, t -> t.remove(q1 + "B.weight"))), "missing tensor '" + q1 + "B.weight'");
        assertNames(broken("dora", d -> editConfig(d, c -> c.put("use_dora", true))), "key 'use_dora' must be false");
    }

    @Test
    void anotherBaseModelIsAWarningNotAnError() throws Exception {
        Path dir = randomAdapter(tmp.resolve("adapter"));
        editConfig(dir, c -> c.put("base_model_name_or_path", "meta-llama/Llama-2-7b-hf"));
        Result r = generate(dir, "--backend", "java");
        assertEquals(0, r.code(), r.err());
        assertNames(r, "warning: " + dir.resolve("adapter_config.json") + " names base model meta-llama/Llama-2-7b-hf, not "
                + model("stories260K.bin"));
        assertTrue(r.out().startsWith("Once upon a time"), r.out());
    }

    interface Io {
        void run() throws Exception;
    }

    private static void uncheck(Io io) {
        try {
            io.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
