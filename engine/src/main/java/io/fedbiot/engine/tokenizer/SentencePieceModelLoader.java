package io.fedbiot.engine.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SentencePiece's {@code tokenizer.model} (a serialized ModelProto) with {@link ProtoReader}.
 * Field numbers are from sentencepiece_model.proto: ModelProto {1 pieces, 2 trainer_spec,
 * 3 normalizer_spec}; SentencePiece {1 piece, 2 score, 3 type}; TrainerSpec {3 model_type,
 * 35 byte_fallback, 40 unk_id, 41 bos_id, 42 eos_id}; NormalizerSpec {1 name, 3 add_dummy_prefix,
 * 4 remove_extra_whitespaces, 5 escape_whitespaces}.
 */
final class SentencePieceModelLoader {
    private static final int MODEL_TYPE_BPE = 2;

    private SentencePieceModelLoader() {}

    static Tokenizer load(Path file) throws IOException {
        byte[] data = Files.readAllBytes(file);
        try {
            return new Tokenizer(parse(data));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + ": not a valid SentencePiece model: " + e.getMessage(), e);
        }
    }

    static Vocabulary parse(byte[] data) throws IOException {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<PieceType> types = new ArrayList<>();
        // proto2 defaults, which a file leaves out when they hold.
        int modelType = 1, unkId = 0, bosId = 1, eosId = 2;
        boolean byteFallback = false, addDummyPrefix = true, removeExtraWhitespaces = true, escapeWhitespaces = true;
        String normalizerName = "nmt_nfkc";
        boolean hasTrainer = false, hasNormalizer = false;

        ProtoReader model = new ProtoReader(data);
        while (model.next()) {
            switch (model.fieldNumber()) {
                case 1 -> {
                    ProtoReader p = model.readMessage();
                    String piece = null;
                    float score = 0f;
                    PieceType type = PieceType.NORMAL;
                    while (p.next()) {
                        switch (p.fieldNumber()) {
                            case 1 -> piece = p.readString();
                            case 2 -> score = p.readFloat();
                            case 3 -> type = PieceType.ofCode(p.readInt32());
                            default -> p.skip();
                        }
                    }
                    if (piece == null) throw new IOException("piece " + pieces.size() + " has no text");
                    pieces.add(piece);
                    scores.add(score);
                    types.add(type);
                }
                case 2 -> {
                    hasTrainer = true;
                    ProtoReader t = model.readMessage();
                    while (t.next()) {
                        switch (t.fieldNumber()) {
                            case 3 -> modelType = t.readInt32();
                            case 35 -> byteFallback = t.readBool();
                            case 40 -> unkId = t.readInt32();
                            case 41 -> bosId = t.readInt32();
                            case 42 -> eosId = t.readInt32();
                            default -> t.skip();
                        }
                    }
                }
                case 3 -> {
                    hasNormalizer = true;
                    ProtoReader n = model.readMessage();
                    while (n.next()) {
                        switch (n.fieldNumber()) {
                            case 1 -> normalizerName = n.readString();
                            case 3 -> addDummyPrefix = n.readBool();
                            case 4 -> removeExtraWhitespaces = n.readBool();
                            case 5 -> escapeWhitespaces = n.readBool();
                            default -> n.skip();
                        }
                    }
                }
                default -> model.skip();
            }
        }
        if (pieces.isEmpty()) throw new IOException("no pieces");
        // Every trained model has both specs; a missing one means the file was cut short.
        if (!hasTrainer || !hasNormalizer) {
            throw new IOException("no " + (hasTrainer ? "normalizer_spec" : "trainer_spec") + " (truncated file?)");
        }
        if (modelType != MODEL_TYPE_BPE) {
            throw new IOException("model_type " + modelType + " is not BPE (2); only SentencePiece BPE is supported");
        }
        if (!normalizerName.equals("identity")) {
            // Other rules need the precompiled charsmap (NFKC etc.), which LLaMA does not use.
            throw new IOException("normalizer '" + normalizerName + "' is not supported, only 'identity'");
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) s[i] = scores.get(i);
        return new Vocabulary(pieces.toArray(String[]::new), s, types.toArray(PieceType[]::new),
                unkId, bosId, eosId, byteFallback, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
    }
}
