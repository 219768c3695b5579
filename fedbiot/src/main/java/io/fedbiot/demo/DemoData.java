package io.fedbiot.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedbiot.data.AlpacaTemplate;
import io.fedbiot.data.DataFormat;
import io.fedbiot.report.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The demo's generated files, the same for the same seed and sizes: a pretraining corpus of
 * fact-stating paragraphs (every family's facts, in corpus phrasing) with one document in four an
 * Alpaca-prompted request for a fact about named numbers or a word (so the model knows the prompt
 * layout and reads the instruction, as an instruction-aware base model would, but has never seen a
 * task's question or "The answer is"), the clients' tasks (one family per client; JSONL in the
 * {@code tasks} format) and the server's public alignment data (more such requests, as Alpaca rows).
 *
 * @param corpus   corpus.jsonl, one {@code {"text": ...}} document per line
 * @param clients  clients.jsonl
 * @param publicSet public.jsonl
 */
public record DemoData(Path corpus, Path clients, Path publicSet) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param paragraphs corpus paragraphs (6 to 10 sentences each)
     * @param perFamily  task rows per family
     * @param publicRows public alignment rows
     */
    public record Sizes(int paragraphs, int perFamily, int publicRows) {}

    public static DemoData write(Path dir, Sizes sizes, long seed) throws IOException {
        DemoData d = new DemoData(dir.resolve("corpus.jsonl"), dir.resolve("clients.jsonl"), dir.resolve("public.jsonl"));
        StringBuilder corpus = new StringBuilder();
        for (String doc : corpus(sizes.paragraphs(), seed))
            corpus.append(JSON.writeValueAsString(JSON.createObjectNode().put("text", doc))).append('\n');
        writeIfChanged(d.corpus, corpus);
        StringBuilder pub = new StringBuilder();
        Set<String> publicPrompts = new HashSet<>();
        SplittableRandom r = new SplittableRandom(seed + 2);
        TaskFamily[] fams = TaskFamily.values();
        for (int i = 0; i < sizes.publicRows(); i++) {
            String[] req = fams[r.nextInt(fams.length)].request(r);
            publicPrompts.add(req[0]);
            ObjectNode o = JSON.createObjectNode().put("instruction", req[0]).put("input", "").put("output", req[1]);
            pub.append(JSON.writeValueAsString(o)).append('\n');
        }
        writeIfChanged(d.publicSet, pub);
        StringBuilder rows = new StringBuilder();
        for (TaskFamily.Task t : tasks(sizes.perFamily(), seed + 1, publicPrompts)) {
            ObjectNode o = JSON.createObjectNode().put(DataFormat.FAMILY, t.family().key()).put("instruction", t.instruction())
                    .put("solution", t.solution()).put(DataFormat.ANSWER, t.answer());
            rows.append(JSON.writeValueAsString(o)).append('\n');
        }
        writeIfChanged(d.clients, rows);
        return d;
    }

    /** Leaves an identical file alone, so the tokenized-data cache (keyed by size and time) stays valid. */
    private static void writeIfChanged(Path file, CharSequence text) throws IOException {
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        if (Files.isRegularFile(file) && Files.size(file) == bytes.length && Arrays.equals(Files.readAllBytes(file), bytes)) return;
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /**
     * Corpus documents: paragraphs of facts of every family mixed with short sentences about the same
     * names, objects and words; one in four is instead an Alpaca-prompted request for a fact, answered.
     */
    public static List<String> corpus(int paragraphs, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TaskFamily[] fams = TaskFamily.values();
        List<String> out = new ArrayList<>(paragraphs);
        for (int p = 0; p < paragraphs; p++) {
            if (r.nextInt(4) == 0) {
                String[] req = fams[r.nextInt(fams.length)].request(r);
                out.add(AlpacaTemplate.prompt(req[0], "") + req[1]);
                continue;
            }
            StringBuilder sb = new StringBuilder();
            int n = 6 + r.nextInt(5);
            for (int i = 0; i < n; i++) {
                if (i > 0) sb.append(' ');
                sb.append(r.nextInt(10) == 0 ? filler(r) : fams[r.nextInt(fams.length)].fact(r));
            }
            out.add(sb.toString());
        }
        return out;
    }

    /** perFamily tasks of each family, families interleaved, no prompt twice. */
    public static List<TaskFamily.Task> tasks(int perFamily, long seed) {
        return tasks(perFamily, seed, Set.of());
    }

    /**
     * perFamily tasks of each family, families interleaved, every instruction distinct and none in
     * {@code exclude} (the public rows' prompts): whichever rows the experiment then holds out, no
     * held-out prompt was seen in training or alignment.
     */
    public static List<TaskFamily.Task> tasks(int perFamily, long seed, Set<String> exclude) {
        SplittableRandom r = new SplittableRandom(seed);
        List<TaskFamily.Task> out = new ArrayList<>();
        Set<String> seen = new HashSet<>(exclude);
        for (int i = 0; i < perFamily; i++)
            for (TaskFamily f : TaskFamily.values()) {
                TaskFamily.Task t;
                int tries = 0;
                do {
                    if (++tries > MAX_TRIES)
                        throw new IllegalArgumentException(f.key() + ": found only " + i + " distinct questions after " + MAX_TRIES
                                + " draws; ask for fewer than " + perFamily + " rows per family");
                    t = f.task(r);
                } while (!seen.add(t.instruction()));
                out.add(t);
            }
        return out;
    }

    /** Draws in a row that may repeat a question before a family counts as exhausted. */
    private static final int MAX_TRIES = 100_000;

    private static String filler(SplittableRandom r) {
        String n = TaskFamily.pick(r, TaskFamily.NAMES), w = TaskFamily.pick(r, TaskFamily.WORDS);
        return switch (r.nextInt(4)) {
            case 0 -> n + " has " + TaskFamily.count(r.nextInt(10), TaskFamily.pick(r, TaskFamily.OBJECTS)) + ".";
            case 1 -> n + " sees a " + w + ".";
            case 2 -> "The word " + w + " has " + w.length() + " letters.";
            default -> n + " writes the number " + r.nextInt(100) + ".";
        };
    }
}
