package io.fedbiot.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} of a SentencePiece-style BPE model (LLaMA's): vocab,
 * merges, byte_fallback, added_tokens and the normalizer. The merges list has no scores, but a piece's
 * rank in it orders merges as SentencePiece's scores do, so each piece gets score = -(rank of the first
 * merge that builds it) and the shared SentencePiece core runs on that. (HF applies only listed pairs;
 * the converter lists every split of every piece, so "concatenation is in the vocabulary" picks the same
 * pairs.) Special tokens are matched in text only by HF, not by SentencePiece, so they are not here.
 */
final class HfTokenizerJsonLoader {
    private HfTokenizerJsonLoader() {}

    static Tokenizer load(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        try {
            return new Tokenizer(parse(root));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + ": unsupported tokenizer.json: " + e.getMessage(), e);
        }
    }

    static Vocabulary parse(JsonNode root) throws IOException {
        JsonNode model = root.path("model");
        if (!model.path("type").asText("").equals("BPE")) {
            throw new IOException("model.type is '" + model.path("type").asText() + "', expected BPE");
        }
        Map<String, Integer> ids = new HashMap<>();
        int size = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ids.put(e.getKey(), e.getValue().asInt());
            size = Math.max(size, e.getValue().asInt() + 1);
        }
        for (JsonNode t : root.path("added_tokens")) size = Math.max(size, t.path("id").asInt() + 1);
        if (size == 0) throw new IOException("empty model.vocab");

        String[] pieces = new String[size];
        PieceType[] types = new PieceType[size];
        ids.forEach((p, id) -> pieces[id] = p);
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        for (int i = 0; i < size; i++) {
            if (pieces[i] != null) types[i] = BpeEncoder.byteValue(pieces[i]) >= 0 ? PieceType.BYTE : PieceType.NORMAL;
        }
        String unkToken = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            String content = t.path("content").asText();
            if (pieces[id] != null && !pieces[id].equals(content)) {
                throw new IOException("added token " + id + " '" + content + "' differs from vocab piece '" + pieces[id] + "'");
            }
            pieces[id] = content;
            ids.putIfAbsent(content, id);
            types[id] = content.equals(unkToken) ? PieceType.UNKNOWN
                    : t.path("special").asBoolean(false) ? PieceType.CONTROL : PieceType.USER_DEFINED;
        }
        for (int i = 0; i < size; i++) {
            if (pieces[i] == null) throw new IOException("no token has id " + i);
        }

        float[] scores = mergeScores(model.path("merges"), pieces, ids);
        Integer unk = unkToken == null ? null : ids.get(unkToken);
        boolean[] norm = normalization(root.path("normalizer"), root.path("pre_tokenizer"));
        return new Vocabulary(pieces, scores, types, unk == null ? -1 : unk, bosId(root, ids), idOr(ids, "</s>"),
                byteFallback, norm[0], false, norm[1]);
    }

    /** Score -rank for each piece a merge builds (its first merge); pieces no merge builds sit below all. */
    private static float[] mergeScores(JsonNode merges, String[] pieces, Map<String, Integer> ids) throws IOException {
        float[] scores = new float[pieces.length];
        Arrays.fill(scores, Float.NaN); // NaN: no merge builds it (yet)
        int rank = 0;
        for (JsonNode m : merges) {
            String a, b;
            if (m.isArray() && m.size() == 2) {
                a = m.get(0).asText();
                b = m.get(1).asText();
            } else {
                String s = m.asText();
                int sp = s.indexOf(' ');
                if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) throw new IOException("merge " + rank + " is not 'a b': " + s);
                a = s.substring(0, sp);
                b = s.substring(sp + 1);
            }
            Integer id = ids.get(a + b);
            if (id == null) throw new IOException("merge " + rank + " (" + a + " + " + b + ") builds no vocab piece");
            if (Float.isNaN(scores[id])) scores[id] = -rank;
            rank++;
        }
        for (int i = 0; i < scores.length; i++) {
            if (Float.isNaN(scores[i])) scores[i] = -(float) rank;
        }
        return scores;
    }

    /** {add dummy prefix, escape spaces} from the normalizer (old files) or a Metaspace pre-tokenizer (new ones). */
    private static boolean[] normalization(JsonNode normalizer, JsonNode preTokenizer) throws IOException {
        boolean prefix = false, escape = false;
        List<JsonNode> steps = new ArrayList<>();
        if (normalizer.path("type").asText("").equals("Sequence")) {
            normalizer.path("normalizers").forEach(steps::add);
        } else if (normalizer.isObject()) {
            steps.add(normalizer);
        }
        for (JsonNode n : steps) {
            switch (n.path("type").asText("")) {
                case "Prepend" -> {
                    if (!n.path("prepend").asText().equals("\u2581")) throw new IOException("Prepend of other than '▁'");
                    prefix = true;
                }
                case "Replace" -> {
                    if (!n.path("pattern").path("String").asText("").equals(" ") || !n.path("content").asText().equals("\u2581")) {
                        throw new IOException("Replace normalizer other than ' ' -> '▁'");
                    }
                    escape = true;
                }
                default -> throw new IOException("normalizer " + n.path("type").asText() + " is not supported");
            }
        }
        if (preTokenizer.isObject()) {
            if (!preTokenizer.path("type").asText("").equals("Metaspace") || preTokenizer.path("split").asBoolean(false)) {
                throw new IOException("pre_tokenizer " + preTokenizer + " is not supported (only Metaspace without split)");
            }
            escape = true;
            String scheme = preTokenizer.path("prepend_scheme").asText(
                    preTokenizer.path("add_prefix_space").asBoolean(true) ? "always" : "never");
            prefix = !scheme.equals("never");
        }
        return new boolean[] {prefix, escape};
    }

    /** BOS from the post-processor template ({@code <s> $A}), else the {@code <s>} piece. */
    private static int bosId(JsonNode root, Map<String, Integer> ids) {
        JsonNode single = root.path("post_processor").path("single");
        if (single.isArray() && !single.isEmpty() && single.get(0).has("SpecialToken")) {
            Integer id = ids.get(single.get(0).path("SpecialToken").path("id").asText());
            if (id != null) return id;
        }
        return idOr(ids, "<s>");
    }

    private static int idOr(Map<String, Integer> ids, String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }
}
