package io.fedbiot.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A LLaMA SentencePiece-BPE tokenizer, whichever file it came from (see {@link Tokenizers#load}).
 * Encoding matches the SentencePiece library's ids; decoding follows its rules (control pieces
 * vanish, byte pieces are reassembled into UTF-8, the dummy-prefix space is dropped).
 * Immutable and safe to share between threads.
 */
public final class Tokenizer {
    /** SentencePiece's default surface for {@code <unk>} when decoding. */
    static final String UNKNOWN_SURFACE = " \u2047 ";

    private final Vocabulary vocab;
    private final BpeEncoder encoder;
    private final String hash;

    public Tokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.encoder = new BpeEncoder(vocab);
        this.hash = computeHash(vocab);
    }

    /** Token ids of {@code text}, optionally framed by BOS and EOS (which must then exist). */
    public int[] encode(String text, boolean bos, boolean eos) {
        IntList out = new IntList(text.length() / 3 + 2);
        if (bos) out.add(requireId(vocab.bosId(), "BOS"));
        encoder.encode(Normalizer.normalize(text, vocab), out);
        if (eos) out.add(requireId(vocab.eosId(), "EOS"));
        return out.toArray();
    }

    /**
     * Text of {@code ids}: control pieces are skipped, '▁' becomes ' ', consecutive byte pieces
     * become UTF-8 (invalid sequences as U+FFFD), and when the model adds a dummy prefix the first
     * text piece loses its leading '▁' (see below for remove_extra_whitespaces). So {@code decode(encode(s, ..)) == s} for every string
     * without U+2581 or unpaired surrogates (those come back as ' ' and U+FFFD, as in SentencePiece).
     */
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        boolean first = true;
        for (int id : ids) {
            PieceType type = type(id);
            if (type == PieceType.CONTROL) continue;
            String text = switch (type) {
                case UNKNOWN -> UNKNOWN_SURFACE;
                case BYTE -> null;
                default -> first && vocab.addDummyPrefix() ? stripSpaceSymbol(piece(id)) : piece(id);
            };
            if (text == null) {
                bytes.write(byteOf(id));
            } else {
                bytes.writeBytes(text.replace(Normalizer.SPACE_SYMBOL, ' ').getBytes(StandardCharsets.UTF_8));
            }
            // SentencePiece strips the dummy prefix from the first piece only, but when it removes extra
            // whitespace it keeps stripping until some text is out ([▁, ▁a] decodes to "a" then).
            first = vocab.removeExtraWhitespaces() && bytes.size() == 0;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Text of one piece when streaming, as llama2.c prints it: '▁' as ' ', the leading space dropped
     * right after BOS, control pieces as "". A byte piece stands for one raw byte, so a non-ASCII
     * byte on its own is U+FFFD here; use {@link #decodePieceBytes} to stream exact UTF-8.
     */
    public String decodePiece(int prevId, int id) {
        return new String(decodePieceBytes(prevId, id), StandardCharsets.UTF_8);
    }

    /** The UTF-8 bytes {@link #decodePiece} stands for (one raw byte for a byte piece). */
    public byte[] decodePieceBytes(int prevId, int id) {
        return switch (type(id)) {
            case CONTROL -> new byte[0];
            case BYTE -> new byte[] {(byte) byteOf(id)};
            case UNKNOWN -> UNKNOWN_SURFACE.getBytes(StandardCharsets.UTF_8);
            default -> {
                String text = piece(id).replace(Normalizer.SPACE_SYMBOL, ' ');
                if (prevId == vocab.bosId() && prevId >= 0 && text.startsWith(" ")) text = text.substring(1);
                yield text.getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    public int vocabSize() {
        return vocab.size();
    }

    /** BOS id, or -1 when the vocabulary has none. */
    public int bosId() {
        return vocab.bosId();
    }

    /** EOS id, or -1 when the vocabulary has none. */
    public int eosId() {
        return vocab.eosId();
    }

    /** {@code <unk>} id, or -1 when the vocabulary has none. */
    public int unkId() {
        return vocab.unkId();
    }

    /** The piece in SentencePiece form ('▁' for spaces, {@code <0x0A>} for bytes, {@code <s>} for BOS). */
    public String piece(int id) {
        checkId(id);
        return vocab.pieces()[id];
    }

    public float score(int id) {
        checkId(id);
        return vocab.scores()[id];
    }

    public PieceType type(int id) {
        checkId(id);
        return vocab.types()[id];
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    /**
     * SHA-256 (hex) over everything that changes ids or text: pieces, scores, types, special ids and
     * switches. Equal for the same tokenizer read from different file formats when they carry the
     * same scores (the .model, .bin and .gguf of LLaMA; tokenizer.json has merge ranks instead).
     */
    public String hash() {
        return hash;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + vocab.size() + " pieces, " + hash.substring(0, 12) + "]";
    }

    private static String stripSpaceSymbol(String piece) {
        return !piece.isEmpty() && piece.charAt(0) == Normalizer.SPACE_SYMBOL ? piece.substring(1) : piece;
    }

    private int byteOf(int id) {
        int b = BpeEncoder.byteValue(vocab.pieces()[id]);
        if (b < 0) throw new IllegalStateException("byte piece " + id + " is not <0xXX>: " + vocab.pieces()[id]);
        return b;
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + vocab.size());
        }
    }

    private static int requireId(int id, String what) {
        if (id < 0) throw new IllegalStateException("the vocabulary has no " + what + " token");
        return id;
    }

    private static String computeHash(Vocabulary v) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer head = ByteBuffer.allocate(32);
            head.putInt(v.size()).putInt(v.unkId()).putInt(v.bosId()).putInt(v.eosId())
                    .put((byte) (v.byteFallback() ? 1 : 0)).put((byte) (v.addDummyPrefix() ? 1 : 0))
                    .put((byte) (v.removeExtraWhitespaces() ? 1 : 0)).put((byte) (v.escapeWhitespaces() ? 1 : 0));
            sha.update(head.flip());
            ByteBuffer rec = ByteBuffer.allocate(12);
            for (int i = 0; i < v.size(); i++) {
                byte[] piece = v.pieces()[i].getBytes(StandardCharsets.UTF_8);
                sha.update(rec.clear().putInt(piece.length).putFloat(v.scores()[i]).putInt(v.types()[i].code()).flip());
                sha.update(piece);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is required of every JDK", e);
        }
    }
}
