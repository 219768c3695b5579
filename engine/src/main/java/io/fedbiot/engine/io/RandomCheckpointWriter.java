package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;

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
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * Writes a random-weight Hugging Face LLaMA checkpoint, streamed: shards
 * {@code model-0000N-of-0000M.safetensors}, {@code model.safetensors.index.json} and config.json.
 * Weights come from {@link RandomWeights} (N(0, 0.02)-like; norms are ones), generated chunk by
 * chunk into one bounded buffer, so memory stays flat whatever the model size. Each file goes to a
 * temp sibling first and is renamed when complete; config.json comes last.
 */
public final class RandomCheckpointWriter {
    public static final double STD = 0.02;
    /** The bounded buffer: elements are generated and written this many bytes at a time. */
    static final int CHUNK_BYTES = 1 << 22;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tensor to write: HF name, shape, and whether it is a norm (all ones). */
    public record Planned(String name, int[] shape, boolean ones) {
        long bytes(DType d) {
            return Tensor.numel(shape) * d.bytes();
        }
    }

    /** One shard file: its name, tensors in file order, and its header (padded to 8 bytes). */
    public record Shard(String file, List<Planned> tensors, byte[] header, long dataBytes) {
        public long fileBytes() {
            return 8L + header.length + dataBytes;
        }
    }

    /** Every shard of a checkpoint; {@code dataBytes} is the index's total_size. */
    public record Plan(LlamaConfig config, DType dtype, List<Shard> shards, long dataBytes) {
        /** Bytes the shards take on disk (headers included; config, index and tokenizer are small). */
        public long fileBytes() {
            return shards.stream().mapToLong(Shard::fileBytes).sum();
        }
    }

    private RandomCheckpointWriter() {}

    /**
     * Splits {@code c}'s tensors, in canonical order, into shards of at most {@code shardBytes} data
     * bytes; a tensor larger than that gets a shard of its own (as Hugging Face's save does).
     */
    public static Plan plan(LlamaConfig c, DType dtype, long shardBytes) throws IOException {
        if (shardBytes <= 0) throw new IllegalArgumentException("shard size " + shardBytes + " must be positive");
        if (dtype == DType.I32) throw new IllegalArgumentException("weights are F32, BF16 or F16, not " + dtype);
        List<List<Planned>> groups = new ArrayList<>();
        List<Planned> cur = new ArrayList<>();
        long curBytes = 0, total = 0;
        for (var e : LlamaTensors.expected(c).entrySet()) {
            String part = LlamaTensors.partOf(e.getKey());
            Planned p = new Planned(HfNames.of(e.getKey()), e.getValue(), part.endsWith("norm"));
            long b = p.bytes(dtype);
            if (!cur.isEmpty() && curBytes + b > shardBytes) {
                groups.add(cur);
                cur = new ArrayList<>();
                curBytes = 0;
            }
            cur.add(p);
            curBytes += b;
            total += b;
        }
        groups.add(cur);
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, groups.size());
            shards.add(shard(name, groups.get(i), dtype));
        }
        return new Plan(c, dtype, List.copyOf(shards), total);
    }

    private static Shard shard(String file, List<Planned> tensors, DType dtype) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long at = 0;
        for (Planned p : tensors) {
            ObjectNode n = header.putObject(p.name());
            n.put("dtype", dtype.name());
            var shape = n.putArray("shape");
            for (int d : p.shape()) shape.add(d);
            n.putArray("data_offsets").add(at).add(at + p.bytes(dtype));
            at += p.bytes(dtype);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        byte[] padded = new byte[(json.length + 7) / 8 * 8]; // 8 + padded keeps the data 8-byte aligned
        System.arraycopy(json, 0, padded, 0, json.length);
        for (int i = json.length; i < padded.length; i++) padded[i] = ' ';
        return new Shard(file, List.copyOf(tensors), padded, at);
    }

    /**
     * Writes {@code plan} into {@code dir} (created if absent) with weights from {@code seed};
     * {@code progress} receives each chunk's byte count as it is written.
     */
    public static void write(Plan plan, long seed, Path dir, LongConsumer progress) throws IOException {
        write(plan, seed, dir, progress, CHUNK_BYTES);
    }

    /** As above with a buffer of {@code chunkBytes} (tests: chunk boundaries must not change a byte). */
    static void write(Plan plan, long seed, Path dir, LongConsumer progress, int chunkBytes) throws IOException {
        Files.createDirectories(dir);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(chunkBytes - chunkBytes % 4, 64);
            for (Shard s : plan.shards()) atomically(dir, s.file(), tmp -> writeShard(tmp, s, plan.dtype(), seed, buf, progress));
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", plan.dataBytes());
        ObjectNode map = index.putObject("weight_map");
        for (Shard s : plan.shards()) for (Planned p : s.tensors()) map.put(p.name(), s.file());
        byte[] indexJson = (JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(index) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        atomically(dir, SafetensorsShards.INDEX, tmp -> Files.write(tmp, indexJson));
        byte[] config = HfConfig.toJson(plan.config(), torchDtype(plan.dtype())).getBytes(StandardCharsets.UTF_8);
        atomically(dir, "config.json", tmp -> Files.write(tmp, config));
    }

    private static String torchDtype(DType d) {
        return switch (d) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case I32 -> throw new IllegalArgumentException("not a weight dtype: " + d);
        };
    }

    private interface Body {
        void write(Path tmp) throws IOException;
    }

    private static void atomically(Path dir, String name, Body body) throws IOException {
        Path tmp = TempFiles.createSibling(dir, "." + name + ".", ".tmp");
        boolean done = false;
        try {
            body.write(tmp);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    private static void writeShard(Path tmp, Shard s, DType dtype, long seed, MemorySegment buf, LongConsumer progress)
            throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(8 + s.header().length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(s.header().length).put(s.header()).flip();
            writeFully(ch, head);
            int esize = dtype.bytes();
            long perChunk = buf.byteSize() / esize;
            for (Planned p : s.tensors()) {
                long n = Tensor.numel(p.shape()), key = RandomWeights.key(seed, p.name());
                for (long from = 0; from < n; from += perChunk) {
                    int count = (int) Math.min(perChunk, n - from);
                    fill(buf, dtype, key, from, count, p.ones());
                    writeFully(ch, buf.asSlice(0, (long) count * esize).asByteBuffer());
                    progress.accept((long) count * esize);
                }
            }
            ch.force(true);
        }
    }

    private static final ValueLayout.OfShort LE_U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Elements {@code from .. from+count} of stream {@code key}, in the file's little-endian encoding. */
    static void fill(MemorySegment buf, DType dtype, long key, long from, int count, boolean ones) {
        // One loop per dtype: the per-element work is a hash and a conversion, nothing else.
        switch (dtype) {
            case F32 -> {
                for (int j = 0; j < count; j++) buf.setAtIndex(LE_F32, j, ones ? 1f : RandomWeights.value(key, from + j, STD));
            }
            case BF16 -> {
                for (int j = 0; j < count; j++)
                    buf.setAtIndex(LE_U16, j, DType.floatToBf16(ones ? 1f : RandomWeights.value(key, from + j, STD)));
            }
            case F16 -> {
                for (int j = 0; j < count; j++)
                    buf.setAtIndex(LE_U16, j, DType.floatToF16(ones ? 1f : RandomWeights.value(key, from + j, STD)));
            }
            case I32 -> throw new IllegalArgumentException("not a weight dtype: " + dtype);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
