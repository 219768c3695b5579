package io.fedbiot.cli;

import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** {@code fedbiot tokenize}: the token ids of a text, as SentencePiece would give them. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Prints the token ids of TEXT, separated by spaces.")
public final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "tokenizer.model, llama2.c tokenizer.bin, HF tokenizer.json or a .gguf file.")
    Path tokenizer;

    @Option(names = "--bos", description = "Start with the BOS id.")
    boolean bos;

    @Option(names = "--eos", description = "End with the EOS id.")
    boolean eos;

    @Parameters(index = "0", paramLabel = "TEXT", description = "The text (quote it; use -- before text that starts with '-').")
    String text;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Tokenizer t;
        try {
            t = Tokenizers.load(tokenizer);
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.of(e);
        }
        StringJoiner ids = new StringJoiner(" ");
        for (int id : t.encode(text, bos, eos)) ids.add(Integer.toString(id));
        out.println(ids);
        out.flush();
        return 0;
    }
}
