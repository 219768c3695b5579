package io.fedbiot.pretrain;

import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.report.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes a tokenizer as llama2.c's {@code tokenizer.bin} (int32 max_token_length, then per piece
 * float32 score, int32 byte length, UTF-8 bytes with '▁' as ' '; little-endian), which
 * {@code Tokenizers.load} reads back to the same vocabulary. Only llama-layout vocabularies fit the
 * format: unk, BOS, EOS at ids 0, 1, 2.
 */
public final class TokenizerBin {
    private TokenizerBin() {}

    /** Throws when {@code tok} does not fit the format; call it before the work. */
    public static void check(Tokenizer tok) {
        if (tok.unkId() != 0 || tok.bosId() != 1 || tok.eosId() != 2)
            throw new IllegalArgumentException("tokenizer.bin needs unk, BOS, EOS at ids 0, 1, 2; " + tok + " has "
                    + tok.unkId() + ", " + tok.bosId() + ", " + tok.eosId());
    }

    public static void write(Tokenizer tok, Path file) throws IOException {
        check(tok);
        int n = tok.vocabSize(), max = 1;
        byte[][] bytes = new byte[n][];
        long size = 4;
        for (int i = 0; i < n; i++) {
            bytes[i] = tok.piece(i).replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            max = Math.max(max, bytes[i].length);
            size += 8 + bytes[i].length;
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(max);
        for (int i = 0; i < n; i++) buf.putFloat(tok.score(i)).putInt(bytes[i].length).put(bytes[i]);
        AtomicFiles.write(file, out -> out.write(buf.array()));
    }
}
