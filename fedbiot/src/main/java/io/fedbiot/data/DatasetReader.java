package io.fedbiot.data;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a source file into {@link Example}s. The container is told by its first non-blank byte:
 * '[' is a JSON array, streamed element by element with Jackson (row = 1-based element number);
 * anything else is JSON Lines (row = 1-based line number; blank lines are not rows).
 * <p>
 * A JSONL line that is not valid JSON is one bad row. Invalid JSON inside an array cannot be
 * skipped (the parser cannot find the next element reliably), so it always throws, under either
 * policy, rather than silently dropping the rest of the file.
 */
public final class DatasetReader {
    /** For whole lines: "{..} junk" on one line is invalid, not a row. */
    private static final ObjectMapper LINE = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    /** For streaming: reads one array element at a time, the rest follows. */
    private static final ObjectMapper STREAM = new JsonMapper();

    private DatasetReader() {}

    /** All good rows of {@code file}; bad ones go to {@code bad}. */
    public static List<Example> readAll(Path file, DataFormat format, BadRows bad) throws IOException {
        List<Example> out = new ArrayList<>();
        read(file, format, bad, out::add);
        return out;
    }

    /** Streams the good rows of {@code file} to {@code sink} in file order; bad ones go to {@code bad}. */
    public static void read(Path file, DataFormat format, BadRows bad, Consumer<Example> sink) throws IOException {
        String source = file.toString();
        try (BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            if (startsWithArray(in)) readArray(in, source, format, bad, sink);
            else readLines(in, source, format, bad, sink);
        }
    }

    /** Peeks past whitespace and a UTF-8 BOM (up to the mark limit) and rewinds. */
    private static boolean startsWithArray(BufferedInputStream in) throws IOException {
        int limit = 1 << 16;
        in.mark(limit);
        int b = in.read();
        for (int n = 1; n < limit && (b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0xEF || b == 0xBB || b == 0xBF); n++)
            b = in.read();
        in.reset();
        return b == '[';
    }

    private static void readLines(InputStream in, String source, DataFormat format, BadRows bad, Consumer<Example> sink)
            throws IOException {
        // Each line decoded on its own with REPORT, so a malformed byte is that row's problem, not U+FFFD in the data.
        CharsetDecoder utf8 = TextFiles.strictUtf8();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 12);
        int row = 0;
        for (boolean more = true; more; ) {
            buf.reset();
            int b;
            while ((b = in.read()) != -1 && b != '\n') buf.write(b);
            more = b != -1;
            if (!more && buf.size() == 0) break;
            row++;
            byte[] bytes = buf.toByteArray();
            int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
            String line;
            try {
                line = utf8.reset().decode(ByteBuffer.wrap(bytes, 0, n)).toString();
            } catch (CharacterCodingException e) {
                bad.report(source, row, BadRowReason.INVALID_UTF8, "text in UTF-8 (" + e.getMessage() + ")");
                continue;
            }
            if (row == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
            if (line.isBlank()) continue;
            JsonNode node;
            try {
                node = LINE.readTree(line);
            } catch (JsonProcessingException e) {
                bad.report(source, row, BadRowReason.INVALID_JSON, "expected one JSON object per line (" + e.getOriginalMessage() + ")");
                continue;
            }
            accept(node, source, row, format, bad, sink);
        }
    }

    private static void readArray(InputStream in, String source, DataFormat format, BadRows bad, Consumer<Example> sink)
            throws IOException {
        int row = 0;
        try (JsonParser p = STREAM.createParser(in)) {
            try {
                p.nextToken(); // START_ARRAY, checked by the caller
                for (JsonToken t; (t = p.nextToken()) != JsonToken.END_ARRAY; ) {
                    if (t == null) throw new DataFormatException(source + ": the JSON array is not closed (after element " + row + ")");
                    row++;
                    accept(STREAM.readTree(p), source, row, format, bad, sink);
                }
                if (p.nextToken() != null)
                    throw new DataFormatException(source + ": expected the end of the file after the JSON array at " + where(p.currentLocation()));
            } catch (JsonProcessingException e) {
                throw new DataFormatException(source + " row " + Math.max(row, 1) + ": " + BadRowReason.INVALID_JSON
                        + ": expected a JSON array of objects (" + e.getOriginalMessage() + " at " + where(e.getLocation()) + ")", e);
            }
        }
    }

    private static void accept(JsonNode node, String source, int row, DataFormat format, BadRows bad, Consumer<Example> sink)
            throws DataFormatException {
        if (!node.isObject()) {
            bad.report(source, row, BadRowReason.NOT_AN_OBJECT, "expected a JSON object, got " + DataFormat.kind(node));
            return;
        }
        try {
            sink.accept(format.toExample(node, source, row));
        } catch (RowProblem p) {
            bad.report(source, row, p.reason, p.getMessage());
        }
    }

    private static String where(JsonLocation loc) {
        return loc == null ? "?" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}
