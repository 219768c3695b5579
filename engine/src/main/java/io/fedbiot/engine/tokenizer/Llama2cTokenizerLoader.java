package io.fedbiot.engine.tokenizer;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads llama2.c's {@code tokenizer.bin}: int32 max_token_length, then per token float32 score,
 * int32 length and the UTF-8 bytes (all little-endian). The file has no vocabulary size (llama2.c
 * takes it from the model), so tokens are read to the end of the file, or exactly
 * {@code expectedSize} when that is given. The pieces are brought to SentencePiece form: spaces
 * back to '▁', BOS/EOS from "\n<s>\n"/"\n</s>\n" back to {@code <s>}/{@code </s>}, and the piece
 * types that the format dropped are restored (0 unknown, 1-2 control, {@code <0xXX>} bytes).
 */
final class Llama2cTokenizerLoader {
    private static final int UNK = 0, BOS = 1, EOS = 2;

    private Llama2cTokenizerLoader() {}

    static Tokenizer load(Path file, int expectedSize) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        try {
            int maxLen = buf.getInt();
            if (maxLen <= 0 || maxLen > 1 << 16) throw new IOException("implausible max_token_length " + maxLen);
            while (expectedSize < 0 ? buf.hasRemaining() : pieces.size() < expectedSize) {
                float score = buf.getFloat();
                int len = buf.getInt();
                if (len < 0 || len > maxLen) {
                    throw new IOException("token " + pieces.size() + " has length " + len
                            + " (max_token_length is " + maxLen + ")");
                }
                byte[] bytes = new byte[len];
                buf.get(bytes);
                pieces.add(new String(bytes, StandardCharsets.UTF_8));
                scores.add(score);
            }
        } catch (BufferUnderflowException e) {
            throw new IOException(file + ": truncated llama2.c tokenizer: the file ends inside token "
                    + pieces.size() + " (" + buf.capacity() + " bytes)", e);
        } catch (IOException e) {
            throw new IOException(file + ": not a llama2.c tokenizer: " + e.getMessage(), e);
        }
        if (pieces.size() <= EOS) throw new IOException(file + ": llama2.c tokenizer with only " + pieces.size() + " tokens");
        return new Tokenizer(toVocabulary(pieces, scores));
    }

    private static Vocabulary toVocabulary(List<String> raw, List<Float> rawScores) {
        int n = raw.size();
        String[] pieces = new String[n];
        float[] scores = new float[n];
        PieceType[] types = new PieceType[n];
        for (int i = 0; i < n; i++) {
            String p = raw.get(i);
            scores[i] = rawScores.get(i);
            if (i == BOS || i == EOS) {
                // llama2.c's export wraps them in newlines so that printing them shows a line break.
                pieces[i] = p.strip();
                types[i] = PieceType.CONTROL;
            } else if (i == UNK) {
                pieces[i] = p;
                types[i] = PieceType.UNKNOWN;
            } else if (BpeEncoder.byteValue(p) >= 0) {
                pieces[i] = p;
                types[i] = PieceType.BYTE;
            } else {
                pieces[i] = p.replace(' ', Normalizer.SPACE_SYMBOL);
                types[i] = PieceType.NORMAL;
            }
        }
        return Vocabulary.llama(pieces, scores, types, UNK, BOS, EOS);
    }
}
