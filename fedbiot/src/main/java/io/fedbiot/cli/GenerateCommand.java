package io.fedbiot.cli;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.PeftAdapter;
import io.fedbiot.engine.io.PeftAdapterReader;
import io.fedbiot.engine.model.Generator;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.Sampler;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.method.Experiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code fedbiot generate}: text from a model, as llama2.c's {@code run} does it. Standard output
 * carries only the text (prompt included); everything else goes to standard error.
 *
 * <p>{@code --adapter} attaches a PEFT LoRA folder on the fly (each adapted linear computes
 * {@code x W^T + (alpha/r)·(x A^T) B^T}, the path training uses) rather than merging it into W: the
 * base stays the read-only memory mapping (no copy of the adapted matrices) and bf16 GPU weights
 * keep the update at float32, on every backend alike; the cost is two rank-r products per target.
 * The adapter, like every input, is read and checked in full before the backend is chosen.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Generates text from a model (llama2.c .bin, GGUF or Hugging Face directory).")
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Checkpoint: llama2.c .bin, .gguf, or an HF directory.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "Tokenizer file; default: the GGUF's own, or tokenizer.json/tokenizer.model/tokenizer.bin in an HF directory.")
    Path tokenizer;

    @Option(names = "--prompt", defaultValue = "", paramLabel = "TEXT", description = "Prompt (default: none, start from BOS).")
    String prompt;

    @Option(names = "--steps", defaultValue = "256", paramLabel = "N",
            description = "Positions to run, the prompt included (0 or more than the context: the context length; the prompt must fit). Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T", description = "0 decodes greedily. Default: ${DEFAULT-VALUE}.")
    float temperature;

    @Option(names = "--top-p", defaultValue = "0.9", paramLabel = "P", description = "Nucleus sampling mass. Default: ${DEFAULT-VALUE}.")
    float topP;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed (default: from the clock).")
    Long seed;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A LoRA adapter in PEFT format (adapter_config.json + adapter_model.safetensors), as runs export it, applied to the model.")
    Path adapter;

    @Mixin
    BackendOption backend = new BackendOption();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (!(temperature >= 0) || Float.isInfinite(temperature))
            throw new UserError("--temperature must be a finite number >= 0 (0: greedy), got " + temperature, null);
        if (!(topP > 0 && topP <= 1)) throw new UserError("--top-p must be in (0, 1], got " + topP, null);
        if (steps < 0) throw new UserError("--steps must be >= 0 (0: the context length), got " + steps, null);
        backend.checkName(); // an unknown name before loading anything; the backend itself after the input checks
        try (Checkpoint ck = open(); Arena weights = Arena.ofShared()) {
            Tokenizer tok;
            int[] promptIds;
            int n;
            PeftAdapterReader.Adapter lora = null;
            try {
                tok = loadTokenizer(ck);
                if (tok.vocabSize() != ck.config().vocabSize())
                    throw new IllegalArgumentException("tokenizer " + tokenizer + " has " + tok.vocabSize() + " tokens but the model "
                            + model + " has a vocabulary of " + ck.config().vocabSize());
                int ctx = ck.config().maxSeqLen();
                n = steps == 0 || steps > ctx ? ctx : steps;
                promptIds = tok.encode(prompt, true, false);
                if (promptIds.length >= n)
                    throw new IllegalArgumentException("the prompt is " + promptIds.length + " tokens (BOS included) but only " + n
                            + " positions run (--steps " + steps + ", the model's context " + ctx + "): nothing would be generated");
                if (adapter != null) lora = PeftAdapterReader.read(adapter, ck.config(), ck.weights().tokEmbeddings().backend(), weights);
            } catch (IOException | IllegalArgumentException e) {
                throw UserError.of(e);
            }
            backend.backend(); // chosen (and announced) only once every input is known good
            long s = seed != null ? seed : System.nanoTime();
            err.printf("model %s (%s, %,d parameters), tokenizer %s, %d steps%n", model, ck.format(), ck.parameterCount(), tok, n);
            LlamaModel llama = LlamaModel.full(backend.place(ck.weights(), weights));
            if (lora != null) {
                String other = otherBase(lora.baseModel());
                if (other != null)
                    err.printf("warning: %s names base model %s, not %s; applying it anyway%n",
                            adapter.resolve(PeftAdapter.CONFIG), other, model);
                llama.attach(lora.lora().on(llama.backend(), weights));
                err.printf("adapter %s: LoRA %s, applied on the fly%n", adapter, lora.summary());
            }

            Utf8Stream text = new Utf8Stream(out);
            int[] prev = {tok.bosId()};
            long t0 = System.nanoTime();
            int[] all = Generator.generate(llama, promptIds, n, new Sampler(temperature, topP, s),
                    tok.bosId(), next -> {
                        byte[] piece = tok.decodePieceBytes(prev[0], next);
                        if (printable(piece)) text.write(piece);
                        prev[0] = next;
                    });
            text.finish();
            out.print('\n'); // as run.c, whatever the platform
            out.flush();
            double secs = (System.nanoTime() - t0) / 1e9;
            if (all.length > 1) err.printf("achieved tok/s: %.1f%n", (all.length - 1) / secs);
            return 0;
        }
    }

    /** The checkpoint; a missing or malformed file is the user's to fix. */
    private Checkpoint open() {
        try {
            return Checkpoint.load(model);
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.of(e);
        }
    }

    /**
     * The adapter's base model when it is not the loaded one (null when it is, or names none): the
     * same path as --model, the same file, or the same absolute name PeftAdapter.save would write.
     */
    private String otherBase(String base) {
        if (base == null || base.isBlank()) return null;
        if (base.equals(model.toString()) || base.equals(PeftAdapter.baseModelName(model.toString()))) return null;
        try {
            Path p = Path.of(base);
            if (Files.exists(p) && Files.isSameFile(p, model)) return null;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            // a hub id or a path that is not here: not the loaded model
        }
        return base;
    }

    /** llama2.c skips pieces that are a single control byte (other than whitespace). */
    private static boolean printable(byte[] piece) {
        if (piece.length != 1) return true;
        int b = piece[0] & 0xFF;
        return b >= 0x20 && b != 0x7F || b == '\t' || b == '\n' || b == '\r' || b == 0x0B || b == 0x0C;
    }

    private Tokenizer loadTokenizer(Checkpoint ck) throws IOException {
        return Experiment.tokenizer(ck, model, tokenizer, "pass --tokenizer (tokenizer.bin, tokenizer.model or tokenizer.json)");
    }
}
