package io.fedbiot.engine.io;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.fedbiot.engine.io.TensorAsserts.assertBitIdentical;
import static io.fedbiot.engine.io.TensorAsserts.seg;
import static org.junit.jupiter.api.Assertions.*;

class Llama2cAndGgufTest {
    static final LlamaConfig STORIES = new LlamaConfig(64, 172, 5, 8, 4, 512, 512, 10000f, 1e-5f, true,
            RopeStyle.INTERLEAVED);

    @Test
    void storiesBinConfigAndShapes() throws Exception {
        try (Checkpoint c = Checkpoint.load(SharedData.model("stories260K.bin"))) {
            assertEquals(CheckpointFormat.LLAMA2C, c.format());
            assertEquals(STORIES, c.config());
            assertEquals(1 + 5 * 9 + 1, c.tensors().size(), "tied: no output tensor");
            assertArrayEquals(new int[]{512, 64}, c.tensor("tok_embeddings").shape());
            assertArrayEquals(new int[]{64}, c.tensor("layers.4.attention_norm").shape());
            assertArrayEquals(new int[]{64, 64}, c.tensor("layers.0.wq").shape());
            assertArrayEquals(new int[]{32, 64}, c.tensor("layers.0.wk").shape());
            assertArrayEquals(new int[]{32, 64}, c.tensor("layers.3.wv").shape());
            assertArrayEquals(new int[]{64, 64}, c.tensor("layers.2.wo").shape());
            assertArrayEquals(new int[]{172, 64}, c.tensor("layers.1.w1").shape());
            assertArrayEquals(new int[]{64, 172}, c.tensor("layers.1.w2").shape());
            assertArrayEquals(new int[]{172, 64}, c.tensor("layers.1.w3").shape());
            assertArrayEquals(new int[]{64}, c.tensor("norm").shape());
            assertSame(c.tensor("tok_embeddings"), c.classifier());
            assertEquals(STORIES.parameterCount(), c.parameterCount());
            for (Tensor t : c.tensors().values()) {
                assertEquals(DType.F32, t.dtype());
                assertTrue(seg(t).isMapped(), t + " should be a zero-copy slice of the mapping");
            }
            var e = assertThrows(IllegalArgumentException.class, () -> c.tensor("output"));
            assertTrue(e.getMessage().contains("stories260K.bin") && e.getMessage().contains("'output'"), e.getMessage());
        }
    }

    @Test
    void storiesBinValuesAtTheirOffsets() throws Exception {
        Path f = SharedData.model("stories260K.bin");
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        try (Checkpoint c = Checkpoint.load(f)) {
            long base = 28;
            long emb = 512 * 64, rmsAtt = 5 * 64, wq = 5 * 64 * 64;
            // layers.2.wq row 3 col 5, computed from llama2.c's layout by hand
            long idx = emb + rmsAtt + 2 * 64 * 64 + 3 * 64 + 5;
            assertEquals(raw.getFloat((int) (base + 4 * idx)), c.tensor("layers.2.wq").toFloatArray()[3 * 64 + 5]);
            long w2 = emb + rmsAtt + wq + 2 * 5 * 32 * 64 + wq + rmsAtt + 5 * 172 * 64 + 4 * 64 * 172;
            assertEquals(raw.getFloat((int) (base + 4 * (w2 + 7))), c.tensor("layers.4.w2").toFloatArray()[7]);
        }
    }

    @Test
    void ggufTensorsAreTheBinBytes() throws Exception {
        try (Checkpoint bin = Checkpoint.load(SharedData.model("stories260K.bin"));
             Checkpoint gguf = Checkpoint.load(SharedData.model("gguf/stories260K.gguf"))) {
            assertEquals(CheckpointFormat.GGUF, gguf.format());
            LlamaConfig g = gguf.config();
            assertEquals(2048, g.maxSeqLen(), "context_length is read as the file says (the .bin has 512)");
            assertFalse(g.tiedClassifier(), "the GGUF writes output.weight separately");
            assertEquals(new LlamaConfig(64, 172, 5, 8, 4, 512, 2048, 10000f, 1e-5f, false, RopeStyle.INTERLEAVED), g);
            for (var e : bin.tensors().entrySet()) {
                assertBitIdentical(e.getValue(), gguf.tensor(e.getKey()), e.getKey());
                assertTrue(seg(gguf.tensor(e.getKey())).isMapped(), e.getKey() + " zero-copy");
            }
            assertBitIdentical(bin.tensor("tok_embeddings"), gguf.tensor("output"), "output = tok_embeddings");
            assertEquals(bin.tensors().size() + 1, gguf.tensors().size());
            assertEquals("blk.3.ffn_gate.weight", gguf.sources().get("layers.3.w1").diskName());
            assertEquals("F32", gguf.sources().get("layers.3.w1").diskDtype());
            assertEquals(List.of(), gguf.ignored());
        }
    }

    @Test
    void vocabOnlyGgufIsNotAModel() throws Exception {
        var e = assertThrows(CheckpointFormatException.class,
                () -> Checkpoint.load(SharedData.model("gguf/ggml-vocab-llama-spm.gguf")));
        assertTrue(e.getMessage().contains("ggml-vocab-llama-spm.gguf") && e.getMessage().contains("vocab-only"),
                e.getMessage());
    }
}
