package io.fedbiot.engine.io;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.HostBuf;
import io.fedbiot.kernels.RopeStyle;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves a checkpoint as a true Hugging Face directory: HF names, F32, and q/k rows in HF's
 * half-split layout (interleaved sources are permuted), so HF tools and {@link HfReader} read it.
 */
final class HfWriter {
    private HfWriter() {}

    static void write(Checkpoint ckpt, Path dir) throws IOException {
        LlamaConfig c = ckpt.config();
        Files.createDirectories(dir);
        try (Arena scratch = Arena.ofConfined()) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (var e : ckpt.tensors().entrySet()) {
                Tensor t = e.getValue();
                String part = LlamaTensors.partOf(e.getKey());
                if (c.ropeStyle() == RopeStyle.INTERLEAVED && (part.equals("wq") || part.equals("wk")))
                    t = permuted(t, part.equals("wq") ? c.nHeads() : c.nKvHeads(), c.headSize(), c.dim(), scratch);
                out.put(HfNames.of(e.getKey()), t);
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            if (ckpt.format() != null) meta.put("fedbiot_source_format", ckpt.format().name());
            SafetensorsWriter.write(dir.resolve(HfReader.SINGLE), out, meta);
        }
        // A stale index would point readers at old shards: the single file is now the truth.
        Files.deleteIfExists(dir.resolve(HfReader.INDEX));
        Path cfg = dir.resolve("config.json");
        Path tmp = TempFiles.createSibling(dir, ".config.json.", ".tmp");
        try {
            Files.writeString(tmp, HfConfig.toJson(c), StandardCharsets.UTF_8);
            Files.move(tmp, cfg, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Tensor permuted(Tensor t, int heads, int headSize, int cols, Arena scratch) {
        MemorySegment src = TensorData.hostBytes(t, scratch);
        MemorySegment dst = scratch.allocate(src.byteSize(), 64);
        QkPermutation.toHalfSplit(src, dst, heads, headSize, cols);
        return Tensor.wrap(Backends.java(), DType.F32, new HostBuf(dst, Backends.java()), scratch, t.shape());
    }
}
