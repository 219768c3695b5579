package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.RopeStyle;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * LoRA adapters in PEFT's layout: {@code adapter_model.safetensors} with tensors
 * {@code base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight} [r, in] /
 * {@code lora_B.weight} [out, r], and {@code adapter_config.json}. Models in llama2.c's
 * interleaved q/k layout export B rows of wq/wk permuted as {@link Checkpoint#save} permutes the
 * weights, so the adapter fits the Hugging Face copy of the base model.
 */
public final class PeftAdapter {
    public static final String WEIGHTS = "adapter_model.safetensors", CONFIG = "adapter_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    // A Hugging Face hub id: "name" or "org/name" (no "./", "../" or leading "/").
    private static final Pattern HUB_ID = Pattern.compile("[A-Za-z0-9][\\w.-]*(/[A-Za-z0-9][\\w.-]*)?");

    private PeftAdapter() {}

    static String tensorName(int layer, LoraTarget t, String ab) {
        return "base_model.model.model.layers." + layer + "." + t.hfModule() + ".lora_" + ab + ".weight";
    }

    /**
     * What {@code base_model_name_or_path} should say for {@code baseModel}: PEFT resolves a relative
     * path against its own working directory, so a path (existing here, or plainly a path or a
     * checkpoint file) becomes absolute; a hub id such as {@code meta-llama/Llama-2-7b-hf} stays.
     */
    public static String baseModelName(String baseModel) {
        Path p = Path.of(baseModel);
        boolean hubId = HUB_ID.matcher(baseModel).matches() && !baseModel.endsWith(".bin") && !baseModel.endsWith(".gguf");
        return Files.exists(p) || !hubId ? p.toAbsolutePath().normalize().toString() : baseModel;
    }

    /** Writes the adapter into {@code dir} (created if needed); each file lands atomically. */
    public static void save(LoraSet set, Path dir, String baseModel) throws IOException {
        Files.createDirectories(dir);
        LlamaConfig mc = set.modelConfig();
        LoraConfig lc = set.config();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Arena scratch = Arena.ofShared()) {
            for (int l : set.layers())
                for (LoraTarget t : LoraTarget.values()) {
                    if (!lc.targets().contains(t)) continue;
                    tensors.put(tensorName(l, t, "A"), set.a(l, t));
                    tensors.put(tensorName(l, t, "B"), permuteRows(set.b(l, t), t, mc, true, scratch));
                }
            SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        }
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("peft_type", "LORA");
        cfg.put("task_type", "CAUSAL_LM");
        cfg.put("base_model_name_or_path", baseModelName(baseModel));
        cfg.put("r", lc.rank());
        cfg.put("lora_alpha", lc.alpha());
        cfg.put("lora_dropout", lc.dropout());
        cfg.put("bias", "none");
        cfg.put("fan_in_fan_out", false);
        cfg.put("inference_mode", true);
        cfg.put("use_rslora", false);
        ArrayNode targets = cfg.putArray("target_modules");
        for (LoraTarget t : new TreeSet<>(lc.targets())) targets.add(t.hfModule().substring(t.hfModule().indexOf('.') + 1));
        ArrayNode layers = cfg.putArray("layers_to_transform");
        for (int l : set.layers()) layers.add(l);
        Path tmp = TempFiles.createSibling(dir, "." + CONFIG + ".", ".tmp");
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), cfg);
            Files.move(tmp, dir.resolve(CONFIG), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads an adapter written by {@link #save} (or by PEFT for a LLaMA) for a model of config {@code mc}; see {@link PeftAdapterReader}. */
    public static LoraSet load(Path dir, LlamaConfig mc, Backend be, Arena arena) throws IOException {
        return PeftAdapterReader.read(dir, mc, be, arena).lora();
    }

    /** B of wq/wk in an interleaved model ↔ HF half-split rows; anything else passes through. */
    static Tensor permuteRows(Tensor b, LoraTarget t, LlamaConfig mc, boolean toHf, Arena scratch) {
        if (mc.ropeStyle() != RopeStyle.INTERLEAVED || (t != LoraTarget.WQ && t != LoraTarget.WK)) return b;
        int heads = t == LoraTarget.WQ ? mc.nHeads() : mc.nKvHeads();
        MemorySegment src = MemorySegment.ofArray(b.toFloatArray());
        MemorySegment dst = scratch.allocate(src.byteSize(), 4);
        if (toHf) QkPermutation.toHalfSplit(src, dst, heads, mc.headSize(), b.dim(1));
        else QkPermutation.toInterleaved(src, dst, heads, mc.headSize(), b.dim(1));
        return Tensor.of(b.backend(), scratch, dst.toArray(ValueLayout.JAVA_FLOAT), b.shape());
    }
}
