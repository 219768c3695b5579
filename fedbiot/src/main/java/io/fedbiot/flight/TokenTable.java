package io.fedbiot.flight;

import io.fedbiot.data.DataFormatException;
import io.fedbiot.data.TextFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's clients and their tokens, from a file of {@code NAME TOKEN} lines ({@code #}
 * comments, blank lines ignored); a client's index is its line order. Messages name the file and
 * line, never the token.
 */
public final class TokenTable {
    /** Shortest token accepted: guessing one must stay out of reach. */
    public static final int MIN_TOKEN_CHARS = 16;

    private final List<String> names;
    private final List<byte[]> tokens;

    private TokenTable(List<String> names, List<byte[]> tokens) {
        this.names = List.copyOf(names);
        this.tokens = List.copyOf(tokens);
    }

    public static TokenTable load(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        List<byte[]> tokens = new ArrayList<>();
        List<String> lines = TextFiles.readUtf8(file).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\\s+");
            String at = file + " line " + (i + 1);
            if (f.length != 2) throw new DataFormatException(at + ": expected 'NAME TOKEN', got " + f.length + " fields");
            if (names.contains(f[0])) throw new DataFormatException(at + ": client name '" + f[0] + "' listed twice");
            if (f[1].length() < MIN_TOKEN_CHARS)
                throw new DataFormatException(at + ": the token of '" + f[0] + "' is shorter than " + MIN_TOKEN_CHARS + " characters");
            byte[] t = f[1].getBytes(StandardCharsets.UTF_8);
            for (byte[] o : tokens) if (MessageDigest.isEqual(o, t)) throw new DataFormatException(at + ": token of '" + f[0] + "' is reused");
            names.add(f[0]);
            tokens.add(t);
        }
        if (names.isEmpty()) throw new DataFormatException(file + ": no clients listed");
        return new TokenTable(names, tokens);
    }

    /** A client's own token file: one line, the token. */
    public static String readClientToken(Path file) throws IOException {
        String t = TextFiles.readUtf8(file).strip();
        if (t.isEmpty() || t.contains("\n") || t.contains(" ")) throw new DataFormatException(file + ": expected one token on one line");
        return t;
    }

    public int size() {
        return names.size();
    }

    public String name(int client) {
        return names.get(client);
    }

    public int indexOf(String name) {
        return names.indexOf(name);
    }

    /** The client holding {@code token}, or -1; compares every entry in constant time. */
    public int lookup(String token) {
        byte[] t = token.getBytes(StandardCharsets.UTF_8);
        int found = -1;
        for (int i = 0; i < tokens.size(); i++) if (MessageDigest.isEqual(tokens.get(i), t)) found = i;
        return found;
    }
}
