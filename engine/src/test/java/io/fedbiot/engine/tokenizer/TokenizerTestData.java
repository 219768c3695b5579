package io.fedbiot.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.engine.io.SharedData;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Test strings with SentencePiece's ids, and the shared tokenizers (each file loaded once per JVM). */
final class TokenizerTestData {
    /** A string and its ids without BOS. */
    record Case(String source, String text, int[] ids) {
        @Override
        public String toString() {
            String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
            return source + " " + shown.replace("\n", "\\n").replace("\t", "\\t");
        }
    }

    static final String LLAMA_MODEL = "tokenizer.model", LLAMA_BIN = "tokenizer.bin",
            LLAMA_GGUF = "gguf/ggml-vocab-llama-spm.gguf", LLAMA_JSON = "hf-llama-tokenizer/tokenizer.json",
            TOK512 = "tok512.bin", STORIES_GGUF = "gguf/stories260K.gguf";
    static final List<String> LLAMA_FILES = List.of(LLAMA_MODEL, LLAMA_BIN, LLAMA_GGUF, LLAMA_JSON);

    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private TokenizerTestData() {}

    static Tokenizer tokenizer(String relative) {
        return LOADED.computeIfAbsent(relative, r -> {
            try {
                return Tokenizers.load(SharedData.model(r));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** llama.cpp's test-tokenizer-0 vectors: strings end with the separator, ids without BOS one line each. */
    static List<Case> llamaCppCases() throws IOException {
        String inp = Files.readString(SharedData.model("gguf/ggml-vocab-llama-spm.gguf.inp"), StandardCharsets.UTF_8);
        List<String> outLines = Files.readAllLines(SharedData.model("gguf/ggml-vocab-llama-spm.gguf.out"), StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> texts = new ArrayList<>();
        int from = 0;
        for (int at; (at = inp.indexOf(sep, from)) >= 0; from = at + sep.length()) texts.add(inp.substring(from, at));
        if (from != inp.length()) throw new IllegalStateException(".inp does not end with the separator");
        if (texts.size() != 46 || outLines.size() != 46) {
            throw new IllegalStateException("expected 46 llama.cpp cases, got " + texts.size() + " / " + outLines.size());
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) cases.add(new Case("llama.cpp#" + i, texts.get(i), parseIds(outLines.get(i))));
        return cases;
    }

    /** swift-transformers' llama_encoded.json; its token_ids start with BOS, which is dropped here. */
    static Case llamaEncoded() throws IOException {
        JsonNode root = new ObjectMapper().readTree(SharedData.model("hf-llama-tokenizer/llama_encoded.json").toFile());
        int[] ids = toInts(root.path("token_ids"));
        if (ids[0] != 1) throw new IllegalStateException("llama_encoded.json token_ids do not start with BOS");
        return new Case("llama_encoded", root.path("text").asText(), Arrays.copyOfRange(ids, 1, ids.length));
    }

    /** Our hard strings with SentencePiece 0.1.97's ids (engine/src/test/python/sp_reference.py). */
    static List<Case> spReference() throws IOException {
        try (InputStream in = TokenizerTestData.class.getResourceAsStream("/tokenizer/sp_reference.json")) {
            if (in == null) throw new IllegalStateException("tokenizer/sp_reference.json is not on the test class path");
            List<Case> cases = new ArrayList<>();
            for (JsonNode row : new ObjectMapper().readTree(in)) {
                cases.add(new Case("sp#" + cases.size(), row.path("text").asText(), toInts(row.path("ids"))));
            }
            return cases;
        }
    }

    static List<Case> allLlamaCases() throws IOException {
        List<Case> all = new ArrayList<>(llamaCppCases());
        all.add(llamaEncoded());
        all.addAll(spReference());
        return all;
    }

    static int[] parseIds(String line) {
        String t = line.strip();
        return t.isEmpty() ? new int[0] : Arrays.stream(t.split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    private static int[] toInts(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    static Path model(String relative) {
        return SharedData.model(relative);
    }
}
