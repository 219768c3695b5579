package io.fedbiot.data;

import io.fedbiot.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetCacheTest {
    @TempDir
    Path dir;

    private final List<String> log = new ArrayList<>();

    private DatasetCache.Result load(Path source, DataFormat f, Tokenizer tok, int maxLen, BadRowPolicy p) throws IOException {
        return DatasetCache.load(source, f, tok, maxLen, p, dir.resolve("cache"), log::add);
    }

    private static void assertSameRows(TokenizedDataset a, TokenizedDataset b) {
        assertEquals(a.size(), b.size());
        assertEquals(a.tokenCount(), b.tokenCount());
        assertEquals(a.fieldNames(), b.fieldNames());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.ids(i), b.ids(i), "row " + i);
            assertArrayEquals(a.mask(i), b.mask(i), "row " + i);
            assertEquals(a.sourceRow(i), b.sourceRow(i));
            for (String f : a.fieldNames()) assertEquals(a.field(f, i), b.field(f, i));
        }
    }

    @Test
    void buildsThenHitsAndRebuildsWhenStale() throws IOException {
        Path source = dir.resolve("train.jsonl");
        Files.copy(SharedFiles.gsm8kTest(), source);

        DatasetCache.Result first = load(source, DataFormat.GSM8K, SharedFiles.llama(), 1024, BadRowPolicy.SKIP);
        assertFalse(first.hit());
        assertEquals("no cache yet", first.why());
        assertEquals(1319, first.dataset().size());
        assertEquals(SharedFiles.llama().hash(), first.manifest().tokenizerHash());
        assertEquals(Files.size(source), first.manifest().sourceSize());

        DatasetCache.Result second = load(source, DataFormat.GSM8K, SharedFiles.llama(), 1024, BadRowPolicy.SKIP);
        assertTrue(second.hit(), second.why());
        assertTrue(log.getLast().startsWith("dataset cache hit: " + source), log.getLast());
        TokenizedDataset fresh = new ExampleEncoder(SharedFiles.llama(), 1024)
                .build(source, DataFormat.GSM8K, new BadRows(BadRowPolicy.FAIL));
        assertSameRows(fresh, second.dataset());
        assertSameRows(first.dataset(), second.dataset());
        assertEquals("18", second.dataset().field(DataFormat.ANSWER, 0)); // GSM8K test row 1: Janet's ducks

        DatasetCache.Result otherTok = load(source, DataFormat.GSM8K, SharedFiles.tok512(), 1024, BadRowPolicy.SKIP);
        assertFalse(otherTok.hit());
        assertTrue(otherTok.why().startsWith("tokenizer changed"), otherTok.why());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("dataset cache rebuild: " + source + ": tokenizer changed")));
        assertSameRows(new ExampleEncoder(SharedFiles.tok512(), 1024).build(source, DataFormat.GSM8K, new BadRows(BadRowPolicy.SKIP, w -> {})),
                otherTok.dataset());
        assertTrue(load(source, DataFormat.GSM8K, SharedFiles.tok512(), 1024, BadRowPolicy.SKIP).hit());

        DatasetCache.Result longer = load(source, DataFormat.GSM8K, SharedFiles.tok512(), 2048, BadRowPolicy.SKIP);
        assertEquals("maxLen changed (1024 -> 2048)", longer.why());

        Files.setLastModifiedTime(source, FileTime.fromMillis(Files.getLastModifiedTime(source).toMillis() - 60_000));
        DatasetCache.Result touched = load(source, DataFormat.GSM8K, SharedFiles.tok512(), 2048, BadRowPolicy.SKIP);
        assertTrue(touched.why().startsWith("source changed"), touched.why());
        assertTrue(load(source, DataFormat.GSM8K, SharedFiles.tok512(), 2048, BadRowPolicy.SKIP).hit());

        // one slot per source: the superseded data files are gone, no temp files are left
        try (var files = Files.list(dir.resolve("cache"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(2, names.size(), names.toString());
            assertTrue(names.get(0).endsWith(".arrow") && names.get(1).endsWith(".manifest.json"), names.toString());
        }
    }

    @Test
    void badRowsAreRecordedAndFailDoesNotTrustASkippingCache() throws IOException {
        Path source = SharedFiles.codeAlpaca(); // two rows with an empty output
        DatasetCache.Result built = load(source, DataFormat.CODE_ALPACA, SharedFiles.tok512(), 4096, BadRowPolicy.SKIP);
        assertEquals(2015, built.dataset().size());
        assertEquals(Map.of(BadRowReason.EMPTY_TARGET, 2), built.manifest().badRows());
        DatasetCache.Result hit = load(source, DataFormat.CODE_ALPACA, SharedFiles.tok512(), 4096, BadRowPolicy.SKIP);
        assertTrue(hit.hit());
        assertEquals(Map.of(BadRowReason.EMPTY_TARGET, 2), hit.dataset().badRows());
        assertTrue(log.stream().anyMatch(l -> l.contains("bad rows skipped when the cache was built")), log.toString());
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> load(source, DataFormat.CODE_ALPACA, SharedFiles.tok512(), 4096, BadRowPolicy.FAIL));
        assertTrue(e.getMessage().contains("code_alpaca_2k.json row 238: EMPTY_TARGET"), e.getMessage());
    }

    @Test
    void damagedDataFileIsRebuilt() throws IOException {
        Path source = SharedFiles.alpaca();
        DatasetCache.Result built = load(source, DataFormat.ALPACA, SharedFiles.tok512(), 4096, BadRowPolicy.FAIL);
        Path data = dir.resolve("cache").resolve(built.manifest().dataFile());
        byte[] bytes = Files.readAllBytes(data);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(data, bytes); // same size, one byte flipped
        DatasetCache.Result again = load(source, DataFormat.ALPACA, SharedFiles.tok512(), 4096, BadRowPolicy.FAIL);
        assertFalse(again.hit());
        assertTrue(again.why().startsWith("cached data file damaged"), again.why());
        assertSameRows(built.dataset(), again.dataset());

        Files.write(dir.resolve("cache").resolve(again.manifest().dataFile()), java.util.Arrays.copyOf(bytes, 100));
        assertTrue(load(source, DataFormat.ALPACA, SharedFiles.tok512(), 4096, BadRowPolicy.FAIL).why()
                .startsWith("cached data file missing or truncated"));
    }

    @Test
    void dollyWithTheLlamaTokenizer() throws IOException {
        long t0 = System.nanoTime();
        DatasetCache.Result built = load(SharedFiles.dolly(), DataFormat.DOLLY, SharedFiles.llama(), 2048, BadRowPolicy.SKIP);
        long t1 = System.nanoTime();
        DatasetCache.Result hit = load(SharedFiles.dolly(), DataFormat.DOLLY, SharedFiles.llama(), 2048, BadRowPolicy.SKIP);
        long t2 = System.nanoTime();
        System.out.printf("dolly: built %d rows (%d tokens, %s) in %d ms, cache hit in %d ms%n", built.dataset().size(),
                built.dataset().tokenCount(), built.manifest().badRows(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        assertTrue(hit.hit());
        int tooLong = built.manifest().badRows().getOrDefault(BadRowReason.TOO_LONG, 0);
        assertEquals(15011, built.dataset().size() + tooLong);
        assertEquals(java.util.Set.of(BadRowReason.TOO_LONG), built.manifest().badRows().keySet()); // Dolly has long contexts
        assertTrue(hit.dataset().maxLength() <= 2048);
        Partition p = Partitioners.byField(hit.dataset().column(DataFormat.CATEGORY), Partitioners.all(hit.dataset().size()));
        assertEquals(List.of("brainstorming", "classification", "closed_qa", "creative_writing", "general_qa",
                "information_extraction", "open_qa", "summarization"), p.labels());
    }
}
