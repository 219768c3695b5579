package io.fedbiot.pretrain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fedbiot.data.DataFormatException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A pretraining corpus as documents: a {@code .jsonl} file holds one JSON object per line with a
 * string field (default {@code text}); any other file is plain UTF-8 text whose documents are
 * separated by blank lines. Bad rows are errors naming the file and row: pretraining on half a file
 * by accident is worse than stopping.
 */
public final class TextCorpus {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private TextCorpus() {}

    public static List<String> read(Path file, String field) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such corpus file");
        boolean jsonl = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jsonl");
        List<String> docs = jsonl ? readJsonl(file, field) : readText(file);
        if (docs.isEmpty()) throw new DataFormatException(file + ": the corpus has no text");
        return docs;
    }

    private static List<String> readText(Path file) throws IOException {
        List<String> docs = new ArrayList<>();
        StringBuilder doc = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                if (!doc.isEmpty()) docs.add(doc.toString());
                doc.setLength(0);
            } else {
                if (!doc.isEmpty()) doc.append('\n');
                doc.append(line.strip());
            }
        }
        if (!doc.isEmpty()) docs.add(doc.toString());
        return docs;
    }

    private static List<String> readJsonl(Path file, String field) throws IOException {
        List<String> docs = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int row = 0;
            for (String line; (line = in.readLine()) != null; ) {
                row++;
                if (line.isBlank()) continue;
                JsonNode o;
                try {
                    o = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new DataFormatException(file + " row " + row + ": expected one JSON object per line (" + e.getOriginalMessage() + ")");
                }
                JsonNode v = o.isObject() ? o.get(field) : null;
                if (v == null || !v.isTextual())
                    throw new DataFormatException(file + " row " + row + ": expected an object with a string field \"" + field + "\"");
                if (!v.textValue().isBlank()) docs.add(v.textValue());
            }
        }
        return docs;
    }
}
