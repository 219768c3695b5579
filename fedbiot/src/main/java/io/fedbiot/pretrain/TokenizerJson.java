package io.fedbiot.pretrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedbiot.engine.tokenizer.PieceType;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Vocabulary;
import io.fedbiot.report.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Writes a SentencePiece-style BPE tokenizer as a Hugging Face {@code tokenizer.json} in the layout of
 * LLaMA 2's (BPE with byte fallback, Prepend/Replace normalizer, {@code <s> $A} post-processor). HF
 * files carry no scores, only ranked merges: as HF's SentencePiece converter does, every split of a
 * piece into two vocabulary pieces is listed, pieces in descending score, so a piece's first merge
 * ranks it where its score did (equal scores are ordered by id).
 */
public final class TokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJson() {}

    /** Throws when {@code tok} has something tokenizer.json in this layout cannot say; call it before the work. */
    public static void check(Tokenizer tok) {
        Vocabulary v = tok.vocabulary();
        if (v.removeExtraWhitespaces())
            throw new IllegalArgumentException("tokenizer.json: " + tok + " removes extra whitespace, which this layout cannot express");
        for (int i = 0; i < v.size(); i++)
            if (v.types()[i] == PieceType.UNUSED)
                throw new IllegalArgumentException("tokenizer.json: piece " + i + " of " + tok + " is UNUSED, which this layout cannot express");
    }

    public static void write(Tokenizer tok, Path file) throws IOException {
        check(tok);
        Vocabulary v = tok.vocabulary();
        String[] pieces = v.pieces();
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < v.size(); i++) {
            PieceType t = v.types()[i];
            if (t != PieceType.UNKNOWN && t != PieceType.CONTROL && t != PieceType.USER_DEFINED) continue;
            ObjectNode a = added.addObject();
            a.put("id", i);
            a.put("content", pieces[i]);
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", t == PieceType.USER_DEFINED);
            a.put("special", t != PieceType.USER_DEFINED);
        }
        root.set("normalizer", normalizer(v));
        root.putNull("pre_tokenizer");
        root.set("post_processor", postProcessor(v));
        root.set("decoder", decoder(v));

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        if (v.unkId() >= 0) model.put("unk_token", pieces[v.unkId()]);
        else model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", v.byteFallback());
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < v.size(); i++) vocab.put(pieces[i], i);
        model.set("merges", merges(v));
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** [left, right] pairs: pieces by descending score, each with every split into two vocabulary pieces. */
    private static ArrayNode merges(Vocabulary v) {
        String[] pieces = v.pieces();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < pieces.length; i++) ids.putIfAbsent(pieces[i], i);
        ArrayNode merges = JSON.createArrayNode();
        int[] order = IntStream.range(0, pieces.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -v.scores()[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        for (int id : order) {
            PieceType t = v.types()[id];
            if (t != PieceType.NORMAL && t != PieceType.USER_DEFINED) continue;
            String p = pieces[id];
            for (int cut = p.offsetByCodePoints(0, 1); cut < p.length(); cut = p.offsetByCodePoints(cut, 1)) {
                String left = p.substring(0, cut), right = p.substring(cut);
                if (ids.containsKey(left) && ids.containsKey(right)) merges.addArray().add(left).add(right);
            }
        }
        return merges;
    }

    private static ObjectNode normalizer(Vocabulary v) {
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode steps = seq.putArray("normalizers");
        if (v.addDummyPrefix()) steps.addObject().put("type", "Prepend").put("prepend", "\u2581");
        if (v.escapeWhitespaces()) {
            ObjectNode r = steps.addObject().put("type", "Replace");
            r.putObject("pattern").put("String", " ");
            r.put("content", "\u2581");
        }
        return seq;
    }

    /** {@code <s> $A} (and pairs {@code <s> $A <s> $B}), as LLaMA's; only the BOS is added by default. */
    private static ObjectNode postProcessor(Vocabulary v) {
        ObjectNode p = JSON.createObjectNode();
        p.put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single"), pair = p.putArray("pair");
        String bos = v.bosId() >= 0 ? v.pieces()[v.bosId()] : null;
        if (bos != null) single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        if (bos != null) pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        if (bos != null) pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode special = p.putObject("special_tokens");
        if (bos != null) {
            ObjectNode s = special.putObject(bos);
            s.put("id", bos);
            s.putArray("ids").add(v.bosId());
            s.putArray("tokens").add(bos);
        }
        return p;
    }

    /** ▁ back to spaces, byte pieces to bytes, and the dummy prefix's space dropped. */
    private static ObjectNode decoder(Vocabulary v) {
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode steps = seq.putArray("decoders");
        if (v.escapeWhitespaces()) {
            ObjectNode r = steps.addObject().put("type", "Replace");
            r.putObject("pattern").put("String", "\u2581");
            r.put("content", " ");
        }
        if (v.byteFallback()) steps.addObject().put("type", "ByteFallback");
        steps.addObject().put("type", "Fuse");
        if (v.addDummyPrefix()) steps.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        return seq;
    }
}
