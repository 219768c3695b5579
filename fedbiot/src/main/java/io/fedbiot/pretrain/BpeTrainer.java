package io.fedbiot.pretrain;

import io.fedbiot.engine.tokenizer.PieceType;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Vocabulary;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Trains a small SentencePiece-style BPE vocabulary on text, in LLaMA's layout: {@code <unk>},
 * {@code <s>}, {@code </s>}, the 256 byte pieces (byte fallback), every character of the text, then
 * the merges in the order learned (score = -rank, so the engine's encoder applies them as BPE does).
 * Text is split into words the way the encoder sees it (spaces as '▁', a word starts at each '▁',
 * a newline is a word of its own); merges never cross a word and never touch a digit, so numbers
 * are always spelled digit by digit. Deterministic: ties go to the lexicographically first pair.
 */
public final class BpeTrainer {
    private static final char SPACE = '\u2581';
    /** Specials and byte pieces before the characters. */
    public static final int RESERVED = 3 + 256;

    private BpeTrainer() {}

    /** A tokenizer of at most {@code vocabSize} pieces (fewer when the text runs out of repeated pairs). */
    public static Tokenizer train(List<String> documents, int vocabSize) {
        Map<String, Integer> wordCounts = new TreeMap<>();
        TreeSet<Integer> chars = new TreeSet<>();
        for (String doc : documents) {
            if (doc.isEmpty()) continue;
            String s = SPACE + doc.replace(' ', SPACE);
            s.codePoints().forEach(chars::add);
            int from = 0;
            for (int i = 1; i <= s.length(); i++) {
                boolean cut = i == s.length() || s.charAt(i) == SPACE || s.charAt(i) == '\n' || s.charAt(i - 1) == '\n';
                if (cut) {
                    wordCounts.merge(s.substring(from, i), 1, Integer::sum);
                    from = i;
                }
            }
        }
        int merges = vocabSize - RESERVED - chars.size();
        if (merges < 0)
            throw new IllegalArgumentException("vocabulary size " + vocabSize + " is smaller than the " + RESERVED
                    + " special and byte pieces plus the text's " + chars.size() + " characters");

        List<List<String>> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (var e : wordCounts.entrySet()) {
            List<String> sym = new ArrayList<>();
            e.getKey().codePoints().forEach(cp -> sym.add(new String(Character.toChars(cp))));
            words.add(sym);
            counts.add(e.getValue());
        }
        List<String> learned = new ArrayList<>();
        for (int m = 0; m < merges; m++) {
            Map<String, long[]> pairs = new HashMap<>(); // "left\0right" -> count
            for (int w = 0; w < words.size(); w++) {
                List<String> sym = words.get(w);
                for (int i = 0; i + 1 < sym.size(); i++) {
                    if (hasDigit(sym.get(i)) || hasDigit(sym.get(i + 1))) continue;
                    pairs.computeIfAbsent(sym.get(i) + '\0' + sym.get(i + 1), k -> new long[1])[0] += counts.get(w);
                }
            }
            String best = null;
            long bestCount = 1; // a pair seen once is not worth a piece
            for (var e : pairs.entrySet()) {
                long c = e.getValue()[0];
                if (c > bestCount || c == bestCount && best != null && e.getKey().compareTo(best) < 0) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best == null) break;
            int z = best.indexOf('\0');
            String left = best.substring(0, z), right = best.substring(z + 1), merged = left + right;
            learned.add(merged);
            for (List<String> sym : words)
                for (int i = 0; i + 1 < sym.size(); i++)
                    if (sym.get(i).equals(left) && sym.get(i + 1).equals(right)) {
                        sym.set(i, merged);
                        sym.remove(i + 1);
                    }
        }
        return new Tokenizer(vocabulary(chars, learned));
    }

    private static Vocabulary vocabulary(TreeSet<Integer> chars, List<String> merges) {
        int n = RESERVED + chars.size() + merges.size();
        String[] pieces = new String[n];
        float[] scores = new float[n];
        PieceType[] types = new PieceType[n];
        pieces[0] = "<unk>";
        types[0] = PieceType.UNKNOWN;
        pieces[1] = "<s>";
        pieces[2] = "</s>";
        types[1] = types[2] = PieceType.CONTROL;
        for (int b = 0; b < 256; b++) {
            pieces[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = PieceType.BYTE;
        }
        int i = RESERVED;
        for (int rank = 0; rank < merges.size(); rank++, i++) {
            pieces[i] = merges.get(rank);
            scores[i] = -rank;
            types[i] = PieceType.NORMAL;
        }
        int c = 0;
        for (int cp : chars) { // single characters are never built by a merge; below every merge
            pieces[i] = new String(Character.toChars(cp));
            scores[i] = -(merges.size() + c++);
            types[i++] = PieceType.NORMAL;
        }
        return Vocabulary.llama(pieces, scores, types, 0, 1, 2);
    }

    private static boolean hasDigit(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isDigit(s.charAt(i))) return true;
        return false;
    }
}
