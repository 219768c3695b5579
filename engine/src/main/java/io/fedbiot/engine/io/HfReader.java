package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
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
 * model.safetensors.index.json. q/k rows are kept in HF layout (the config says HALF_SPLIT).
 */
public final class HfReader {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

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

        // HF name → the file that holds it; every file mapped once.
        Map<String, SafetensorsFile> where = new LinkedHashMap<>();
        Map<String, SafetensorsFile> files = new LinkedHashMap<>();
        Path single = dir.resolve(SINGLE), index = dir.resolve(INDEX);
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single, arena);
            files.put(SINGLE, f);
            for (String n : f.entries().keySet()) where.put(n, f);
        } else if (Files.isRegularFile(index)) {
            JsonNode map;
            try {
                map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
            } catch (IOException e) {
                throw new CheckpointFormatException(index + ": not valid JSON: " + e.getMessage(), e);
            }
            if (map == null || !map.isObject()) throw new CheckpointFormatException(index + ": no weight_map object");
            for (var e : map.properties()) {
                String shard = e.getValue().asText();
                if (shard.contains("/") || shard.contains("\\") || shard.equals(".."))
                    throw new CheckpointFormatException(index + ": shard name '" + shard + "' is not a plain file name");
                SafetensorsFile f = files.get(shard);
                if (f == null) {
                    Path p = dir.resolve(shard);
                    if (!Files.isRegularFile(p))
                        throw new CheckpointFormatException(index + ": tensor '" + e.getKey() + "' is in shard "
                                + shard + ", which does not exist");
                    f = SafetensorsFile.open(p, arena);
                    files.put(shard, f);
                }
                if (!f.has(e.getKey()))
                    throw new CheckpointFormatException(f.path() + ": missing tensor '" + e.getKey()
                            + "' (listed there by " + INDEX + ")");
                where.put(e.getKey(), f);
            }
        } else {
            throw new CheckpointFormatException(dir + ": neither " + SINGLE + " nor " + INDEX + " found");
        }

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, TensorSource> sources = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (var e : expected.entrySet()) {
            String hf = HfNames.of(e.getKey());
            SafetensorsFile f = where.get(hf);
            if (f == null) {
                Path in = files.size() == 1 ? files.values().iterator().next().path() : dir.resolve(INDEX);
                throw new CheckpointFormatException(in + ": missing tensor '" + hf + "' (" + e.getKey()
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
        for (String n : where.keySet()) if (!used.contains(n)) ignored.add(n);
        return new Checkpoint(CheckpointFormat.HF_SAFETENSORS, config, tensors, sources, ignored, dir, arena);
    }
}
