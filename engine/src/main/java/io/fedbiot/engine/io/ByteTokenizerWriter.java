package io.fedbiot.engine.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A stand-in tokenizer for random-weight checkpoints when no real one is given: a llama2.c
 * {@code tokenizer.bin} of exactly the model's vocabulary size, laid out like LLaMA's (0 unk,
 * 1 BOS, 2 EOS, 3..258 the byte tokens), so any text encodes by byte fallback; the remaining ids
 * are placeholder pieces {@code <extra_N>} that ordinary text never merges into.
 */
public final class ByteTokenizerWriter {
    /** unk, BOS, EOS and the 256 byte tokens. */
    public static final int MIN_VOCAB = 3 + 256;

    private ByteTokenizerWriter() {}

    /** The file's bytes for {@code vocab} tokens. */
    public static byte[] bytes(int vocab) {
        if (vocab < MIN_VOCAB) throw new IllegalArgumentException("vocabulary " + vocab + " is below " + MIN_VOCAB
                + " (unk, BOS, EOS and 256 byte tokens)");
        List<byte[]> pieces = new ArrayList<>(vocab);
        pieces.add("<unk>".getBytes(StandardCharsets.UTF_8));
        pieces.add("\n<s>\n".getBytes(StandardCharsets.UTF_8));
        pieces.add("\n</s>\n".getBytes(StandardCharsets.UTF_8));
        for (int b = 0; b < 256; b++) pieces.add(String.format(Locale.ROOT, "<0x%02X>", b).getBytes(StandardCharsets.UTF_8));
        for (int i = pieces.size(); i < vocab; i++) pieces.add(("<extra_" + i + ">").getBytes(StandardCharsets.UTF_8));
        int maxLen = pieces.stream().mapToInt(p -> p.length).max().orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer rec = ByteBuffer.allocate(8 + maxLen).order(ByteOrder.LITTLE_ENDIAN);
        out.write(rec.putInt(0, maxLen).array(), 0, 4);
        for (byte[] p : pieces) {
            rec.clear();
            rec.putFloat(0f).putInt(p.length).put(p);
            out.write(rec.array(), 0, rec.position());
        }
        return out.toByteArray();
    }

    public static void write(Path file, int vocab) throws IOException {
        Files.write(file, bytes(vocab));
    }
}
