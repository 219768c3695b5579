package io.fedbiot.demo;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.BadRows;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetReader;
import io.fedbiot.data.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The demo's generated tasks: answers recomputed independently from the question text; files are deterministic. */
class TaskFamilyTest {
    private static final Pattern NUM = Pattern.compile("\\d+");

    @TempDir
    Path tmp;

    /** What the question asks, recomputed from its text alone (numbers and the one listed word it names). */
    private static String solve(String family, String q) {
        List<Integer> n = new ArrayList<>();
        for (Matcher m = NUM.matcher(q); m.find(); ) n.add(Integer.parseInt(m.group()));
        String word = TaskFamily.WORDS.stream().filter(w -> q.matches(".*\\b" + w + "\\b.*")).findFirst().orElse(null);
        return switch (family) {
            case "add" -> {
                assertEquals(2, n.size(), q);
                yield String.valueOf(n.get(0) + n.get(1));
            }
            case "larger" -> {
                assertEquals(2, n.size(), q);
                yield String.valueOf(n.get(0) > n.get(1) ? n.get(0) : n.get(1));
            }
            case "reverse" -> {
                assertNotNull(word, q);
                char[] out = new char[word.length()];
                for (int i = 0; i < out.length; i++) out[i] = word.charAt(word.length() - 1 - i);
                yield new String(out);
            }
            case "upper" -> {
                assertNotNull(word, q);
                char[] out = word.toCharArray();
                for (int i = 0; i < out.length; i++) out[i] = (char) (out[i] - 'a' + 'A');
                yield new String(out);
            }
            default -> throw new AssertionError("unknown family " + family);
        };
    }

    @Test
    void answersMatchAnIndependentSolution() {
        List<TaskFamily.Task> tasks = DemoData.tasks(300, 7);
        assertEquals(1200, tasks.size());
        Map<String, Integer> perFamily = new HashMap<>();
        for (TaskFamily.Task t : tasks) {
            assertEquals(solve(t.family().key(), t.instruction()), t.answer(), t.instruction());
            assertTrue(t.solution().matches(".*\\b" + t.answer() + "\\b.*"), "the solution names the answer: " + t.solution());
            assertEquals(1, trueFacts(t.solution()), "the worked solution is one true fact: " + t.solution());
            perFamily.merge(t.family().key(), 1, Integer::sum);
        }
        assertEquals(Map.of("add", 300, "larger", 300, "reverse", 300, "upper", 300), perFamily);
    }

    @Test
    void corpusStatesFactsInOtherWords() {
        List<String> corpus = DemoData.corpus(400, 3);
        String all = String.join("\n", corpus);
        assertFalse(all.toLowerCase().contains("the answer is"), "the corpus must not teach the answer format");
        assertFalse(all.contains("?"), "the corpus states; only the tasks ask");
        for (String taskWord : List.of("How many", "Which", "What", "How does", "when shouted"))
            assertFalse(all.contains(taskWord), "task wording in the corpus: " + taskWord);
        int checked = trueFacts(all);
        assertTrue(checked > 100, "too few facts checked: " + checked);
        assertTrue(corpus.stream().anyMatch(d -> d.contains("### Response:")), "some documents show the prompt layout");
    }

    /** Checks every fact of the forms "X plus Y equals Z", "A is greater than B", mirror and big-letter; returns how many. */
    private static int trueFacts(String text) {
        int checked = 0;
        Matcher plus = Pattern.compile("(\\d+) plus (\\d+) equals (\\d+)").matcher(text);
        for (; plus.find(); checked++)
            assertEquals(Integer.parseInt(plus.group(1)) + Integer.parseInt(plus.group(2)), Integer.parseInt(plus.group(3)), plus.group());
        Matcher gt = Pattern.compile("(\\d+) is greater than (\\d+)").matcher(text);
        for (; gt.find(); checked++) assertTrue(Integer.parseInt(gt.group(1)) > Integer.parseInt(gt.group(2)), gt.group());
        Matcher mirror = Pattern.compile("mirror image of (\\w+) is (\\w+)").matcher(text);
        for (; mirror.find(); checked++) assertEquals(new StringBuilder(mirror.group(1)).reverse().toString(), mirror.group(2));
        Matcher big = Pattern.compile("In big letters, (\\w+) is (\\w+)").matcher(text);
        for (; big.find(); checked++) assertEquals(big.group(1).toUpperCase(java.util.Locale.ROOT), big.group(2));
        return checked;
    }

    @Test
    void filesAreDeterministicAndReadAsTasks() throws Exception {
        DemoData.Sizes sizes = new DemoData.Sizes(30, 10, 12);
        DemoData a = DemoData.write(tmp.resolve("a"), sizes, 5), b = DemoData.write(tmp.resolve("b"), sizes, 5);
        DemoData c = DemoData.write(tmp.resolve("c"), sizes, 6);
        assertArrayEquals(Files.readAllBytes(a.clients()), Files.readAllBytes(b.clients()));
        assertArrayEquals(Files.readAllBytes(a.corpus()), Files.readAllBytes(b.corpus()));
        assertFalse(Files.readString(a.clients()).equals(Files.readString(c.clients())), "another seed, other tasks");

        BadRows bad = new BadRows(BadRowPolicy.FAIL);
        List<Example> rows = DatasetReader.readAll(a.clients(), DataFormat.TASKS, bad);
        assertEquals(40, rows.size());
        for (Example e : rows) {
            assertTrue(e.output().endsWith(". " + DataFormat.ANSWER_PREFIX + e.field(DataFormat.ANSWER)), e.output());
            assertEquals(solve(e.field(DataFormat.FAMILY), e.instruction()), e.field(DataFormat.ANSWER));
        }
        assertEquals(12, DatasetReader.readAll(a.publicSet(), DataFormat.ALPACA, bad).size());
    }

    @Test
    void aTaskRowWithoutAnAnswerIsABadRowNamingItsRow() throws Exception {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "{\"family\":\"add\",\"instruction\":\"1 and 2?\",\"answer\":\"3\"}\n{\"family\":\"add\",\"instruction\":\"x\"}\n");
        BadRows bad = new BadRows(BadRowPolicy.SKIP);
        assertEquals(1, DatasetReader.readAll(f, DataFormat.TASKS, bad).size());
        var fail = assertThrows(Exception.class, () -> DatasetReader.readAll(f, DataFormat.TASKS, new BadRows(BadRowPolicy.FAIL)));
        assertTrue(fail.getMessage().contains("row 2") && fail.getMessage().contains("answer"), fail.getMessage());
    }
}
