package io.fedbiot.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs the CLI in process with captured output, and finds the shared data. */
final class CliRun {
    private CliRun() {}

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /**
     * {@code run --quiet} of configs/example.yaml on stories260K with GSM8K clients and the Alpaca
     * sample as public data (rows up to 400 tokens, the cache in {@code tmp}), then {@code sets}.
     */
    static Result runOnStories(Path tmp, String... sets) {
        String s = shared().toString();
        List<String> args = new ArrayList<>(List.of("run", "--quiet",
                "--config", Path.of("").toAbsolutePath().getParent().resolve("configs/example.yaml").toString(),
                "--set", "model=" + s + "/data/models/stories260K.bin", "--set", "tokenizer=" + s + "/data/models/tok512.bin",
                "--set", "data.client.path=" + s + "/data/datasets/gsm8k/test.jsonl",
                "--set", "data.public.path=" + s + "/data/datasets/alpaca/alpaca_small.json",
                "--set", "data.max_len=400", "--set", "data.cache=" + tmp.resolve("cache")));
        for (String kv : sets) {
            args.add("--set");
            args.add(kv);
        }
        return run(args.toArray(String[]::new));
    }

    /** The shared folder (surefire sets fedbiot.shared; else ../shared beside the repository). */
    static Path shared() {
        String p = System.getProperty("fedbiot.shared");
        return p != null ? Path.of(p) : Path.of("..", "..", "shared");
    }

    /** A file under shared/data/models, which must exist (CI always has it). */
    static Path model(String rel) {
        Path f = shared().resolve("data/models").resolve(rel);
        if (!Files.exists(f)) fail("test data " + f.toAbsolutePath() + " is missing: shared/data must be next to the repository");
        return f;
    }
}
