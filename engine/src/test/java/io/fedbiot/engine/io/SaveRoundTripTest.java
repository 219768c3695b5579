package io.fedbiot.engine.io;

import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.fedbiot.engine.io.TensorAsserts.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.*;

class SaveRoundTripTest {

    @Test
    void hfSaveLoadIsBitIdentical(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("saved");
        try (Checkpoint a = Checkpoint.load(HfCheckpointTest.tiny())) {
            a.save(dir);
            try (Checkpoint b = Checkpoint.load(dir)) {
                assertEquals(a.config(), b.config());
                assertEquals(a.tensors().keySet(), b.tensors().keySet());
                for (var e : a.tensors().entrySet()) assertBitIdentical(e.getValue(), b.tensor(e.getKey()), e.getKey());
                assertEquals("F32", b.sources().get("layers.0.wq").diskDtype());
                assertEquals("model.layers.0.self_attn.q_proj.weight", b.sources().get("layers.0.wq").diskName());
            }
        }
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "config.json and model.safetensors only, no temp files");
        }
    }

    /** A llama2.c model saved as HF: same tensors, except q/k rows permuted to HF's half-split layout. */
    @Test
    void llama2cSavedAsHfIsPermutedQk(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("stories-hf");
        try (Checkpoint a = Checkpoint.load(SharedData.model("stories260K.bin"))) {
            a.save(dir);
            try (Checkpoint b = Checkpoint.load(dir)) {
                assertEquals(RopeStyle.HALF_SPLIT, b.config().ropeStyle());
                LlamaConfig ac = a.config();
                assertEquals(new LlamaConfig(ac.dim(), ac.hiddenDim(), ac.nLayers(), ac.nHeads(), ac.nKvHeads(),
                        ac.vocabSize(), ac.maxSeqLen(), ac.ropeTheta(), ac.normEps(), ac.tiedClassifier(),
                        RopeStyle.HALF_SPLIT), b.config());
                assertFalse(b.tensors().containsKey("output"), "tied classifier stays tied");
                int d = a.config().headSize();
                for (var e : a.tensors().entrySet()) {
                    String part = LlamaTensors.partOf(e.getKey());
                    Tensor got = b.tensor(e.getKey());
                    if (!part.equals("wq") && !part.equals("wk")) {
                        assertBitIdentical(e.getValue(), got, e.getKey());
                        continue;
                    }
                    float[] src = e.getValue().toFloatArray(), dst = got.toFloatArray();
                    int rows = e.getValue().dim(0), cols = e.getValue().dim(1);
                    assertFalse(java.util.Arrays.equals(src, dst), e.getKey() + " should be permuted");
                    for (int r = 0; r < rows; r++) {
                        int h = r / d, j = r % d;            // HF row j of head h ...
                        int c = j / (d / 2), i = j % (d / 2);  // ... is pair i, component c
                        int from = h * d + 2 * i + c;
                        for (int k = 0; k < cols; k++)
                            assertEquals(Float.floatToRawIntBits(src[from * cols + k]),
                                    Float.floatToRawIntBits(dst[r * cols + k]), e.getKey() + " row " + r);
                    }
                }
            }
        }
    }
}
