package io.fedbiot.cli;

import io.fedbiot.engine.model.BatchGenerator;
import io.fedbiot.engine.model.Generator;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.Sampler;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.ProfilingBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code fedbiot bench decode}: greedy decoding of {@code --tokens} new tokens after a prompt
 * (BOS, then random ids), one row through {@link Generator} (the prompt prefilled in one forward)
 * or {@code --rows R} together through {@link BatchGenerator}. No stop token, so every row runs
 * its full length; tokens/s counts the new tokens only.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Time greedy decoding and, with --profile, each kernel op's share.")
public final class BenchDecodeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BenchModelOptions model = new BenchModelOptions();

    @Mixin
    BackendChoice backend = new BackendChoice();

    @Option(names = "--new-tokens", paramLabel = "N", defaultValue = "128", description = "New tokens per row. Default: ${DEFAULT-VALUE}.")
    int tokens = 128;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "1", description = "Rows decoded together (1: Generator; more: BatchGenerator). Default: ${DEFAULT-VALUE}.")
    int rows = 1;

    @Option(names = "--prompt-tokens", defaultValue = "1", paramLabel = "N", description = "Prompt tokens per row (BOS, then random ids). Default: ${DEFAULT-VALUE}.")
    int prompt = 1;

    // One warm-up run left stories260K decode at a third of its JIT-compiled speed; five get close.
    @Option(names = "--warmup-runs", paramLabel = "N", defaultValue = "5", description = "Untimed runs first (JIT, pools). Default: ${DEFAULT-VALUE}.")
    int warmup = 5;

    @Override
    public Integer call() {
        if (tokens < 1) throw new UserError("--new-tokens must be >= 1, got " + tokens, null);
        if (rows < 1) throw new UserError("--rows must be >= 1, got " + rows, null);
        if (prompt < 1) throw new UserError("--prompt-tokens must be >= 1 (BOS), got " + prompt, null);
        if (warmup < 0) throw new UserError("--warmup-runs must be >= 0, got " + warmup, null);
        return model.run(backend, this::measure);
    }

    private int measure(LlamaConfig c) {
        if (prompt + tokens > c.maxSeqLen())
            throw new UserError("--prompt-tokens " + prompt + " + --new-tokens " + tokens + " exceed the model's context of " + c.maxSeqLen(), null);
        Backend be = backend.backend();
        ProfilingBackend prof = model.profiler(be);
        Backend on = prof != null ? prof : be;
        Random r = new Random(model.seed + 3);
        int[][] prompts = new int[rows][];
        for (int i = 0; i < rows; i++) {
            prompts[i] = r.ints(prompt, 0, c.vocabSize()).toArray();
            prompts[i][0] = 1;   // BOS in the llama2.c vocabularies
        }
        int positions = prompt + tokens - 1;   // the prompt's last position chooses the first new token
        try (Arena arena = Arena.ofShared()) {
            LlamaModel llama = LlamaModel.full(model.weights(on, arena));
            for (int i = 0; i < warmup; i++) decode(llama, prompts, positions);
            if (prof != null) prof.reset();
            long t0 = System.nanoTime();
            long made = decode(llama, prompts, positions);
            long wall = System.nanoTime() - t0;
            if (made != (long) rows * tokens)
                throw new IllegalStateException("decoded " + made + " tokens, expected " + rows + " x " + tokens);
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("rows", rows);
            settings.put("prompt_tokens", prompt);
            settings.put("new_tokens", tokens);
            BenchReport.of("decode", model.label(), prof, be.name(), be.threads(), settings, made, wall)
                    .print(spec.commandLine().getOut(), model.json);
        }
        return 0;
    }

    /** New tokens made over all rows. */
    private long decode(LlamaModel llama, int[][] prompts, int positions) {
        if (prompts.length == 1)
            return Generator.generate(llama, prompts[0], positions, new Sampler(0f, 1f, 0), -1, null).length - prompts[0].length;
        int[] steps = new int[prompts.length];
        Arrays.fill(steps, positions);
        long n = 0;
        for (int[] row : BatchGenerator.generate(llama, prompts, steps, -1, prompts.length)) n += row.length - prompt;
        return n;
    }
}
