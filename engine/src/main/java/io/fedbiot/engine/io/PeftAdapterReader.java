package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.kernels.Backend;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a PEFT LoRA folder ({@link PeftAdapter#CONFIG} + {@link PeftAdapter#WEIGHTS}) for one base
 * model and checks all of it before returning: both files, the config's keys (named when wrong),
 * every tensor name mapped to a layer and target of that model, every shape, every value finite.
 * Anything wrong is a {@link CheckpointFormatException} naming the file and the key or tensor.
 */
public final class PeftAdapterReader {
    private static final Pattern NAME = Pattern.compile("base_model\\.model\\.model\\.layers\\.(\\d{1,6})\\.([a-z_]+\\.[a-z_]+)\\.lora_([AB])\\.weight");
    private static final String MODULES = "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj";

    private PeftAdapterReader() {}

    /** A checked adapter: its LoRA set (B rows in the model's q/k layout) and the base model its config names (or null). */
    public record Adapter(Path dir, LoraSet lora, String baseModel) {
        /** "rank 8, alpha 16, targets q_proj, v_proj, layers 0-4 (5 of 5)". */
        public String summary() {
            LoraConfig c = lora.config();
            StringBuilder t = new StringBuilder();
            for (LoraTarget x : c.targets()) t.append(t.isEmpty() ? "" : ", ").append(x.hfModule().substring(x.hfModule().indexOf('.') + 1));
            int[] l = lora.layers();
            return String.format(Locale.ROOT, "rank %d, alpha %s, targets %s, layers %s (%d of %d)", c.rank(),
                    c.alpha() == Math.rint(c.alpha()) ? Integer.toString((int) c.alpha()) : Float.toString(c.alpha()),
                    t, ranges(l), l.length, lora.modelConfig().nLayers());
        }
    }

    /** The adapter in {@code dir} for a model of config {@code mc}, its set on {@code be} in {@code arena}. */
    public static Adapter read(Path dir, LlamaConfig mc, Backend be, Arena arena) throws IOException {
        if (!Files.exists(dir)) throw new NoSuchFileException(dir.toString());
        if (!Files.isDirectory(dir))
            throw new CheckpointFormatException(dir + ": not a folder; an adapter is the folder that holds "
                    + PeftAdapter.CONFIG + " and " + PeftAdapter.WEIGHTS);
        Path cfgFile = dir.resolve(PeftAdapter.CONFIG), weights = dir.resolve(PeftAdapter.WEIGHTS);
        for (Path f : new Path[]{cfgFile, weights})
            if (!Files.isRegularFile(f))
                throw new CheckpointFormatException(f + ": missing; a PEFT adapter folder holds " + PeftAdapter.CONFIG + " and "
                        + PeftAdapter.WEIGHTS + (Files.exists(dir.resolve("adapter_model.bin")) ? " (adapter_model.bin, a pickle, is not read)" : ""));
        JsonFiles cfg = JsonFiles.readObject(cfgFile);
        LoraConfig lc = config(cfg);
        Set<Integer> listed = layersToTransform(cfg, mc);
        try (Arena scratch = Arena.ofShared()) {
            SafetensorsFile st = SafetensorsFile.open(weights, scratch);
            TreeSet<Integer> layers = new TreeSet<>();
            for (String name : st.entries().keySet()) layers.add(layerOf(st, name, mc, lc, listed, cfgFile));
            if (layers.isEmpty()) throw new CheckpointFormatException(weights + ": holds no LoRA tensors");
            LoraSet set = LoraSet.empty(mc, lc, layers.stream().mapToInt(Integer::intValue).toArray(), be, arena);
            for (int l : set.layers())
                for (LoraTarget t : lc.targets()) {
                    copyInto(st, PeftAdapter.tensorName(l, t, "A"), set.a(l, t), mc, null, lc, scratch);
                    copyInto(st, PeftAdapter.tensorName(l, t, "B"), set.b(l, t), mc, t, lc, scratch);
                }
            return new Adapter(dir, set, cfg.text("base_model_name_or_path", null));
        }
    }

    private static LoraConfig config(JsonFiles cfg) throws CheckpointFormatException {
        if (!"LORA".equals(cfg.get("peft_type") == null ? null : cfg.get("peft_type").asText())) throw cfg.bad("peft_type", "must be \"LORA\"");
        int r = cfg.requireInt("r");
        if (r < 1) throw cfg.bad("r", "(the rank) must be >= 1");
        double alpha = cfg.requireNumber("lora_alpha");
        if (!(alpha > 0)) throw cfg.bad("lora_alpha", "must be > 0");
        double dropout = cfg.number("lora_dropout", 0);
        if (!(dropout >= 0 && dropout < 1)) throw cfg.bad("lora_dropout", "must be in [0, 1)");
        // Variants whose forward differs from W + (alpha/r)·B·A would silently give other logits: refuse them.
        for (String k : new String[]{"use_rslora", "fan_in_fan_out", "use_dora"})
            if (cfg.bool(k, false)) throw cfg.bad(k, "must be false (not supported)");
        if (!"none".equals(cfg.text("bias", "none"))) throw cfg.bad("bias", "must be \"none\" (LoRA biases are not supported)");
        for (String k : new String[]{"rank_pattern", "alpha_pattern"}) {
            JsonNode v = cfg.get(k);
            if (v != null && (!v.isObject() || !v.isEmpty())) throw cfg.bad(k, "must be empty (per-module ranks are not supported)");
        }
        JsonNode save = cfg.get("modules_to_save");
        if (save != null && (!save.isArray() || !save.isEmpty())) throw cfg.bad("modules_to_save", "must be empty (only LoRA matrices are read)");
        JsonNode tm = cfg.get("target_modules");
        if (tm == null || !tm.isArray() || tm.isEmpty()) throw cfg.bad("target_modules", "must be a non-empty list of " + MODULES);
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (JsonNode t : tm) {
            if (!t.isTextual()) throw cfg.bad("target_modules", "must list module names (" + MODULES + ")");
            LoraTarget found = null;
            for (LoraTarget x : LoraTarget.values()) if (x.hfModule().endsWith("." + t.textValue())) found = x;
            if (found == null)
                throw new CheckpointFormatException(cfg.file() + ": key 'target_modules' names '" + t.textValue()
                        + "', not a linear layer of a LLaMA block (" + MODULES + ")");
            targets.add(found);
        }
        return new LoraConfig(r, (float) alpha, (float) dropout, targets);
    }

    /** The layers {@code layers_to_transform} lists, or null when it is absent (PEFT: every layer with tensors). */
    private static Set<Integer> layersToTransform(JsonFiles cfg, LlamaConfig mc) throws CheckpointFormatException {
        JsonNode v = cfg.get("layers_to_transform");
        if (v == null) return null;
        Set<Integer> out = new TreeSet<>();
        java.util.List<JsonNode> items = new java.util.ArrayList<>();
        if (v.isArray()) v.forEach(items::add);
        else items.add(v); // PEFT also accepts a single layer index
        for (JsonNode l : items) {
            if (!l.isIntegralNumber() || !l.canConvertToInt() || l.intValue() < 0 || l.intValue() >= mc.nLayers())
                throw cfg.bad("layers_to_transform", "must list layers of the model (0.." + (mc.nLayers() - 1) + ")");
            out.add(l.intValue());
        }
        return out;
    }

    /** The layer a tensor adapts, after checking that its name, layer and target fit the model and the config. */
    private static int layerOf(SafetensorsFile st, String name, LlamaConfig mc, LoraConfig lc, Set<Integer> listed, Path cfgFile)
            throws CheckpointFormatException {
        String where = st.path() + ": tensor '" + name + "'";
        Matcher m = NAME.matcher(name);
        if (!m.matches())
            throw new CheckpointFormatException(where + " is not a LoRA matrix of a LLaMA layer (expected "
                    + "base_model.model.model.layers.<i>.<module>.lora_A.weight or lora_B.weight)");
        int layer = Integer.parseInt(m.group(1));
        if (layer >= mc.nLayers())
            throw new CheckpointFormatException(where + " is for layer " + layer + ", but the model has layers 0.." + (mc.nLayers() - 1));
        LoraTarget target = null;
        for (LoraTarget t : LoraTarget.values()) if (t.hfModule().equals(m.group(2))) target = t;
        if (target == null)
            throw new CheckpointFormatException(where + " adapts '" + m.group(2) + "', not a linear layer of a LLaMA block");
        if (!lc.targets().contains(target))
            throw new CheckpointFormatException(where + " adapts " + m.group(2) + ", which " + cfgFile.getFileName()
                    + "'s target_modules does not list");
        if (listed != null && !listed.contains(layer))
            throw new CheckpointFormatException(where + " is for layer " + layer + ", which " + cfgFile.getFileName()
                    + "'s layers_to_transform " + listed + " does not list");
        return layer;
    }

    private static void copyInto(SafetensorsFile st, String name, Tensor dst, LlamaConfig mc, LoraTarget permuteFor, LoraConfig lc,
                                 Arena scratch) throws CheckpointFormatException {
        int[] actual = st.entry(name).shape();
        if (!Arrays.equals(actual, dst.shape()))
            throw new CheckpointFormatException(st.path() + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
                    + ", expected " + Arrays.toString(dst.shape()) + " (lora_A is [r, in], lora_B is [out, r]; r = " + lc.rank() + " in " + PeftAdapter.CONFIG + ")");
        Tensor src = st.f32(name, scratch);
        float[] v = src.toFloatArray();
        for (int i = 0; i < v.length; i++)
            if (!Float.isFinite(v[i]))
                throw new CheckpointFormatException(String.format(Locale.ROOT, "%s: tensor '%s' holds %s at element [%d, %d]; the adapter is damaged",
                        st.path(), name, v[i], i / actual[1], i % actual[1]));
        dst.copyFrom(permuteFor == null ? v : PeftAdapter.permuteRows(src, permuteFor, mc, false, scratch).toFloatArray());
    }

    /** "0-4" or "1, 3, 5-6". */
    static String ranges(int[] sorted) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < sorted.length; ) {
            int j = i;
            while (j + 1 < sorted.length && sorted[j + 1] == sorted[j] + 1) j++;
            b.append(b.isEmpty() ? "" : ", ").append(sorted[i]).append(j > i ? "-" + sorted[j] : "");
            i = j + 1;
        }
        return b.toString();
    }
}
