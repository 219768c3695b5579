package io.fedbiot.engine.io;

import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face LLaMA directory: config.json plus model.safetensors, or shards listed in
 * model.safetensors.index.json ({@link SafetensorsShards}: each shard mapped once). q/k rows are
 * kept in HF layout (the config says HALF_SPLIT). Weights are widened to F32 here (BF16/F16
 * converted into the arena); {@link SafetensorsShards#stored} gives the stored-dtype views.
 */
public final class HfReader {
    public static final String SINGLE = SafetensorsShards.SINGLE;
    public static final String INDEX = SafetensorsShards.INDEX;

    private HfReader() {}

    public static Checkpoint read(Path dir) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return read(dir, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Checkpoint read(Path dir, Arena arena) throws IOException {
        LlamaConfig config = HfConfig.read(dir.resolve("config.json"));
        Map<String, int[]> expected = LlamaTensors.expected(config);

        SafetensorsShards shards = SafetensorsShards.open(dir, arena);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, TensorSource> sources = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (var e : expected.entrySet()) {
            String hf = HfNames.of(e.getKey());
            SafetensorsFile f = shards.fileOf(hf);
            if (f == null) {
                throw new CheckpointFormatException(shards.listing() + ": missing tensor '" + hf + "' (" + e.getKey()
                        + ", expected shape " + Arrays.toString(e.getValue()) + ")");
            }
            SafetensorsFile.Entry en = f.entry(hf);
            if (!Arrays.equals(en.shape(), e.getValue()))
                throw new CheckpointFormatException(f.path() + ": tensor '" + hf + "' has shape "
                        + Arrays.toString(en.shape()) + " but config.json implies " + Arrays.toString(e.getValue()));
            tensors.put(e.getKey(), f.f32(hf, arena));
            sources.put(e.getKey(), new TensorSource(f.path().getFileName().toString(), hf, en.dtype()));
            used.add(hf);
        }
        List<String> ignored = new ArrayList<>();
        for (String n : shards.where().keySet()) if (!used.contains(n)) ignored.add(n);
        return new Checkpoint(CheckpointFormat.HF_SAFETENSORS, config, tensors, sources, ignored, dir, arena);
    }
}
