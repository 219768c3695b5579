package io.fedbiot.engine.tokenizer;

import java.util.Arrays;

/**
 * Everything a loader reads: pieces in SentencePiece form (spaces as U+2581 '▁'), scores (higher
 * merges first), types, special ids (-1 when absent), and the model/normalizer switches.
 * Arrays are copied in; the accessors hand out the internal arrays, so callers must not modify them.
 */
public record Vocabulary(String[] pieces, float[] scores, PieceType[] types, int unkId, int bosId, int eosId,
                         boolean byteFallback, boolean addDummyPrefix, boolean removeExtraWhitespaces,
                         boolean escapeWhitespaces) {

    public Vocabulary {
        pieces = pieces.clone();
        scores = scores.clone();
        types = types.clone();
        if (pieces.length == 0) throw new IllegalArgumentException("empty vocabulary");
        if (scores.length != pieces.length || types.length != pieces.length) {
            throw new IllegalArgumentException("vocabulary arrays differ in length: " + pieces.length + " pieces, "
                    + scores.length + " scores, " + types.length + " types");
        }
        for (int i = 0; i < pieces.length; i++) {
            if (pieces[i] == null || types[i] == null) throw new IllegalArgumentException("piece " + i + " is missing");
        }
        checkId("unk", unkId, pieces.length);
        checkId("bos", bosId, pieces.length);
        checkId("eos", eosId, pieces.length);
    }

    /** LLaMA's SentencePiece settings: byte fallback, dummy prefix, spaces kept as they are. */
    public static Vocabulary llama(String[] pieces, float[] scores, PieceType[] types, int unkId, int bosId, int eosId) {
        return new Vocabulary(pieces, scores, types, unkId, bosId, eosId, true, true, false, true);
    }

    public int size() {
        return pieces.length;
    }

    private static void checkId(String what, int id, int size) {
        if (id < -1 || id >= size) throw new IllegalArgumentException(what + " id " + id + " outside the vocabulary of " + size);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && Arrays.equals(pieces, v.pieces) && Arrays.equals(scores, v.scores)
                && Arrays.equals(types, v.types) && unkId == v.unkId && bosId == v.bosId && eosId == v.eosId
                && byteFallback == v.byteFallback && addDummyPrefix == v.addDummyPrefix
                && removeExtraWhitespaces == v.removeExtraWhitespaces && escapeWhitespaces == v.escapeWhitespaces;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pieces) * 31 + Arrays.hashCode(scores);
    }

    @Override
    public String toString() {
        return "Vocabulary[" + pieces.length + " pieces, unk=" + unkId + ", bos=" + bosId + ", eos=" + eosId + "]";
    }
}
