package io.fedbiot.engine.io;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Sharded HF folders: what each kind of damage is reported as, and offsets past 2^31. */
class SafetensorsShardsTest {
    private static final String NORM = "model.norm.weight", EMBED = "model.embed_tokens.weight";

    /** test-tiny in BF16 across several shards. */
    private static Path sharded(Path dir) throws Exception {
        return RandomCheckpointWriterTest.write(dir, DType.BF16, 1, 60_000);
    }

    private static String shardOf(Path dir, String tensor) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve(SafetensorsShards.INDEX).toFile())
                .get("weight_map").get(tensor).asText();
    }

    private static String loadError(Path dir) {
        return assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(dir).close()).getMessage();
    }

    private static void assertMentions(String msg, String... parts) {
        for (String p : parts) assertTrue(msg.contains(p), "message lacks '" + p + "': " + msg);
    }

    /** A safetensors file from a header JSON (padded here) and a data size; the data bytes are zeros. */
    static void raw(Path file, String header, long dataBytes) throws Exception {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(head.array());
            f.setLength(8 + padded + dataBytes);
        }
    }

    @Test
    void missingShardNamesTheIndexTheShardAndATensor(@TempDir Path dir) throws Exception {
        sharded(dir);
        String shard = shardOf(dir, NORM);
        Files.delete(dir.resolve(shard));
        assertMentions(loadError(dir), SafetensorsShards.INDEX, shard, "does not exist", "'");
    }

    @Test
    void tensorMissingFromItsShardNamesBoth(@TempDir Path dir) throws Exception {
        sharded(dir);
        String first = shardOf(dir, EMBED), last = shardOf(dir, NORM);
        assertNotEquals(first, last);
        Path index = dir.resolve(SafetensorsShards.INDEX);
        Files.writeString(index, Files.readString(index).replace(
                "\"" + NORM + "\" : \"" + last + "\"", "\"" + NORM + "\" : \"" + first + "\""));
        assertMentions(loadError(dir), first, "missing tensor '" + NORM + "'", SafetensorsShards.INDEX);
    }

    @Test
    void truncatedShardNamesTheFileAndTheTensor(@TempDir Path dir) throws Exception {
        sharded(dir);
        Path last = dir.resolve(shardOf(dir, NORM));
        try (RandomAccessFile f = new RandomAccessFile(last.toFile(), "rw")) {
            f.setLength(f.length() - 10);
        }
        assertMentions(loadError(dir), last.toString(), "tensor '", "truncated");
    }

    @Test
    void tensorListedTwiceInTheIndexIsRefused(@TempDir Path dir) throws Exception {
        sharded(dir);
        Path index = dir.resolve(SafetensorsShards.INDEX);
        String text = Files.readString(index);
        String line = "\"" + NORM + "\" : \"" + shardOf(dir, NORM) + "\"";
        Files.writeString(index, text.replace(line, line + ",\n    " + line));
        assertMentions(loadError(dir), index.toString(), NORM, "Duplicate");
    }

    @Test
    void tensorStoredInTwoShardsIsRefused(@TempDir Path dir) throws Exception {
        String f32x4 = "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[%d,%d]}";
        raw(dir.resolve("a.safetensors"), "{\"x\":" + f32x4.formatted(0, 16) + ",\"y\":" + f32x4.formatted(16, 32) + "}", 32);
        raw(dir.resolve("b.safetensors"), "{\"y\":" + f32x4.formatted(0, 16) + ",\"z\":" + f32x4.formatted(16, 32) + "}", 32);
        Files.writeString(dir.resolve(SafetensorsShards.INDEX),
                "{\"weight_map\": {\"x\": \"a.safetensors\", \"y\": \"a.safetensors\", \"z\": \"b.safetensors\"}}");
        try (Arena a = Arena.ofConfined()) {
            var e = assertThrows(CheckpointFormatException.class, () -> SafetensorsShards.open(dir, a));
            assertMentions(e.getMessage(), "'y'", "stored twice", "a.safetensors", "b.safetensors");
        }
    }

    @Test
    void duplicateTensorInOneHeaderAndBadDtypesAreRefused(@TempDir Path dir) throws Exception {
        String e4 = "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}";
        Path dup = dir.resolve("dup.safetensors"), i32 = dir.resolve("i32.safetensors"), q = dir.resolve("q.safetensors");
        raw(dup, "{\"w\":" + e4 + ",\"w\":" + e4 + "}", 16);
        raw(i32, "{\"w\":{\"dtype\":\"I32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16);
        raw(q, "{\"w\":{\"dtype\":\"Q4_0\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16);
        try (Arena a = Arena.ofConfined()) {
            assertMentions(assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(dup, a)).getMessage(),
                    dup.toString(), "'w'");
            SafetensorsFile f = SafetensorsFile.open(i32, a);
            assertMentions(assertThrows(CheckpointFormatException.class, () -> f.stored("w", a)).getMessage(),
                    i32.toString(), "'w'", "I32");
            assertMentions(assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(q, a)).getMessage(),
                    q.toString(), "'w'", "Q4_0");
        }
    }

    @Test
    void offsetsBeyondTwoGibibytesInASparseShard(@TempDir Path dir) throws Exception {
        long far = (1L << 31) + 4096;  // past any int offset or ByteBuffer limit
        String header = "{\"near\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"far\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + far + "," + (far + 16) + "]},"
                + "\"farbf\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[" + (far + 16) + "," + (far + 22) + "]}}";
        Path file = dir.resolve("model-00001-of-00001.safetensors");
        raw(file, header, far + 22);
        long dataStart = Files.size(file) - (far + 22);
        float[] want = {1.5f, -2.25f, 3e-3f, 65504f};
        short[] wantBf = {DType.floatToBf16(0.5f), DType.floatToBf16(-7f), DType.floatToBf16(1e-2f)};
        ByteBuffer b = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : want) b.putFloat(v);
        for (short v : wantBf) b.putShort(v);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(dataStart + far);
            f.write(b.array());
        }
        assertTrue(Files.size(file) > (1L << 31) + 4096);
        Files.writeString(dir.resolve(SafetensorsShards.INDEX), "{\"weight_map\": {\"near\": \"" + file.getFileName()
                + "\", \"far\": \"" + file.getFileName() + "\", \"farbf\": \"" + file.getFileName() + "\"}}");
        try (Arena a = Arena.ofShared()) {
            SafetensorsShards shards = SafetensorsShards.open(dir, a);
            SafetensorsFile sf = shards.fileOf("far");
            assertEquals(dataStart + far, sf.entry("far").begin());
            assertArrayEquals(want, sf.f32("far", a).toFloatArray());
            Tensor view = shards.stored("far", a);
            assertEquals(DType.F32, view.dtype());
            assertTrue(TensorAsserts.seg(view).isMapped(), "an aligned F32 tensor is a view of the mapping");
            assertArrayEquals(want, view.toFloatArray());
            Tensor bf = shards.stored("farbf", a);
            assertEquals(DType.BF16, bf.dtype());
            assertTrue(TensorAsserts.seg(bf).isMapped());
            for (int i = 0; i < 3; i++) assertEquals(wantBf[i], TensorAsserts.seg(bf).getAtIndex(ValueLayout.JAVA_SHORT, i));
            assertArrayEquals(new float[]{0.5f, -7f, DType.bf16ToFloat(wantBf[2])}, sf.f32("farbf", a).toFloatArray());
        }
    }

    @Test
    void storedViewsKeepBf16BitsWithoutCopying(@TempDir Path dir) throws Exception {
        sharded(dir);
        try (Arena a = Arena.ofShared(); Checkpoint c = Checkpoint.load(dir)) {
            SafetensorsShards shards = SafetensorsShards.open(dir, a);
            for (String name : new String[]{EMBED, "model.layers.1.mlp.down_proj.weight", NORM}) {
                Tensor t = shards.stored(name, a);
                assertEquals(DType.BF16, t.dtype());
                assertTrue(TensorAsserts.seg(t).isMapped(), name + " was copied");
                float[] widened = c.tensors().get(canonical(c, name)).toFloatArray();
                for (int i = 0; i < widened.length; i++)
                    assertEquals(Float.floatToRawIntBits(widened[i]) >>> 16,
                            Short.toUnsignedInt(TensorAsserts.seg(t).getAtIndex(ValueLayout.JAVA_SHORT, i)), name + "[" + i + "]");
            }
        }
    }

    private static String canonical(Checkpoint c, String hf) {
        return c.sources().entrySet().stream().filter(e -> e.getValue().diskName().equals(hf)).findFirst().orElseThrow().getKey();
    }
}
