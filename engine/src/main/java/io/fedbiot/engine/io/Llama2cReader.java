package io.fedbiot.engine.io;

import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llama2.c legacy (version 0) float32 checkpoints: 7 int32 header fields, then the arrays of all
 * layers stacked per kind (token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3,
 * rms_final, freq_cis_real, freq_cis_imag, [wcls]). A negative vocab_size means wcls is present.
 */
public final class Llama2cReader {
    private static final int HEADER_BYTES = 7 * 4;
    private static final ValueLayout.OfInt LE_I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Llama2cReader() {}

    /** One stacked array of the file: its name, float offset from the header's end, and per-layer shape. */
    private record Block(String name, long floatOffset, long floats, int[] shape) {}

    public static Checkpoint read(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return read(file, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Checkpoint read(Path file, Arena arena) throws IOException {
        String other = FileKind.describe(file, "not a llama2.c checkpoint");
        if (other != null) throw new CheckpointFormatException(other);
        MemorySegment seg = MappedFile.map(file, arena);
        if (seg.byteSize() < HEADER_BYTES)
            throw new CheckpointFormatException(file + ": " + seg.byteSize() + " bytes, too short for the llama2.c header ("
                    + HEADER_BYTES + " bytes); " + FileKind.unknown(FileKind.head(file)) + ", not GGUF, safetensors or llama2.c");
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) h[i] = seg.get(LE_I32, 4L * i);
        int dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], vocabRaw = h[5], seqLen = h[6];
        String header = "dim=" + dim + ", hidden_dim=" + hidden + ", n_layers=" + layers + ", n_heads=" + heads
                + ", n_kv_heads=" + kvHeads + ", vocab_size=" + vocabRaw + ", seq_len=" + seqLen;
        boolean shared = vocabRaw > 0;
        int vocab = Math.abs(vocabRaw);
        LlamaConfig config;
        try {
            config = new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, seqLen, 10000f, 1e-5f, shared,
                    RopeStyle.INTERLEAVED);
        } catch (IllegalArgumentException e) {
            // llama2.c files have no magic: a header no model could have means some other file.
            throw new CheckpointFormatException(file + ": " + FileKind.unknown(FileKind.head(file))
                    + "; not GGUF, safetensors or a llama2.c checkpoint (as llama2.c: " + header + ": " + e.getMessage() + ")", e);
        }

        long c = dim, kv = config.kvDim(), f = hidden, L = layers, hs = config.headSize();
        List<Block> blocks = new ArrayList<>();
        long at = 0;
        at = add(blocks, "token_embedding", at, (long) vocab * c, new int[]{vocab, dim});
        at = add(blocks, "rms_att", at, L * c, new int[]{dim});
        at = add(blocks, "wq", at, L * c * c, new int[]{dim, dim});
        at = add(blocks, "wk", at, L * kv * c, new int[]{(int) kv, dim});
        at = add(blocks, "wv", at, L * kv * c, new int[]{(int) kv, dim});
        at = add(blocks, "wo", at, L * c * c, new int[]{dim, dim});
        at = add(blocks, "rms_ffn", at, L * c, new int[]{dim});
        at = add(blocks, "w1", at, L * f * c, new int[]{hidden, dim});
        at = add(blocks, "w2", at, L * c * f, new int[]{dim, hidden});
        at = add(blocks, "w3", at, L * f * c, new int[]{hidden, dim});
        at = add(blocks, "rms_final", at, c, new int[]{dim});
        at = add(blocks, "freq_cis_real", at, (long) seqLen * hs / 2, new int[]{seqLen, (int) hs / 2});
        at = add(blocks, "freq_cis_imag", at, (long) seqLen * hs / 2, new int[]{seqLen, (int) hs / 2});
        if (!shared) at = add(blocks, "wcls", at, (long) vocab * c, new int[]{vocab, dim});
        long expectedBytes = HEADER_BYTES + at * 4;
        if (expectedBytes != seg.byteSize()) {
            String where = "";
            for (Block b : blocks)
                if (HEADER_BYTES + (b.floatOffset + b.floats) * 4 > seg.byteSize()) {
                    long per = Tensor.numel(b.shape), layer = ((seg.byteSize() - HEADER_BYTES) / 4 - b.floatOffset) / per;
                    where = "; the file ends inside tensor '" + b.name + "'" + (b.floats == per ? "" : " (layer " + layer + ")");
                    break;
                }
            throw new CheckpointFormatException(file + ": the header (" + header + ") implies " + expectedBytes
                    + " bytes but the file has " + seg.byteSize() + " bytes" + where);
        }

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, TensorSource> sources = new LinkedHashMap<>();
        String fileName = file.getFileName().toString();
        Map<String, Block> byName = new LinkedHashMap<>();
        for (Block b : blocks) byName.put(b.name, b);
        put(tensors, sources, seg, arena, fileName, LlamaTensors.TOK_EMBEDDINGS, byName.get("token_embedding"), 0);
        String[] kinds = {"rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3"};
        for (int i = 0; i < layers; i++)
            for (int k = 0; k < kinds.length; k++)
                put(tensors, sources, seg, arena, fileName, LlamaTensors.layer(i, LlamaTensors.LAYER_PARTS[k]),
                        byName.get(kinds[k]), i);
        put(tensors, sources, seg, arena, fileName, LlamaTensors.NORM, byName.get("rms_final"), 0);
        if (!shared) put(tensors, sources, seg, arena, fileName, LlamaTensors.OUTPUT, byName.get("wcls"), 0);
        return new Checkpoint(CheckpointFormat.LLAMA2C, config, tensors, sources,
                List.of("freq_cis_real", "freq_cis_imag"), file, arena);
    }

    private static long add(List<Block> blocks, String name, long at, long floats, int[] shape) {
        blocks.add(new Block(name, at, floats, shape));
        return at + floats;
    }

    private static void put(Map<String, Tensor> tensors, Map<String, TensorSource> sources, MemorySegment seg,
                            Arena arena, String fileName, String name, Block b, int layer) {
        long per = Tensor.numel(b.shape);
        long off = HEADER_BYTES + (b.floatOffset + (long) layer * per) * 4;
        tensors.put(name, TensorData.f32(seg.asSlice(off, per * 4), DType.F32, arena, b.shape));
        String disk = b.floats == per ? b.name : b.name + "[" + layer + "]";
        sources.put(name, new TensorSource(fileName, disk, "F32"));
    }
}
