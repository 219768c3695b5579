package io.fedbiot.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece's BPE encoder (bpe_model.cc semantics): split normalized text into code points
 * (user-defined pieces as whole frozen symbols), then repeatedly merge the adjacent pair whose
 * concatenation is a mergeable piece with the highest score, leftmost first on ties. Symbols live in
 * a linked list over the text and candidate pairs in a priority queue, so a text of n code points
 * costs O(n log n). Stale queue entries are recognised by their length, as SentencePiece does.
 */
final class BpeEncoder {
    /** Candidate merge of symbols left and right, whose concatenation is {@code length} chars long. */
    private record Candidate(float score, int left, int right, int length, int pieceId) {}

    private static final Comparator<Candidate> ORDER = Comparator
            .comparingDouble((Candidate c) -> -c.score).thenComparingInt(Candidate::left);

    private final Vocabulary vocab;
    /** Every piece to its id; control/unknown/byte pieces win over normal ones, as in PieceToId. */
    private final Map<String, Integer> pieceIds;
    /** Pieces a merge may build: NORMAL, USER_DEFINED and UNUSED (SentencePiece's pieces_ map). */
    private final Map<String, Integer> mergeIds;
    private final int[] byteIds = new int[256];
    /** USER_DEFINED pieces, longest first, matched greedily before splitting into code points. */
    private final List<String> userDefined = new ArrayList<>();

    BpeEncoder(Vocabulary vocab) {
        this.vocab = vocab;
        String[] pieces = vocab.pieces();
        PieceType[] types = vocab.types();
        pieceIds = HashMap.newHashMap(pieces.length);
        mergeIds = HashMap.newHashMap(pieces.length);
        java.util.Arrays.fill(byteIds, -1);
        for (int i = 0; i < pieces.length; i++) {
            if (!types[i].mergeable()) pieceIds.putIfAbsent(pieces[i], i);
            if (types[i] == PieceType.BYTE) {
                int b = byteValue(pieces[i]);
                if (b >= 0 && byteIds[b] < 0) byteIds[b] = i;
            }
        }
        for (int i = 0; i < pieces.length; i++) {
            if (!types[i].mergeable()) continue;
            pieceIds.putIfAbsent(pieces[i], i);
            mergeIds.putIfAbsent(pieces[i], i);
            if (types[i] == PieceType.USER_DEFINED && !pieces[i].isEmpty()) userDefined.add(pieces[i]);
        }
        userDefined.sort(Comparator.comparingInt(String::length).reversed());
    }

    /** The byte of a {@code <0xXX>} piece, or -1. */
    static int byteValue(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
        int hi = Character.digit(piece.charAt(3), 16), lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** Appends the ids of already-normalized text to {@code out}. */
    void encode(String text, IntList out) {
        int cap = text.length();
        int[] start = new int[cap], end = new int[cap], prev = new int[cap], next = new int[cap];
        boolean[] frozen = new boolean[cap], dead = new boolean[cap];
        int n = 0;
        for (int pos = 0; pos < text.length(); n++) {
            int len = matchUserDefined(text, pos);
            frozen[n] = len > 0;
            if (len == 0) len = Character.charCount(text.codePointAt(pos));
            start[n] = pos;
            end[n] = pos + len;
            prev[n] = n - 1;
            pos += len;
            next[n] = pos < text.length() ? n + 1 : -1;
        }

        PriorityQueue<Candidate> agenda = new PriorityQueue<>(Math.max(n, 1), ORDER);
        for (int i = 0; i + 1 < n; i++) offer(agenda, text, start, end, frozen, i, i + 1);
        Map<String, String[]> unusedSplits = null;
        while (!agenda.isEmpty()) {
            Candidate c = agenda.poll();
            int l = c.left, r = c.right;
            if (dead[l] || dead[r] || next[l] != r || end[r] - start[l] != c.length) continue; // stale
            if (vocab.types()[c.pieceId] == PieceType.UNUSED) {
                // SentencePiece merges through unused pieces but never outputs them: remember the split.
                if (unusedSplits == null) unusedSplits = new HashMap<>();
                unusedSplits.put(text.substring(start[l], end[r]),
                        new String[] {text.substring(start[l], end[l]), text.substring(start[r], end[r])});
            }
            end[l] = end[r];
            dead[r] = true;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) offer(agenda, text, start, end, frozen, prev[l], l);
            if (next[l] >= 0) offer(agenda, text, start, end, frozen, l, next[l]);
        }
        for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) emit(text.substring(start[i], end[i]), unusedSplits, out);
    }

    private void offer(PriorityQueue<Candidate> agenda, String text, int[] start, int[] end, boolean[] frozen,
                       int l, int r) {
        if (frozen[l] || frozen[r]) return;
        Integer id = mergeIds.get(text.substring(start[l], end[r]));
        if (id != null) agenda.add(new Candidate(vocab.scores()[id], l, r, end[r] - start[l], id));
    }

    private int matchUserDefined(String text, int pos) {
        for (String p : userDefined) {
            if (text.startsWith(p, pos)) return p.length();
        }
        return 0;
    }

    private void emit(String piece, Map<String, String[]> unusedSplits, IntList out) {
        Integer id = pieceIds.get(piece);
        if (id != null && vocab.types()[id] == PieceType.UNUSED && unusedSplits != null) {
            String[] split = unusedSplits.get(piece);
            if (split != null) {
                emit(split[0], unusedSplits, out);
                emit(split[1], unusedSplits, out);
                return;
            }
        }
        if (id != null && id != vocab.unkId()) {
            out.add(id);
        } else if (vocab.byteFallback()) {
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) out.add(orUnknown(byteIds[b & 0xFF], piece));
        } else {
            out.add(orUnknown(vocab.unkId(), piece));
        }
    }

    private int orUnknown(int id, String piece) {
        if (id >= 0) return id;
        if (vocab.unkId() >= 0) return vocab.unkId();
        throw new IllegalArgumentException("no piece, byte piece or <unk> for \"" + piece + "\"");
    }
}
