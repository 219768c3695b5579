package io.fedbiot.cli;

import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.pretrain.PretrainSettings;
import io.fedbiot.pretrain.Pretrainer;
import io.fedbiot.pretrain.TextCorpus;
import io.fedbiot.pretrain.TokenizerBin;
import io.fedbiot.pretrain.TokenizerJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code fedbiot pretrain}: a LLaMA trained from scratch on a text or JSONL corpus. */
@Command(name = "pretrain", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Pretrains a LLaMA from scratch on a corpus (.txt: documents separated by blank lines; "
                + ".jsonl: one object per line with a text field) and saves it as a Hugging Face directory "
                + "with its tokenizer.json and tokenizer.bin.")
public final class PretrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Corpus: .txt or .jsonl.")
    Path data;

    @Option(names = "--field", defaultValue = "text", paramLabel = "NAME", description = "JSONL text field (default: ${DEFAULT-VALUE}).")
    String field;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model directory to write (replaced when it exists).")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Use this tokenizer instead of training a BPE one on the corpus.")
    Path tokenizer;

    @Option(names = "--vocab", paramLabel = "N", defaultValue = "768", description = "BPE vocabulary size when training the tokenizer (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--dim", paramLabel = "N", defaultValue = "96", description = "Model width (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--layers", paramLabel = "N", defaultValue = "6", description = "Decoder layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", paramLabel = "N", defaultValue = "6", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--hidden", paramLabel = "N", defaultValue = "256", description = "SwiGLU hidden size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--seq-len", paramLabel = "T", defaultValue = "128", description = "Training window and context length (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "500", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "16", description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "3e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "30", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        PretrainSettings s;
        List<String> docs;
        Tokenizer tok;
        try {
            s = new PretrainSettings(dim, layers, heads, hidden, seq, steps, batch, lr, warmup, vocab, seed);
            docs = TextCorpus.read(data, field);
            tok = tokenizer == null ? null : Tokenizers.load(tokenizer);
            if (tok != null) {
                TokenizerBin.check(tok);
                TokenizerJson.check(tok);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.of(e);
        }
        OutputFolder.writable(out, "--out");
        Pretrainer.Result r = Pretrainer.pretrain(docs, tok, s, out, quiet, line -> {
            err.println(line);
            err.flush();
        });
        stdout.printf(java.util.Locale.ROOT, "model: %s (loss %.4f -> %.4f)%n", out, r.meanFirst(10), r.meanLast(10));
        stdout.flush();
        return 0;
    }
}
