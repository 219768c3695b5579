package io.fedbiot.cli;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Writes UTF-8 bytes that arrive piece by piece as text: a character split across two
 * byte-fallback tokens is held back until it is complete, so nothing turns into U+FFFD.
 */
final class Utf8Stream {
    private final PrintWriter out;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(64);
    private final CharBuffer chars = CharBuffer.allocate(256);

    Utf8Stream(PrintWriter out) {
        this.out = out;
    }

    void write(byte[] bytes) {
        if (pending.remaining() < bytes.length) {
            ByteBuffer bigger = ByteBuffer.allocate(pending.capacity() + bytes.length + 64);
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(bytes);
        pending.flip();
        while (true) {
            var result = decoder.decode(pending, chars, false);
            chars.flip();
            out.append(chars);
            chars.clear();
            if (!result.isOverflow()) break;
        }
        pending.compact(); // keeps an incomplete trailing sequence for the next piece
        out.flush();
    }

    void finish() {
        pending.flip();
        decoder.decode(pending, chars, true);
        decoder.flush(chars);
        chars.flip();
        out.append(chars);
        out.flush();
    }
}
