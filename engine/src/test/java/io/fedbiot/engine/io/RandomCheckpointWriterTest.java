package io.fedbiot.engine.io;

import io.fedbiot.engine.model.ModelShapes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.engine.DType;
import io.fedbiot.engine.model.LlamaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

class RandomCheckpointWriterTest {
    static final LlamaConfig TINY = ModelShapes.get("test-tiny");

    static Path write(Path dir, DType d, long seed, long shard) throws Exception {
        RandomCheckpointWriter.write(RandomCheckpointWriter.plan(TINY, d, shard), seed, dir, b -> {});
        return dir;
    }

    /** File name → sha256 of every file in {@code dir}. */
    static Map<String, String> digests(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList())
                m.put(p.getFileName().toString(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        }
        return m;
    }

    /** Nearest bf16 to {@code f}, ties to even, chosen by comparing both neighbours in double. */
    static float bf16Reference(float f) {
        int bits = Float.floatToRawIntBits(f);
        float lo = Float.intBitsToFloat(bits & 0xFFFF0000), hi = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
        double dl = Math.abs((double) f - lo), dh = Math.abs((double) hi - f);
        if (dl != dh) return dl < dh ? lo : hi;
        return ((Float.floatToRawIntBits(lo) >>> 16) & 1) == 0 ? lo : hi;
    }

    @Test
    void readsBackAsTheShapeWithTheSeededValues(@TempDir Path dir) throws Exception {
        write(dir, DType.BF16, 3, 1L << 30);
        try (Checkpoint c = Checkpoint.load(dir)) {
            assertEquals(TINY, c.config());
            assertEquals(TINY.parameterCount(), c.parameterCount());
            for (var e : c.tensors().entrySet()) {
                String hf = HfNames.of(e.getKey());
                assertEquals("BF16", c.sources().get(e.getKey()).diskDtype());
                float[] got = e.getValue().toFloatArray();
                long key = RandomWeights.key(3, hf);
                for (int i = 0; i < got.length; i++) {
                    float want = e.getKey().endsWith("norm") ? 1f : bf16Reference(RandomWeights.value(key, i, 0.02));
                    assertEquals(want, got[i], hf + "[" + i + "]");
                }
            }
        }
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", cfg.get("architectures").get(0).asText());
        assertEquals("bfloat16", cfg.get("torch_dtype").asText());
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytesAnyChunking(@TempDir Path tmp) throws Exception {
        Map<String, String> a = digests(write(tmp.resolve("a"), DType.BF16, 5, 60_000));
        assertEquals(a, digests(write(tmp.resolve("b"), DType.BF16, 5, 60_000)));
        // A 1000-byte buffer splits every tensor into many chunks: the bytes must not change.
        RandomCheckpointWriter.write(RandomCheckpointWriter.plan(TINY, DType.BF16, 60_000), 5, tmp.resolve("c"), b -> {}, 1000);
        assertEquals(a, digests(tmp.resolve("c")));
        Map<String, String> other = digests(write(tmp.resolve("d"), DType.BF16, 6, 60_000));
        for (String f : a.keySet())
            if (f.endsWith(".safetensors")) assertNotEquals(a.get(f), other.get(f), f + " ignores the seed");
    }

    @Test
    void tinyShardSizeSplitsIntoShardsTheIndexDescribes(@TempDir Path dir) throws Exception {
        long shard = 40_000;
        AtomicLong progressed = new AtomicLong();
        var plan = RandomCheckpointWriter.plan(TINY, DType.F16, shard);
        RandomCheckpointWriter.write(plan, 1, dir, progressed::addAndGet);
        assertEquals(plan.dataBytes(), progressed.get(), "progress counts every data byte once");
        JsonNode index = new ObjectMapper().readTree(dir.resolve(SafetensorsShards.INDEX).toFile());
        JsonNode map = index.get("weight_map");
        Set<String> files = new HashSet<>();
        map.properties().forEach(e -> files.add(e.getValue().asText()));
        int m = files.size();
        assertTrue(m >= 4, m + " shards");
        for (int i = 1; i <= m; i++) assertTrue(files.contains(String.format("model-%05d-of-%05d.safetensors", i, m)));
        long total = 0;
        Set<String> named = new HashSet<>();
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            for (String f : files) {
                SafetensorsFile sf = SafetensorsFile.open(dir.resolve(f), arena);
                long data = 0;
                for (var en : sf.entries().values()) {
                    assertEquals(f, map.get(en.name()).asText(), en.name() + " is in " + f + " but the index says otherwise");
                    assertEquals("F16", en.dtype());
                    assertTrue(named.add(en.name()));
                    data += en.end() - en.begin();
                }
                assertTrue(data <= shard || sf.entries().size() == 1, f + " holds " + data + " bytes");
                total += data;
            }
        }
        assertEquals(map.size(), named.size());
        assertEquals(LlamaTensors.expected(TINY).size(), named.size());
        assertEquals(total, index.get("metadata").get("total_size").asLong());
        try (Checkpoint c = Checkpoint.load(dir)) {
            assertEquals(m, c.sources().values().stream().map(TensorSource::file).distinct().count());
        }
    }

    @Test
    void namedShapesAreTheRealModels() {
        LlamaConfig t = ModelShapes.get("tinyllama-1.1b"), l = ModelShapes.get("llama2-7b");
        assertEquals(1_100_048_384L, t.parameterCount());   // TinyLlama-1.1B's published count
        assertEquals(6_738_415_616L, l.parameterCount());   // Llama-2-7b's published count
        assertEquals(4, t.nKvHeads());
        assertNull(ModelShapes.get("gpt2"));
    }
}
