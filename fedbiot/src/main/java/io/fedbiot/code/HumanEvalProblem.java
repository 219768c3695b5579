package io.fedbiot.code;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.data.DataFormatException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/** One HumanEval problem: the prompt to complete, the reference body, the test defining check(), the function's name. */
public record HumanEvalProblem(String taskId, String prompt, String canonicalSolution, String test, String entryPoint) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> KEYS = List.of("task_id", "prompt", "canonical_solution", "test", "entry_point");

    /** The program the sandbox runs: prompt, completion, the test, then check(entry_point). */
    public String program(String completion) {
        return prompt + completion + "\n\n" + test + "\n\ncheck(" + entryPoint + ")\n";
    }

    /**
     * Every problem of a HumanEval JSON Lines file (gzipped when it starts with the gzip magic);
     * a bad line is an error naming the file, line and key, since a partial problem set would
     * give a pass@1 that is not comparable.
     */
    public static List<HumanEvalProblem> read(Path file) throws IOException {
        List<HumanEvalProblem> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        try (InputStream raw = Files.newInputStream(file);
             BufferedReader in = new BufferedReader(new InputStreamReader(gunzipIfNeeded(raw), StandardCharsets.UTF_8))) {
            int line = 0;
            for (String s; (s = in.readLine()) != null; ) {
                line++;
                if (s.isBlank()) continue;
                JsonNode o;
                try {
                    o = JSON.readTree(s);
                } catch (JsonProcessingException e) {
                    throw new DataFormatException(file + " line " + line + ": expected one JSON object per line (" + e.getOriginalMessage() + ")");
                }
                if (!o.isObject()) throw new DataFormatException(file + " line " + line + ": expected a JSON object with keys " + KEYS);
                String[] v = new String[KEYS.size()];
                for (int i = 0; i < v.length; i++) {
                    JsonNode f = o.get(KEYS.get(i));
                    if (f == null || !f.isTextual() || f.textValue().isEmpty())
                        throw new DataFormatException(file + " line " + line + ": key \"" + KEYS.get(i) + "\": expected a non-empty string");
                    v[i] = f.textValue();
                }
                if (!v[4].matches("[A-Za-z_][A-Za-z0-9_]*"))
                    throw new DataFormatException(file + " line " + line + ": key \"entry_point\": expected a Python identifier, got '" + v[4] + "'");
                if (!ids.add(v[0])) throw new DataFormatException(file + " line " + line + ": task_id '" + v[0] + "' appears twice");
                out.add(new HumanEvalProblem(v[0], v[1], v[2], v[3], v[4]));
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new DataFormatException(file + ": damaged gzip data (" + e.getMessage() + ")", e);
        }
        if (out.isEmpty()) throw new DataFormatException(file + ": no problems (expected HumanEval JSON Lines)");
        return out;
    }

    private static InputStream gunzipIfNeeded(InputStream raw) throws IOException {
        var in = new java.io.BufferedInputStream(raw);
        in.mark(2);
        int a = in.read(), b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b ? new GZIPInputStream(in) : in;
    }
}
