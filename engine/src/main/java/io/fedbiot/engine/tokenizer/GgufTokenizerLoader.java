package io.fedbiot.engine.tokenizer;

import io.fedbiot.engine.io.GgufFile;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Builds the tokenizer from a GGUF file's {@code tokenizer.ggml.*} metadata. Only
 * {@code tokenizer.ggml.model = "llama"} (SentencePiece BPE) is supported; its pieces, scores and
 * types are SentencePiece's own, and llama.cpp applies LLaMA's normalization (dummy prefix, spaces
 * kept, byte fallback).
 */
final class GgufTokenizerLoader {
    private GgufTokenizerLoader() {}

    static Tokenizer load(Path file) throws IOException {
        try (GgufFile gguf = GgufFile.open(file)) {
            return new Tokenizer(read(gguf));
        }
    }

    static Vocabulary read(GgufFile gguf) throws IOException {
        Path file = gguf.path();
        String model = gguf.getString("tokenizer.ggml.model");
        if (!model.equals("llama")) {
            throw new IOException(file + ": tokenizer.ggml.model is '" + model + "'; only 'llama' (SentencePiece BPE) is supported");
        }
        String[] pieces = gguf.getStringArray("tokenizer.ggml.tokens");
        float[] scores = gguf.has("tokenizer.ggml.scores") ? gguf.getFloatArray("tokenizer.ggml.scores") : null;
        int[] typeCodes = gguf.has("tokenizer.ggml.token_type") ? gguf.getIntArray("tokenizer.ggml.token_type") : null;
        if (scores == null || typeCodes == null) {
            throw new IOException(file + ": a llama tokenizer needs tokenizer.ggml.scores and tokenizer.ggml.token_type");
        }
        if (scores.length != pieces.length || typeCodes.length != pieces.length) {
            throw new IOException(file + ": tokenizer arrays differ in length: " + pieces.length + " tokens, "
                    + scores.length + " scores, " + typeCodes.length + " types");
        }
        PieceType[] types = new PieceType[pieces.length];
        for (int i = 0; i < types.length; i++) {
            try {
                types[i] = PieceType.ofCode(typeCodes[i]);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": token " + i + ": " + e.getMessage(), e);
            }
        }
        try {
            return Vocabulary.llama(pieces, scores, types, specialId(gguf, "unknown", 0),
                    specialId(gguf, "bos", 1), specialId(gguf, "eos", 2));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@code tokenizer.ggml.<what>_token_id}; u32 0xFFFFFFFF (ggml's "none") reads as -1. */
    private static int specialId(GgufFile gguf, String what, int def) throws IOException {
        return gguf.getInt("tokenizer.ggml." + what + "_token_id", def);
    }
}
