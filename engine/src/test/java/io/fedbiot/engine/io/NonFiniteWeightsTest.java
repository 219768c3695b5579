package io.fedbiot.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A checkpoint with one NaN or infinity is refused at load, naming the tensor and element. */
class NonFiniteWeightsTest {
    /** stories260K.bin with {@code value} at element {@code at} of layer {@code layer}'s wq, located from the header alone. */
    private static Path patched(Path tmp, int layer, long at, float value) throws Exception {
        byte[] all = Files.readAllBytes(SharedData.model("stories260K.bin"));
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long dim = b.getInt(0), layers = b.getInt(8), vocab = Math.abs(b.getInt(20));
        // token_embedding [vocab, dim], rms_att [layers, dim], then wq [layers, dim, dim]
        long floatIndex = vocab * dim + layers * dim + layer * dim * dim + at;
        b.putFloat((int) (28 + 4 * floatIndex), value);
        Path f = tmp.resolve("nan.bin");
        Files.write(f, all);
        return f;
    }

    @Test
    void nanInALayerNamesTheTensorAndElement(@TempDir Path tmp) throws Exception {
        Path f = patched(tmp, 1, 64 * 3 + 7, Float.NaN);
        String msg = assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(f).close()).getMessage();
        for (String s : new String[]{f.toString(), "'layers.1.wq'", "wq[1]", "NaN", "element 199", "[3, 7]"})
            assertTrue(msg.contains(s), "'" + s + "' missing from: " + msg);
    }

    @Test
    void infinityIsRefusedToo(@TempDir Path tmp) throws Exception {
        Path f = patched(tmp, 0, 0, Float.NEGATIVE_INFINITY);
        String msg = assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(f).close()).getMessage();
        assertTrue(msg.contains("'layers.0.wq'") && msg.contains("-Infinity"), msg);
    }

    @Test
    void theUntouchedFileLoads() throws Exception {
        try (Checkpoint c = Checkpoint.load(SharedData.model("stories260K.bin"))) {
            assertEquals(5, c.config().nLayers());
        }
    }

    @Test
    void scanFindsTheFirstBadFloatAcrossBlocks() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var seg = arena.allocate(4L * 10_000, 4);
            assertEquals(-1, FiniteWeights.firstNonFinite(seg));
            seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 9_999, Float.POSITIVE_INFINITY);
            seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 5_000, Float.NaN);
            assertEquals(5_000, FiniteWeights.firstNonFinite(seg));
            seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 5_000, Float.MAX_VALUE); // finite, however large
            assertEquals(9_999, FiniteWeights.firstNonFinite(seg));
        }
    }
}
