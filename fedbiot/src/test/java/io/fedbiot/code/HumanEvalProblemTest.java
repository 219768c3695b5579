package io.fedbiot.code;

import io.fedbiot.data.DataFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A damaged problems file is an error naming the file, line and key, never a shorter problem set. */
class HumanEvalProblemTest {
    private static final String GOOD = "{\"task_id\": \"t/0\", \"prompt\": \"def f():\\n\", \"canonical_solution\": \"    return 1\\n\","
            + " \"test\": \"def check(c):\\n    assert c() == 1\\n\", \"entry_point\": \"f\"}";

    @TempDir
    Path dir;

    private String failure(String name, byte[] content) throws Exception {
        Path f = Files.write(dir.resolve(name), content);
        return assertThrows(DataFormatException.class, () -> HumanEvalProblem.read(f)).getMessage().replace(f.toString(), "F");
    }

    private String failure(String text) throws Exception {
        return failure("p.jsonl", text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void eachDamageIsNamed() throws Exception {
        String notJson = failure(GOOD + "\n{\"task_id\": \n");
        assertTrue(notJson.startsWith("F line 2: expected one JSON object per line ("), notJson);
        assertEquals("F line 1: expected a JSON object with keys [task_id, prompt, canonical_solution, test, entry_point]", failure("[1, 2]\n"));
        assertEquals("F line 1: key \"test\": expected a non-empty string", failure(GOOD.replace("\"test\"", "\"tests\"")));
        assertEquals("F line 1: key \"entry_point\": expected a Python identifier, got 'f()'", failure(GOOD.replace("\"f\"}", "\"f()\"}")));
        assertEquals("F line 3: task_id 't/0' appears twice", failure(GOOD + "\n\n" + GOOD + "\n"));
        assertEquals("F: no problems (expected HumanEval JSON Lines)", failure("\n\n"));
    }

    @Test
    void gzipIsReadByItsMagicAndACutOneIsNamed() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write((GOOD + "\n").repeat(1).getBytes(StandardCharsets.UTF_8));
        }
        Path ok = Files.write(dir.resolve("ok.gz"), b.toByteArray());
        assertEquals("f", HumanEvalProblem.read(ok).getFirst().entryPoint());
        byte[] cut = Arrays.copyOf(b.toByteArray(), b.size() - 12);
        String m = failure("cut.gz", cut);
        assertTrue(m.startsWith("F: damaged gzip data ("), m);
    }
}
