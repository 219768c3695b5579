package io.fedbiot.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.engine.Losses;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.RopeStyle;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One training step of stories260K with LoRA against an independent PyTorch twin (llm.c's debug
 * state method): the loss and the gradient of every base weight and LoRA matrix must agree. The
 * dump comes from {@code engine/src/test/python/torch_twin.py} (see its docstring to regenerate).
 */
class TorchTwinGradTest {
    static final String DUMP = "/torch_twin/stories260K_grads.safetensors";
    static final LlamaConfig CONFIG = new LlamaConfig(64, 172, 5, 8, 4, 512, 512, 10000f, 1e-5f, true, RopeStyle.INTERLEAVED);
    static final EnumSet<LoraTarget> TARGETS = EnumSet.of(LoraTarget.WQ, LoraTarget.WV, LoraTarget.W2);
    /** Relative to the largest |torch| entry of each tensor, plus a tiny absolute floor. */
    static final double RTOL = 1e-4, ATOL = 1e-9;

    final Backend be = Backends.java();

    /** A dumped tensor: shape and data as float[] (F32) or int[] (I32). */
    record Entry(int[] shape, float[] f, int[] i) {}

    /** Test-only safetensors reader (F32 and I32, little-endian). */
    static Map<String, Entry> readSafetensors(byte[] file) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int hlen = Math.toIntExact(bb.getLong(0));
        JsonNode header = new ObjectMapper().readTree(new String(file, 8, hlen, java.nio.charset.StandardCharsets.UTF_8));
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode n = e.getValue();
            int[] shape = new int[n.get("shape").size()];
            for (int k = 0; k < shape.length; k++) shape[k] = n.get("shape").get(k).asInt();
            int from = 8 + hlen + n.get("data_offsets").get(0).asInt(), to = 8 + hlen + n.get("data_offsets").get(1).asInt();
            ByteBuffer d = bb.slice(from, to - from).order(ByteOrder.LITTLE_ENDIAN);
            switch (n.get("dtype").asText()) {
                case "F32" -> { float[] f = new float[(to - from) / 4]; d.asFloatBuffer().get(f); out.put(e.getKey(), new Entry(shape, f, null)); }
                case "I32" -> { int[] i = new int[(to - from) / 4]; d.asIntBuffer().get(i); out.put(e.getKey(), new Entry(shape, null, i)); }
                default -> throw new IOException(e.getKey() + ": unsupported dtype " + n.get("dtype"));
            }
        }
        return out;
    }

    /** Test-only llama2.c legacy reader: canonical name → F32 tensor (shared classifier only). */
    static Map<String, Tensor> readLlama2c(Path file, LlamaConfig c, Backend be, Arena arena) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int[] h = new int[7];
        for (int k = 0; k < 7; k++) h[k] = bb.getInt();
        assertArrayEquals(new int[]{c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.vocabSize(), c.maxSeqLen()}, h,
                file + ": header does not match the config");
        var fb = bb.asFloatBuffer();
        int C = c.dim(), F = c.hiddenDim(), kv = c.kvDim(), L = c.nLayers();
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("tok_embeddings", take(fb, be, arena, c.vocabSize(), C));
        // Stacked per kind: [L, ...] blocks in llama2.c's order.
        Object[][] kinds = {{"attention_norm", new int[]{C}}, {"wq", new int[]{C, C}}, {"wk", new int[]{kv, C}},
                {"wv", new int[]{kv, C}}, {"wo", new int[]{C, C}}, {"ffn_norm", new int[]{C}},
                {"w1", new int[]{F, C}}, {"w2", new int[]{C, F}}, {"w3", new int[]{F, C}}};
        for (Object[] k : kinds)
            for (int l = 0; l < L; l++) m.put("layers." + l + "." + k[0], take(fb, be, arena, (int[]) k[1]));
        m.put("norm", take(fb, be, arena, C));
        assertEquals(c.maxSeqLen() * c.headSize(), fb.remaining(), file + ": only freq_cis should follow");
        return m;
    }

    private static Tensor take(java.nio.FloatBuffer fb, Backend be, Arena arena, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        fb.get(v);
        return Tensor.of(be, arena, v, shape);
    }

    @Test
    @SuppressWarnings("try") // the step scope is used implicitly by every op
    void lossAndEveryGradientMatchPyTorch() throws Exception {
        Path bin = Path.of(System.getProperty("fedbiot.shared", "../shared"), "data", "models", "stories260K.bin");
        assertTrue(Files.isRegularFile(bin), "stories260K.bin not found at " + bin + " (the shared data must sit beside the repository as ../shared)");
        Map<String, Entry> dump;
        try (InputStream in = getClass().getResourceAsStream(DUMP)) {
            assertNotNull(in, "missing test resource " + DUMP);
            dump = readSafetensors(in.readAllBytes());
        }
        Entry ids = dump.get("input_ids"), targets = dump.get("targets"), mask = dump.get("mask");
        int B = ids.shape()[0], T = ids.shape()[1];

        try (Arena arena = Arena.ofShared(); var step = StepScope.open()) {
            Map<String, Tensor> base = readLlama2c(bin, CONFIG, be, arena);
            base.values().forEach(t -> t.requiresGrad(true));
            LlamaWeights w = LlamaWeights.fromTensors(CONFIG, base, "stories260K.bin");
            int[] layers = {0, 1, 2, 3, 4};
            LoraSet lora = LoraSet.empty(CONFIG, new LoraConfig(4, 8f, 0f, TARGETS), layers, be, arena);
            lora.params().targets().forEach(p -> p.requiresGrad(true)); // this test owns them: trainable for good
            for (int l : layers)
                for (LoraTarget t : TARGETS) {
                    lora.a(l, t).copyFrom(dump.get("lora.layers." + l + "." + t.key() + ".A").f());
                    lora.b(l, t).copyFrom(dump.get("lora.layers." + l + "." + t.key() + ".B").f());
                }
            LlamaModel model = LlamaModel.full(w);
            model.attach(lora);

            Tensor logits = model.forward(Tensor.ofInts(be, ids.i(), B, T));
            Tensor loss = Losses.crossEntropy(logits, Tensor.ofInts(be, targets.i(), B, T), Tensor.of(be, mask.f(), B, T));
            Autograd.backward(loss);


            Map<String, Tensor> ours = new LinkedHashMap<>(base);
            for (int l : layers)
                for (LoraTarget t : TARGETS) {
                    ours.put("layers." + l + "." + t.key() + ".lora_A", lora.a(l, t));
                    ours.put("layers." + l + "." + t.key() + ".lora_B", lora.b(l, t));
                }
            List<String> report = new ArrayList<>(), failures = new ArrayList<>();
            float torchLoss = dump.get("loss").f()[0], ourLoss = loss.item();
            if (Math.abs(ourLoss - torchLoss) > 1e-5 * Math.abs(torchLoss))
                failures.add(String.format("loss: ours %.7f, torch %.7f", ourLoss, torchLoss));
            double worst = 0;
            String worstName = null;
            for (var e : ours.entrySet()) {
                Entry ref = dump.get("grad." + e.getKey());
                assertNotNull(ref, "the dump has no gradient for " + e.getKey());
                assertArrayEquals(ref.shape(), e.getValue().shape(), e.getKey() + ": shape");
                assertNotNull(e.getValue().grad(), e.getKey() + ": no gradient reached it");
                float[] g = e.getValue().grad().toFloatArray();
                double maxRef = 0, maxDiff = 0;
                for (int k = 0; k < g.length; k++) {
                    maxRef = Math.max(maxRef, Math.abs(ref.f()[k]));
                    maxDiff = Math.max(maxDiff, Math.abs((double) g[k] - ref.f()[k]));
                }
                double rel = maxDiff / Math.max(maxRef, Double.MIN_NORMAL);
                report.add(String.format("%s rel %.2e (max|diff| %.2e, max|torch| %.2e)", e.getKey(), rel, maxDiff, maxRef));
                assertTrue(maxRef > 0, e.getKey() + ": the torch gradient is all zero");
                if (maxDiff > RTOL * maxRef + ATOL) failures.add(report.getLast());
                if (rel > worst) {
                    worst = rel;
                    worstName = e.getKey();
                }
            }
            assertEquals(dump.keySet().stream().filter(k -> k.startsWith("grad.")).count(), (long) ours.size(), "the dump and the engine have different gradient sets");
            System.out.printf("TorchTwinGradTest: loss ours %.7f torch %.7f; worst relative gradient error %.2e (%s)%n",
                    ourLoss, torchLoss, worst, worstName);
            assertTrue(failures.isEmpty(), "loss or gradients differ from PyTorch (gradient tolerance " + RTOL
                    + "·max|torch|):\n  " + String.join("\n  ", failures) + "\nall tensors:\n  " + String.join("\n  ", report));
        }
    }
}
