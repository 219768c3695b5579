package io.fedbiot.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class GgufFileTest {

    @Test
    void storiesMetadataAndTensorInfos() throws Exception {
        try (GgufFile g = GgufFile.open(SharedData.model("gguf/stories260K.gguf"))) {
            assertEquals(3, g.version());
            assertEquals(19, g.metadata().size());
            assertEquals(48, g.tensors().size());
            assertEquals(32, g.alignment());
            assertEquals(14176, g.dataStart());
            assertEquals("tokenizer.ggml.tokens", g.metadata().keySet().iterator().next(), "file order is kept");
            assertEquals("llama", g.getString("general.architecture"));
            assertEquals(2048, g.getInt("llama.context_length"));
            assertEquals(64, g.getInt("llama.embedding_length"));
            assertEquals(4, g.getInt("llama.attention.head_count_kv"));
            assertEquals(1e-5f, g.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertFalse(g.has("llama.rope.freq_base"));
            assertEquals(10000f, g.getFloat("llama.rope.freq_base", 10000f));
            assertEquals(512, g.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals("<s>", g.getStringArray("tokenizer.ggml.tokens")[1]);
            assertEquals(512, g.getFloatArray("tokenizer.ggml.scores").length);
            int[] types = g.getIntArray("tokenizer.ggml.token_type");
            assertEquals(256, Arrays.stream(types).filter(t -> t == 6).count());
            assertEquals(GgufValueType.ARRAY, g.type("tokenizer.ggml.token_type"));
            assertEquals(GgufValueType.INT32, g.arrayType("tokenizer.ggml.token_type"));
            assertEquals(GgufValueType.UINT32, g.type("tokenizer.ggml.bos_token_id"));
            assertEquals(1, g.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(-1, g.getInt("tokenizer.ggml.padding_token_id"), "u32 0xFFFFFFFF reads as -1");
            assertEquals(4294967295L, g.getLong("tokenizer.ggml.padding_token_id"));

            GgufTensorInfo q = g.tensor("blk.0.attn_k.weight");
            assertArrayEquals(new long[]{64, 32}, q.ne());
            assertArrayEquals(new int[]{32, 64}, q.shape());
            assertEquals(GgmlType.F32, q.type());
            assertEquals(32L * 64 * 4, g.data(q).byteSize());
            long end = g.tensors().values().stream().mapToLong(t -> t.offset() + t.byteSize()).max().orElseThrow();
            assertEquals(g.fileSize(), end, "tensor data ends exactly at EOF");
            var e = assertThrows(CheckpointFormatException.class, () -> g.tensor("nope.weight"));
            assertTrue(e.getMessage().contains("stories260K.gguf") && e.getMessage().contains("nope.weight"), e.getMessage());
            var w = assertThrows(CheckpointFormatException.class, () -> g.getInt("general.name"));
            assertTrue(w.getMessage().contains("general.name"), w.getMessage());
        }
    }

    @Test
    void vocabOnlyFileEndsRightAfterItsMetadata() throws Exception {
        Path f = SharedData.model("gguf/ggml-vocab-llama-spm.gguf");
        assertEquals(723869, Files.size(f));
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(0, g.tensors().size());
            assertEquals(22, g.metadata().size());
            assertEquals(723869, g.dataStart());
            String[] tokens = g.getStringArray("tokenizer.ggml.tokens");
            assertEquals(32000, tokens.length);
            assertEquals(32000, g.arrayLength("tokenizer.ggml.tokens"));
            assertEquals("<unk>", tokens[0]);
            assertEquals(32000, g.getInt("llama.vocab_size"));
            assertTrue(g.getBool("tokenizer.ggml.add_bos_token", false));
            assertFalse(g.getBool("tokenizer.ggml.add_eos_token", true));
            assertEquals(1, g.getInt("general.file_type"));
            assertEquals("llama-spm", g.getString("general.name"));
        }
    }

    @Test
    void truncatedMetadataNamesTheKey(@TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(SharedData.model("gguf/ggml-vocab-llama-spm.gguf"));
        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(all, 5000));
        var e = assertThrows(CheckpointFormatException.class, () -> GgufFile.open(cut).close());
        assertTrue(e.getMessage().contains("cut.gguf") && e.getMessage().contains("tokenizer.ggml.tokens"), e.getMessage());
    }

    @Test
    void notGguf(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("x.gguf");
        Files.write(f, new byte[]{'G', 'G', 'U', 'X', 3, 0, 0, 0});
        var e = assertThrows(CheckpointFormatException.class, () -> GgufFile.open(f).close());
        assertTrue(e.getMessage().contains("x.gguf") && e.getMessage().contains("magic"), e.getMessage());
    }
}
