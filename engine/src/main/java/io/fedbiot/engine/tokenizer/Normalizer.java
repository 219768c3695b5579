package io.fedbiot.engine.tokenizer;

/**
 * SentencePiece's text normalization for an identity-normalized model: optional whitespace cleanup,
 * ' ' to '▁', and the dummy '▁' prefix. Only U+0020 counts as whitespace (identity rules do not map
 * tabs or newlines to spaces). Empty text (after cleanup) stays empty: SentencePiece adds the prefix
 * only to non-empty input.
 */
final class Normalizer {
    static final char SPACE_SYMBOL = '\u2581';

    private Normalizer() {}

    static String normalize(String text, Vocabulary v) {
        String s = replaceLoneSurrogates(text);
        if (v.removeExtraWhitespaces()) s = collapseSpaces(s);
        if (s.isEmpty()) return s;
        StringBuilder out = new StringBuilder(s.length() + 1);
        char space = v.escapeWhitespaces() ? SPACE_SYMBOL : ' ';
        if (v.addDummyPrefix()) out.append(space);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c == ' ' ? space : c);
        }
        return out.toString();
    }

    /** Leading and trailing spaces dropped, inner runs collapsed to one (remove_extra_whitespaces). */
    private static String collapseSpaces(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ') {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) out.append(' ');
                pendingSpace = false;
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Unpaired surrogates have no UTF-8 form; SentencePiece turns malformed input into U+FFFD too. */
    private static String replaceLoneSurrogates(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lone = Character.isHighSurrogate(c)
                    ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
                    : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
            if (lone && out == null) out = new StringBuilder(s).delete(i, s.length());
            if (out != null) out.append(lone ? '\uFFFD' : c);
        }
        return out == null ? s : out.toString();
    }
}
