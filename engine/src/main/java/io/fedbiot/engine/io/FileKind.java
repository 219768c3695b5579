package io.fedbiot.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * What a file looks like from its first bytes, so that a reader given the wrong kind of file can
 * say what it found instead of failing on a header it misreads.
 */
public final class FileKind {
    private static final int HEAD = 16;

    private FileKind() {}

    /** The first bytes of {@code file} (up to 16). */
    public static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(HEAD);
        }
    }

    /** "a GGUF file", "a safetensors file", ...; null when the bytes match no format we recognise. */
    public static String recognise(byte[] h, long fileSize) {
        if (startsWith(h, "GGUF")) return "a GGUF file";
        if (startsWith(h, "PK\u0003\u0004")) return "a zip archive (a PyTorch .pt/.pth checkpoint?)";
        if (h.length >= 9) {
            long n = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            if (n >= 2 && n <= fileSize - 8 && h[8] == '{') return "a safetensors file";
        }
        // '{' then '"' or '}' (or '[' then a value): a llama2.c header that starts with byte 123 does not.
        int i = skipSpace(h, 0);
        if (i < h.length && (h[i] == '{' || h[i] == '[')) {
            int j = skipSpace(h, i + 1);
            if (j < h.length && (h[j] == '"' || h[j] == '}' || (h[i] == '[' && (h[j] == '{' || h[j] == ']' || h[j] == '['))))
                return "a JSON file";
        }
        return null;
    }

    /** "unknown format, first bytes 47 47 55 58 ..." for a file no reader recognises. */
    public static String unknown(byte[] h) {
        if (h.length == 0) return "empty file";
        int text = 0;
        while (text < h.length && h[text] >= 0x20 && h[text] < 0x7f) text++;
        // A readable start ("GGUX") shows a damaged magic at a glance.
        return "unknown format, first bytes " + HexFormat.ofDelimiter(" ").formatHex(h)
                + (text >= 3 ? " (\"" + new String(h, 0, text, java.nio.charset.StandardCharsets.US_ASCII) + "\")" : "");
    }

    /** "FILE is a GGUF file; HINT" when {@code file} is of a recognised kind, else null. */
    public static String describe(Path file, String hint) throws IOException {
        String kind = recognise(head(file), Files.size(file));
        return kind == null ? null : file + " is " + kind + "; " + hint;
    }

    private static int skipSpace(byte[] h, int i) {
        while (i < h.length && (h[i] == ' ' || h[i] == '\n' || h[i] == '\r' || h[i] == '\t')) i++;
        return i;
    }

    private static boolean startsWith(byte[] h, String magic) {
        if (h.length < magic.length()) return false;
        for (int i = 0; i < magic.length(); i++) if (h[i] != magic.charAt(i)) return false;
        return true;
    }
}
