package io.fedbiot.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodeLanguageTest {
    @Test
    void aLanguageNamedInTheInstructionWinsAndTheFirstNamedOneAmongSeveral() {
        assertEquals("python", CodeLanguage.detect("Write a Python function to reverse a list.", "", "x"));
        assertEquals("python", CodeLanguage.detect("Translate this Python code to Java.", "", "public class A {}"));
        assertEquals("java", CodeLanguage.detect("Translate this Java code to Python.", "", "def f(): pass"));
        assertEquals("cpp", CodeLanguage.detect("Write a C++ program that prints 1.", "", "x"));
        assertEquals("csharp", CodeLanguage.detect("Create a C# class.", "", "x"));
        assertEquals("c", CodeLanguage.detect("Write a program in C to add numbers.", "", "x"));
        assertEquals("javascript", CodeLanguage.detect("Write a JavaScript snippet.", "", "x"));
        assertEquals("javascript", CodeLanguage.detect("Using jQuery, hide the div.", "", "x"));
        assertEquals("sql", CodeLanguage.detect("Write a query to find all users.", "", "x"));
    }

    @Test
    void withoutANameTheOutputsSyntaxDecides() {
        assertEquals("python", CodeLanguage.detect("Reverse a list.", "", "def rev(xs):\n    return xs[::-1]"));
        assertEquals("sql", CodeLanguage.detect("Find all users older than 30.", "", "SELECT name FROM users WHERE age > 30;"));
        assertEquals("cpp", CodeLanguage.detect("Print hello.", "", "#include <iostream>\nint main() { std::cout << 1; }"));
        assertEquals("c", CodeLanguage.detect("Print hello.", "", "#include <stdio.h>\nint main() { printf(\"1\"); }"));
        assertEquals("java", CodeLanguage.detect("Print hello.", "", "System.out.println(\"hi\");"));
        assertEquals("javascript", CodeLanguage.detect("Log a value.", "", "console.log(x);"));
        assertEquals("html", CodeLanguage.detect("Make a page with a title.", "", "<html><body><h1>Hi</h1></body></html>"));
        assertEquals("css", CodeLanguage.detect("Make headings red.", "", "h1 {\n  color: red;\n}"));
    }

    @Test
    void proseIsUnplacedAndRareLanguagesAndUnplacedRowsGoToOther() {
        assertEquals(CodeLanguage.UNPLACED, CodeLanguage.detect("What is the capital of France?", "", "Paris."));
        assertEquals("ruby", CodeLanguage.detect("Write a Ruby method.", "", "x"));
        assertEquals(CodeLanguage.OTHER, CodeLanguage.group("ruby"));
        assertEquals(CodeLanguage.OTHER, CodeLanguage.group(CodeLanguage.UNPLACED));
        for (String l : CodeLanguage.CLIENTS) assertEquals(l, CodeLanguage.group(l));
        assertEquals(8, CodeLanguage.CLIENTS.size());
    }

    @Test
    void codeAlpacaSplitsIntoAtMostNineLanguageClientsAndTheSummaryAddsUp() throws Exception {
        BadRows bad = new BadRows(BadRowPolicy.SKIP, w -> {});
        List<Example> rows = DatasetReader.readAll(SharedFiles.codeAlpaca(), DataFormat.CODE, bad);
        String[] language = rows.stream().map(e -> e.fields().get(DataFormat.LANGUAGE)).toArray(String[]::new);
        String[] detail = rows.stream().map(e -> e.fields().get(DataFormat.LANGUAGE_DETAIL)).toArray(String[]::new);
        Set<String> allowed = new HashSet<>(CodeLanguage.CLIENTS);
        allowed.add(CodeLanguage.OTHER);
        for (int i = 0; i < rows.size(); i++) {
            assertTrue(allowed.contains(language[i]), "row " + i + ": " + language[i]);
            assertEquals(CodeLanguage.group(detail[i]), language[i]);
        }
        long unplaced = Arrays.stream(detail).filter(CodeLanguage.UNPLACED::equals).count();
        assertTrue(unplaced > 0 && unplaced < rows.size() / 4, "unplaced " + unplaced + " of " + rows.size());
        String summary = CodeLanguage.summary(detail);
        assertTrue(summary.endsWith("could not place " + unplaced + " rows (client other)"), summary);
        int counted = Arrays.stream(summary.substring(0, summary.indexOf(';')).split(", "))
                .mapToInt(part -> Integer.parseInt(part.split(" ")[1])).sum();
        assertEquals(rows.size() - unplaced, counted);

        int[] all = Partitioners.all(rows.size());
        Partition byLanguage = Partitioners.byField(language, all);
        assertEquals(9, byLanguage.size());
        assertCovers(byLanguage, rows.size());
        assertCovers(Partitioners.dirichlet(language, all, 5, 0.5, 3), rows.size());
        assertCovers(Partitioners.iid(all, 4, 3), rows.size());
    }

    private static void assertCovers(Partition p, int n) {
        int[] seen = new int[n];
        for (int k = 0; k < p.size(); k++) {
            assertTrue(p.client(k).length > 0, "client " + k + " is empty");
            for (int r : p.client(k)) seen[r]++;
        }
        assertTrue(IntStream.of(seen).allMatch(c -> c == 1), "rows not split disjointly and completely");
    }
}
