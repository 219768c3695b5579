package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files atomically: into a temp file in the same folder, forced to disk, then
 * renamed over the target, so readers never see a half-written file.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CHUNK = 1L << 26;

    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors} (F32, BF16, F16 or I32, any backend) with {@code metadata} as
     * {@code __metadata__}. Data is ordered by element size, largest first, so every tensor stays
     * aligned to its element size (the format allows no gaps); the header is space-padded to 8 bytes.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
        order.sort(Comparator.comparingInt((Map.Entry<String, Tensor> e) -> -e.getValue().dtype().bytes()));
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long at = 0;
        for (var e : order) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals("__metadata__"))
                throw new IllegalArgumentException(file + ": invalid tensor name '" + name + "'");
            Tensor t = e.getValue();
            ObjectNode n = header.putObject(name);
            n.put("dtype", dtypeName(file, name, t.dtype()));
            var shape = n.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            long bytes = t.numel() * t.dtype().bytes();
            n.putArray("data_offsets").add(at).add(at + bytes);
            at += bytes;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 8 + 7) / 8 * 8 - 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = TempFiles.createSibling(dir, "." + file.getFileName() + ".", ".tmp");
        boolean done = false;
        try (Arena scratch = Arena.ofConfined()) {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (var e : order) writeSegment(ch, littleEndian(TensorData.hostBytes(e.getValue(), scratch),
                        e.getValue().dtype(), scratch));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    private static String dtypeName(Path file, String name, DType d) {
        return switch (d) {
            case F32 -> "F32";
            case BF16 -> "BF16";
            case F16 -> "F16";
            case I32 -> "I32";
        };
    }

    /** Host bytes are native order; the format is little-endian. */
    private static MemorySegment littleEndian(MemorySegment host, DType d, Arena scratch) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) return host;
        MemorySegment out = scratch.allocate(host.byteSize(), 8);
        if (d.bytes() == 4) {
            var le = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < host.byteSize() / 4; i++) out.setAtIndex(le, i, host.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i));
        } else {
            var le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < host.byteSize() / 2; i++) out.setAtIndex(le, i, host.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
        }
        return out;
    }

    private static void writeSegment(FileChannel ch, MemorySegment seg) throws IOException {
        // asByteBuffer is limited to 2 GB: write in chunks.
        for (long off = 0; off < seg.byteSize(); off += CHUNK)
            writeFully(ch, seg.asSlice(off, Math.min(CHUNK, seg.byteSize() - off)).asByteBuffer());
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
