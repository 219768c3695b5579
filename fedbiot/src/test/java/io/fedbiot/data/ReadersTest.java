package io.fedbiot.data;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The readers on the real shared files; counts from shared/data/SOURCES.md. */
class ReadersTest {
    private static List<Example> read(java.nio.file.Path file, DataFormat format) throws IOException {
        BadRows bad = new BadRows(BadRowPolicy.FAIL);
        return DatasetReader.readAll(file, format, bad);
    }

    @Test
    void gsm8kTargetsEndWithTheAnswerAndKeepIt() throws IOException {
        List<Example> train = read(SharedFiles.gsm8kTrain(), DataFormat.GSM8K);
        assertEquals(7473, train.size());
        assertEquals(1319, read(SharedFiles.gsm8kTest(), DataFormat.GSM8K).size());
        Example first = train.getFirst();
        assertTrue(first.instruction().startsWith("Natalia sold clips to 48 of her friends"));
        assertEquals("", first.input());
        assertEquals("72", first.field(DataFormat.ANSWER));
        assertTrue(first.output().endsWith("altogether in April and May.\nThe answer is 72"), first.output());
        assertEquals(1, first.row());
        for (Example e : train) {
            assertTrue(e.output().endsWith("The answer is " + e.field(DataFormat.ANSWER)), e.output());
            assertFalse(e.output().contains("####"), e.output());
        }
        assertEquals(7473, train.getLast().row());
    }

    @Test
    void dollyHasItsEightCategories() throws IOException {
        List<Example> dolly = read(SharedFiles.dolly(), DataFormat.DOLLY);
        assertEquals(15011, dolly.size());
        Map<String, Long> counts = dolly.stream().collect(
                Collectors.groupingBy(e -> e.field(DataFormat.CATEGORY), TreeMap::new, Collectors.counting()));
        assertEquals(Map.of("open_qa", 3742L, "general_qa", 2191L, "classification", 2136L, "closed_qa", 1773L,
                "brainstorming", 1766L, "information_extraction", 1506L, "summarization", 1188L, "creative_writing", 709L), counts);
        Example first = dolly.getFirst();
        assertEquals("Who is Maria Ludwiga Michalk?", first.instruction());
        assertTrue(first.input().startsWith("Maria Ludwiga Michalk (born 6 December 1949)"));
        assertTrue(dolly.stream().anyMatch(e -> e.input().isEmpty()));
    }

    @Test
    void dollyShepherdSplitFileIsAJsonArray() throws IOException {
        List<Example> test = read(SharedFiles.data("datasets/dolly15k/shepherd_split_10clients/global_test.json"), DataFormat.DOLLY);
        assertEquals(80, test.size());
        assertTrue(test.stream().collect(Collectors.groupingBy(e -> e.field(DataFormat.CATEGORY), Collectors.counting()))
                .values().stream().allMatch(n -> n == 10));
    }

    @Test
    void alpacaAndCodeAlpaca() throws IOException {
        List<Example> alpaca = read(SharedFiles.alpaca(), DataFormat.ALPACA);
        assertEquals(2000, alpaca.size());
        assertEquals(753, alpaca.stream().filter(e -> !e.input().isEmpty()).count());
        assertEquals("Check if the following Facebook post is appropriate", alpaca.getFirst().instruction());
        assertEquals("no", alpaca.getFirst().output());
        assertEquals(2000, alpaca.getLast().row());

        // 2017 rows, two of which (238 and 1860) have an empty output: bad rows, skipped with a warning each
        List<String> warnings = new java.util.ArrayList<>();
        BadRows bad = new BadRows(BadRowPolicy.SKIP, warnings::add);
        List<Example> code = DatasetReader.readAll(SharedFiles.codeAlpaca(), DataFormat.CODE_ALPACA, bad);
        assertEquals(2015, code.size());
        assertEquals(Map.of(BadRowReason.EMPTY_TARGET, 2), bad.counts());
        assertEquals(2, warnings.size());
        assertTrue(warnings.get(0).contains("code_alpaca_2k.json row 238: EMPTY_TARGET"), warnings.get(0));
        assertTrue(warnings.get(1).contains("code_alpaca_2k.json row 1860: EMPTY_TARGET"), warnings.get(1));
        assertEquals(1006 - 2, code.stream().filter(e -> !e.input().isEmpty()).count());
        assertEquals("dataList = [3, 9, 3, 5, 7, 9, 5]", code.getFirst().input());
        assertTrue(code.stream().map(Example::fields).allMatch(Map::isEmpty));
        assertEquals(2017, code.getLast().row());
        assertEquals(SharedFiles.codeAlpaca().toString(), code.getFirst().source());
    }
}
