package io.fedbiot.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged copies of the real files, in SKIP and FAIL. */
class BadRowsTest {
    @TempDir
    Path dir;

    /** GSM8K test with rows 2..6 damaged and row 7 made very long. */
    private Path damagedGsm8k() throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(SharedFiles.gsm8kTest()));
        lines.set(1, "{\"question\": \"broken");                                   // row 2: invalid JSON
        lines.set(2, "{\"question\": \"What is 1+1?\"}");                           // row 3: no answer
        lines.set(3, "{\"question\": 12, \"answer\": \"2\\n#### 2\"}");             // row 4: number for a string
        lines.set(4, "{\"question\": \"Say nothing\", \"answer\": \"#### \"}");     // row 5: no final answer
        lines.set(5, "[1, 2]");                                                     // row 6: not an object
        lines.set(6, "{\"question\": \"" + "long ".repeat(2000) + "\", \"answer\": \"x\\n#### 1\"}"); // row 7: too long
        Path f = dir.resolve("gsm8k-damaged.jsonl");
        Files.write(f, lines);
        return f;
    }

    /** Alpaca array with element 3's output emptied and element 5's instruction removed. */
    private Path damagedAlpaca() throws IOException {
        String s = Files.readString(SharedFiles.alpaca());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var array = (com.fasterxml.jackson.databind.node.ArrayNode) json.readTree(s);
        ((com.fasterxml.jackson.databind.node.ObjectNode) array.get(2)).put("output", "  ");
        ((com.fasterxml.jackson.databind.node.ObjectNode) array.get(4)).remove("instruction");
        Path f = dir.resolve("alpaca-damaged.json");
        json.writerWithDefaultPrettyPrinter().writeValue(f.toFile(), array);
        return f;
    }

    @Test
    void skipCountsByReasonAndWarnsWithRowNumbers() throws IOException {
        Path f = damagedGsm8k();
        List<String> warnings = new ArrayList<>();
        BadRows bad = new BadRows(BadRowPolicy.SKIP, warnings::add);
        TokenizedDataset d = new ExampleEncoder(SharedFiles.tok512(), 2048).build(f, DataFormat.GSM8K, bad);
        assertEquals(1319 - 6, d.size());
        assertEquals(Map.of(BadRowReason.INVALID_JSON, 1, BadRowReason.MISSING_FIELD, 1, BadRowReason.WRONG_TYPE, 1,
                BadRowReason.NO_FINAL_ANSWER, 1, BadRowReason.NOT_AN_OBJECT, 1, BadRowReason.TOO_LONG, 1), bad.counts());
        assertEquals(6, warnings.size());
        String[] expected = {"row 2: INVALID_JSON", "row 3: MISSING_FIELD: expected a string field \"answer\"",
                "row 4: WRONG_TYPE: field \"question\": expected a string, got a number", "row 5: NO_FINAL_ANSWER",
                "row 6: NOT_AN_OBJECT", "row 7: TOO_LONG: expected at most maxLen 2048 tokens"};
        for (int i = 0; i < expected.length; i++) {
            assertTrue(warnings.get(i).contains(f + " " + expected[i]), warnings.get(i));
        }
        assertEquals(1, d.sourceRow(0));
        assertEquals(8, d.sourceRow(1));
        assertEquals(d.badRows(), bad.counts());
    }

    @Test
    void manyRowsOfOneReasonAreCountedExactlyButListedOnlyUpToTheCap() throws DataFormatException {
        List<String> warnings = new ArrayList<>();
        BadRows bad = new BadRows(BadRowPolicy.SKIP, warnings::add);
        int n = BadRows.LISTED_PER_REASON * 3;
        for (int row = 1; row <= n; row++) bad.report("big.jsonl", row, BadRowReason.TOO_LONG, "expected at most 8 tokens");
        bad.report("big.jsonl", n + 1, BadRowReason.EMPTY_TARGET, "expected a non-empty response");
        assertEquals(Map.of(BadRowReason.TOO_LONG, n, BadRowReason.EMPTY_TARGET, 1), bad.counts());
        assertEquals(BadRows.LISTED_PER_REASON + 2, warnings.size());
        assertTrue(warnings.get(BadRows.LISTED_PER_REASON - 1).contains("big.jsonl row " + BadRows.LISTED_PER_REASON + ": TOO_LONG"));
        assertTrue(warnings.get(BadRows.LISTED_PER_REASON).contains("further TOO_LONG rows"), warnings.get(BadRows.LISTED_PER_REASON));
        assertTrue(warnings.getLast().contains("row " + (n + 1) + ": EMPTY_TARGET"), warnings.getLast());
    }

    @Test
    void failThrowsNamingFileAndRow() throws IOException {
        Path f = damagedGsm8k();
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new ExampleEncoder(SharedFiles.tok512(), 2048).build(f, DataFormat.GSM8K, new BadRows(BadRowPolicy.FAIL)));
        assertTrue(e.getMessage().startsWith(f + " row 2: INVALID_JSON"), e.getMessage());
    }

    @Test
    void jsonArraysInBothPolicies() throws IOException {
        Path f = damagedAlpaca();
        List<String> warnings = new ArrayList<>();
        BadRows bad = new BadRows(BadRowPolicy.SKIP, warnings::add);
        List<Example> rows = DatasetReader.readAll(f, DataFormat.ALPACA, bad);
        assertEquals(1998, rows.size());
        assertEquals(Map.of(BadRowReason.EMPTY_TARGET, 1, BadRowReason.MISSING_FIELD, 1), bad.counts());
        assertTrue(warnings.get(0).contains(f + " row 3: EMPTY_TARGET"), warnings.get(0));
        assertTrue(warnings.get(1).contains(f + " row 5: MISSING_FIELD: expected a string field \"instruction\""), warnings.get(1));

        DataFormatException e = assertThrows(DataFormatException.class,
                () -> DatasetReader.readAll(f, DataFormat.ALPACA, new BadRows(BadRowPolicy.FAIL)));
        assertTrue(e.getMessage().startsWith(f + " row 3: EMPTY_TARGET"), e.getMessage());
    }

    @Test
    void brokenJsonInsideAnArrayAlwaysThrows() throws IOException {
        String s = Files.readString(SharedFiles.alpaca());
        int third = s.indexOf("\"instruction\"", s.indexOf("\"instruction\"", s.indexOf("\"instruction\"") + 1) + 1);
        Path f = dir.resolve("alpaca-broken.json");
        Files.writeString(f, s.substring(0, third) + "\"instruction\" 42" + s.substring(third + "\"instruction\":".length()));
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> DatasetReader.readAll(f, DataFormat.ALPACA, new BadRows(BadRowPolicy.SKIP, w -> {})));
        assertTrue(e.getMessage().startsWith(f + " row 3: INVALID_JSON"), e.getMessage());
        assertTrue(e.getMessage().contains("line "), e.getMessage());
    }
}
