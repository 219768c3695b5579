package io.fedbiot.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Malformed UTF-8 rows follow the bad-row policy; a dataset emptied by a filter says which. */
class RowInputTest {
    @TempDir
    Path tmp;

    /** Row 2 has a lone continuation byte 0x80 and row 3 a truncated two-byte sequence 0xC3 before a quote. */
    private Path withBadBytes() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("{\"instruction\": \"caf\u00e9\", \"output\": \"ok\"}\n".getBytes(StandardCharsets.UTF_8));
        b.writeBytes("{\"instruction\": \"a".getBytes(StandardCharsets.US_ASCII));
        b.write(0x80);
        b.writeBytes("\", \"output\": \"b\"}\r\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes("{\"instruction\": \"x".getBytes(StandardCharsets.US_ASCII));
        b.write(0xC3);
        b.writeBytes("\", \"output\": \"y\"}\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes("{\"instruction\": \"last\", \"output\": \"z\"}".getBytes(StandardCharsets.US_ASCII)); // no final newline
        return Files.write(tmp.resolve("rows.jsonl"), b.toByteArray());
    }

    @Test
    void failRejectsANonUtf8RowWithFileAndRow() throws IOException {
        Path f = withBadBytes();
        var e = assertThrows(DataFormatException.class, () -> DatasetReader.readAll(f, DataFormat.ALPACA, new BadRows(BadRowPolicy.FAIL, s -> {})));
        assertTrue(e.getMessage().startsWith(f + " row 2: INVALID_UTF8"), e.getMessage());
    }

    @Test
    void skipCountsNonUtf8RowsAndKeepsTheRest() throws IOException {
        List<String> log = new ArrayList<>();
        BadRows bad = new BadRows(BadRowPolicy.SKIP, log::add);
        List<Example> rows = DatasetReader.readAll(withBadBytes(), DataFormat.ALPACA, bad);
        assertEquals(Map.of(BadRowReason.INVALID_UTF8, 2), bad.counts());
        assertEquals(2, rows.size());
        assertTrue(rows.get(0).instruction().equals("caf\u00e9"), "valid multi-byte UTF-8 is kept: " + rows.get(0).instruction());
        assertTrue(rows.get(1).instruction().equals("last"), "a last line without newline is a row");
        assertTrue(log.get(0).contains("row 2") && log.get(1).contains("row 3"), log.toString());
    }

    @Test
    void anEmptiedDatasetNamesTheFileAndTheFilter() throws IOException {
        Path f = Files.writeString(tmp.resolve("long.jsonl"), "{\"instruction\": \"a long instruction here\", \"output\": \"and a long answer\"}\n".repeat(12));
        var e = assertThrows(DataFormatException.class, () -> DatasetCache.load(f, DataFormat.ALPACA, SharedFiles.tok512(), 8,
                BadRowPolicy.SKIP, tmp.resolve("cache"), s -> {}));
        assertTrue(e.getMessage().contains(f + ": no rows left: all 12 rows are longer than max_len 8"), e.getMessage());
        Path none = Files.writeString(tmp.resolve("none.jsonl"), "\n\n");
        var e2 = assertThrows(DataFormatException.class, () -> DatasetCache.load(none, DataFormat.ALPACA, SharedFiles.tok512(), 64,
                BadRowPolicy.SKIP, tmp.resolve("cache"), s -> {}));
        assertTrue(e2.getMessage().startsWith(none + ": no rows"), e2.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> DatasetCache.load(tmp.resolve("missing.jsonl"), DataFormat.ALPACA,
                SharedFiles.tok512(), 64, BadRowPolicy.SKIP, tmp.resolve("cache"), s -> {}));
    }
}
