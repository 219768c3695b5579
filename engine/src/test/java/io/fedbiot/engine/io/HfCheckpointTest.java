package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.fedbiot.engine.io.TensorAsserts.assertBitIdentical;
import static io.fedbiot.engine.io.TensorAsserts.seg;
import static org.junit.jupiter.api.Assertions.*;

class HfCheckpointTest {
    static final LlamaConfig TINY = new LlamaConfig(64, 176, 2, 4, 2, 512, 128, 10000f, 1e-5f, false,
            RopeStyle.HALF_SPLIT);

    static Path tiny() {
        return SharedData.model("hf-tiny-llama-random");
    }

    @Test
    void singleFileConfigShapesAndSources() throws Exception {
        try (Checkpoint c = Checkpoint.load(tiny())) {
            assertEquals(CheckpointFormat.HF_SAFETENSORS, c.format());
            assertEquals(TINY, c.config());
            assertEquals(21, c.tensors().size());
            assertArrayEquals(new int[]{512, 64}, c.tensor("output").shape());
            assertArrayEquals(new int[]{32, 64}, c.tensor("layers.1.wk").shape());
            assertArrayEquals(new int[]{64, 176}, c.tensor("layers.1.w2").shape());
            var s = c.sources().get("layers.1.w3");
            assertEquals("model.layers.1.mlp.up_proj.weight", s.diskName());
            assertEquals("BF16", s.diskDtype());
            assertEquals("model.safetensors", s.file());
            assertFalse(seg(c.tensor("layers.0.wq")).isMapped(), "BF16 is converted into the arena");
            assertEquals(TINY.parameterCount(), c.parameterCount());
        }
    }

    @Test
    void shardedIsBitIdenticalToSingleFile(@TempDir Path sharded) throws Exception {
        // The shared folder keeps the shards without a config.json: pair them with the single-file config.
        Files.copy(tiny().resolve("config.json"), sharded.resolve("config.json"));
        try (var shards = Files.list(tiny().resolve("sharded"))) {
            for (Path p : shards.toList()) Files.copy(p, sharded.resolve(p.getFileName()));
        }
        try (Checkpoint one = Checkpoint.load(tiny()); Checkpoint two = Checkpoint.load(sharded)) {
            assertEquals(one.config(), two.config());
            assertEquals(one.tensors().keySet(), two.tensors().keySet());
            for (var e : one.tensors().entrySet()) assertBitIdentical(e.getValue(), two.tensor(e.getKey()), e.getKey());
            assertEquals(2, two.sources().values().stream().map(TensorSource::file).distinct().count());
        }
    }

    /** BF16 → F32 checked against bits read with a plain ByteBuffer and shifted by hand. */
    @Test
    void bf16ConversionMatchesRawBits() throws Exception {
        Path file = tiny().resolve("model.safetensors");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(b.array(), 8, n, StandardCharsets.UTF_8));
        try (Checkpoint c = Checkpoint.load(tiny())) {
            String[][] pairs = {{"model.layers.0.self_attn.q_proj.weight", "layers.0.wq"},
                    {"lm_head.weight", "output"}, {"model.norm.weight", "norm"},
                    {"model.layers.1.mlp.down_proj.weight", "layers.1.w2"}};
            for (String[] p : pairs) {
                JsonNode e = header.get(p[0]);
                assertEquals("BF16", e.get("dtype").asText());
                int begin = 8 + n + e.get("data_offsets").get(0).asInt();
                float[] got = c.tensor(p[1]).toFloatArray();
                int nonZero = 0;
                for (int i = 0; i < got.length; i++) {
                    int bits = Short.toUnsignedInt(b.getShort(begin + 2 * i)) << 16;
                    float want = Float.intBitsToFloat(bits);
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]), p[0] + "[" + i + "]");
                    if (want != 0) nonZero++;
                }
                assertTrue(nonZero > got.length / 2, p[0] + " looks empty");
            }
        }
    }
}
