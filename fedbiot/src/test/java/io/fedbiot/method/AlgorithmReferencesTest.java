package io.fedbiot.method;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every section number that a Java source (main or test, any module) cites as
 * "ALGORITHM.md §N" must be a heading of docs/ALGORITHM.md. Forms understood: §4, §4.2, §§4, 5,
 * §§4–6 (a range of whole sections), and a citation broken over two comment lines.
 */
class AlgorithmReferencesTest {
    /** The file name, built so this test's own source never cites anything by accident. */
    static final String DOC = "ALGORITHM" + ".md";

    private static final String NUM = "\\d+(?:\\.\\d+)*";
    private static final String SEP = "\\s*(?:,|&|–|—|-|and|to)\\s*";
    /** "ALGORITHM.md", comment punctuation or line breaks, then § or §§ and one or more numbers. */
    private static final Pattern CITATION = Pattern.compile(
            "ALGORITHM\\.md[\\s*/]*(§§?\\s*" + NUM + "(?:" + SEP + "§?\\s*" + NUM + ")*)");
    private static final Pattern NUMBER_OR_RANGE = Pattern.compile("(" + NUM + ")|(–|—|-|to)");
    /** "## 2. The split", "### 4.2 Masks", "## §6 Rounds": up to three spaces, 1 to 6 #'s. */
    private static final Pattern HEADING = Pattern.compile("^ {0,3}#{1,6}\\s+(?:§\\s*)?(" + NUM + ")\\.?(?=\\s|$)");

    record Citation(String file, int line, String section) {
        @Override
        public String toString() {
            return file + ":" + line + " cites " + DOC + " §" + section;
        }
    }

    // ---- the parsing, as small static methods -------------------------------------------------

    /** The section numbers one citation's text names ("§§2–4, 7" gives 2, 3, 4, 7). */
    static List<String> sections(String cited) {
        List<String> out = new ArrayList<>();
        Matcher m = NUMBER_OR_RANGE.matcher(cited);
        boolean range = false;
        while (m.find()) {
            if (m.group(2) != null) {
                range = !out.isEmpty();
                continue;
            }
            String n = m.group(1);
            String prev = out.isEmpty() ? null : out.getLast();
            if (range && prev != null && !prev.contains(".") && !n.contains(".")) {
                int lo = Integer.parseInt(prev), hi = Integer.parseInt(n);
                for (int i = lo + 1; i < hi && hi - lo <= 100; i++) out.add(Integer.toString(i));
            }
            out.add(n);
            range = false;
        }
        return out;
    }

    /** Every citation in one source text, with the 1-based line where it starts. */
    static List<Citation> citations(String file, String text) {
        List<Citation> out = new ArrayList<>();
        Matcher m = CITATION.matcher(text);
        while (m.find()) {
            int line = 1;
            for (int i = 0; i < m.start(); i++) if (text.charAt(i) == '\n') line++;
            for (String s : sections(m.group(1))) out.add(new Citation(file, line, s));
        }
        return out;
    }

