package io.fedbiot.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small text files (configs, token lists) read as strict UTF-8, a bad byte named by file and offset. */
public final class TextFiles {
    private TextFiles() {}

    /** A UTF-8 decoder that reports a malformed byte instead of replacing it with U+FFFD. */
    static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** The file's text; a byte sequence that is not UTF-8 is a {@link DataFormatException} naming the file and byte. */
    public static String readUtf8(Path file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
        CharsetDecoder d = strictUtf8();
        CharBuffer out = CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8L, in.remaining() + 16L));
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            long line = 1;
            for (int i = 0; i < in.position(); i++) if (in.get(i) == '\n') line++;
            throw new DataFormatException(file + ": not UTF-8 text (invalid byte sequence at byte " + in.position()
                    + ", line " + line + ")");
        }
        try {
            if (d.flush(out).isError()) throw new CharacterCodingException();
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file + ": not UTF-8 text (it ends inside a character)", e);
        }
        return out.flip().toString();
    }
}
