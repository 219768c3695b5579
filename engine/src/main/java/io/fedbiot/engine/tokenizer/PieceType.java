package io.fedbiot.engine.tokenizer;

/** SentencePiece's piece types, with the numbers that ModelProto and GGUF {@code token_type} use. */
public enum PieceType {
    NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    private final int code;

    PieceType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a SentencePiece/GGUF code; throws for codes outside 1..6. */
    public static PieceType ofCode(int code) {
        for (PieceType t : values()) {
            if (t.code == code) return t;
        }
        throw new IllegalArgumentException("unknown piece type " + code);
    }

    /** Pieces that BPE may build by merging (SentencePiece keeps the others out of its merge table). */
    boolean mergeable() {
        return this == NORMAL || this == USER_DEFINED || this == UNUSED;
    }
}