    /** The numbers of the Markdown headings of {@code markdown}, outside fenced code blocks. */
    static Set<String> headings(String markdown) {
        Set<String> out = new LinkedHashSet<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            String t = line.strip();
            if (t.startsWith("```") || t.startsWith("~~~")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) continue;
            Matcher m = HEADING.matcher(line);
            if (m.find()) out.add(m.group(1));
        }
        return out;
    }

    /** One line per citation whose section has no heading in {@code markdown}. */
    static List<String> problems(List<Citation> citations, String markdown) {
        Set<String> have = headings(markdown);
        List<String> out = new ArrayList<>();
        for (Citation c : citations)
            if (!have.contains(c.section()))
                out.add(c + ", but docs/" + DOC + " has no heading for section " + c.section()
                        + " (it has " + have + ")");
        return out;
    }

    /** The first directory from {@code start} upwards with docs/ and a pom.xml that lists modules. */
    static Path repositoryRoot(Path start) {
        for (Path p = start.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            Path pom = p.resolve("pom.xml");
            if (Files.isDirectory(p.resolve("docs")) && Files.isRegularFile(pom) && read(pom).contains("<modules>")) return p;
        }
        throw new IllegalStateException("no repository root (docs/ and a pom.xml with <modules>) above " + start.toAbsolutePath());
    }

    /** Every *.java under {@code root}, outside target/ and .git/ folders, in a stable order. */
    static List<Path> javaFiles(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".java") && Files.isRegularFile(p))
                    .filter(p -> {
                        for (Path part : root.relativize(p)) if (part.toString().equals("target") || part.toString().equals(".git")) return false;
                        return true;
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- the repository ---------------------------------------------------------------------

    @Test
    void everyCitedSectionOfTheRepositoryHasAHeading() {
        Path root = repositoryRoot(Path.of(""));
        Path doc = root.resolve("docs").resolve(DOC);
        assertTrue(Files.isRegularFile(doc), doc + " does not exist");
        List<Citation> all = new ArrayList<>();
        for (Path f : javaFiles(root)) all.addAll(citations(root.relativize(f).toString(), read(f)));
        assertFalse(all.isEmpty(), "no " + DOC + " §N citation in any *.java under " + root + ": the scan found nothing to check");
        List<String> missing = problems(all, read(doc));
        assertTrue(missing.isEmpty(), missing.size() + " citation(s) without a section:\n" + String.join("\n", missing));
    }

    // ---- the parsing, on in-memory sources: the check can fail --------------------------------

    private static final String SAMPLE_DOC = """
            # Title
            ## 1. Roles
            ## §2 The split
            ### 2.1 Methods
            #### 10.3 Deep
            ```
            ## 4. Not a heading: inside a code fence
            ```
            #Not a heading either
                ## 5. Indented code, not a heading
            """;

    private static String cite(String s) {
        return s.replace("{DOC}", DOC);
    }

    @Test
    void headingsAcceptBothStylesAndSkipCodeBlocks() {
        assertEquals(Set.of("1", "2", "2.1", "10.3"), headings(SAMPLE_DOC));
    }

    @Test
    void aMissingSectionIsReportedWithFileAndLine() {
        String src = cite("""
                /** The split ({DOC} §2). */
                class A {
                    // {DOC} §99: no such section
                    int x; // {DOC} §4, in the fence only
                    /* {DOC} §2.1 and {DOC} §1. */
                }
                """);
        List<Citation> cs = citations("A.java", src);
        assertEquals(List.of("2", "99", "4", "2.1", "1"), cs.stream().map(Citation::section).toList());
        assertEquals(List.of(1, 3, 4, 5, 5), cs.stream().map(Citation::line).toList());
        List<String> p = problems(cs, SAMPLE_DOC);
        assertEquals(2, p.size(), String.join("\n", p));
        assertTrue(p.get(0).startsWith("A.java:3 cites " + DOC + " §99"), p.get(0));
        assertTrue(p.get(0).contains("no heading for section 99"), p.get(0));
        assertTrue(p.get(1).startsWith("A.java:4 cites " + DOC + " §4"), p.get(1));
    }

    @Test
    void listsRangesSubsectionsAndLineBreaksAreUnderstood() {
        assertEquals(List.of("4", "5"), sections("§§4, 5"));
        assertEquals(List.of("2", "3", "4", "7"), sections("§§2–4, 7"));
        assertEquals(List.of("4", "5", "6"), sections("§§4-6"));
        assertEquals(List.of("4.2"), sections("§4.2"));
        assertEquals(List.of("2.1", "3"), sections("§§2.1–3"), "a range with a subsection keeps its ends only");
        String wrapped = cite("""
                /**
                 * As {DOC}
                 * §10.3 says.
                 */
                """);
        List<Citation> cs = citations("B.java", wrapped);
        assertEquals(1, cs.size());
        assertEquals("10.3", cs.get(0).section());
        assertEquals(2, cs.get(0).line());
        // A sentence's full stop is not a subsection, and a mention without § is not a citation.
        assertEquals(List.of("8"), citations("C.java", cite("see {DOC} §8. Then {DOC}'s examples.")).stream()
                .map(Citation::section).toList());
        assertEquals(List.of(), problems(citations("C.java", cite("{DOC} §§1–2.1")), SAMPLE_DOC));
    }

    @Test
    void theRealDocumentCoversTheSectionsTheCodeIsWrittenAgainst() {
        Path doc = repositoryRoot(Path.of("")).resolve("docs").resolve(DOC);
        Set<String> h = headings(read(doc));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("2", "the split and the methods");
        expected.put("3", "LoRA");
        expected.put("4", "alignment");
        expected.put("5", "client objective");
        expected.put("6", "aggregation and rounds");
        expected.put("7", "evaluation");
        expected.put("8", "data");
        expected.forEach((n, what) -> assertTrue(h.contains(n), "docs/" + DOC + " lacks §" + n + " (" + what + ")"));
    }
}
