package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.HostBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsWriterTest {

    @Test
    void headerLayoutAndReadBack(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("t.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            var be = Backends.java();
            Tensor bf = Tensor.zeros(be, DType.BF16, arena, 3);
            for (int i = 0; i < 3; i++)
                HostBuf.of(bf.buf()).setAtIndex(ValueLayout.JAVA_SHORT, i, DType.floatToBf16(i + 0.5f));
            Map<String, Tensor> ts = new LinkedHashMap<>();
            ts.put("b", bf);  // 6 bytes: written after the F32 tensors so those stay 4-byte aligned
            ts.put("a", Tensor.of(be, arena, new float[]{1, 2, 3, 4, 5, 6}, 2, 3));
            ts.put("c", Tensor.of(be, arena, new float[]{-1}, 1));
            SafetensorsWriter.write(f, ts, Map.of("format", "pt"));

            byte[] all = Files.readAllBytes(f);
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            long n = b.getLong(0);
            assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
            String text = new String(all, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(text.endsWith(" ") || text.endsWith("}"), text);
            JsonNode h = new ObjectMapper().readTree(text);
            assertEquals("pt", h.get("__metadata__").get("format").asText());
            assertEquals("F32", h.get("a").get("dtype").asText());
            assertEquals("[0,24]", h.get("a").get("data_offsets").toString());
            assertEquals("[24,28]", h.get("c").get("data_offsets").toString());
            assertEquals("[28,34]", h.get("b").get("data_offsets").toString());
            assertEquals(8 + n + 34, all.length);
            assertEquals(4f, b.getFloat((int) (8 + n + 12)));

            SafetensorsFile back = SafetensorsFile.open(f, arena);
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, back.f32("a", arena).toFloatArray());
            assertArrayEquals(new float[]{0.5f, 1.5f, 2.5f}, back.f32("b", arena).toFloatArray());
            assertEquals("BF16", back.entry("b").dtype());
            assertEquals(Map.of("format", "pt"), back.metadata());
        }
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
    }

    @Test
    void failedWriteLeavesTheOldFile(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("keep.safetensors");
        Files.writeString(f, "old");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> ts = Map.of("__metadata__", Tensor.of(Backends.java(), arena, new float[]{1}, 1));
            assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(f, ts, Map.of()));
        }
        assertEquals("old", Files.readString(f));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count());
        }
    }
}
