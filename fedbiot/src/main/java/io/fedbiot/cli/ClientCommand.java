package io.fedbiot.cli;

import io.fedbiot.data.DataFormat;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.flight.Endpoint;
import io.fedbiot.flight.FederationClient;
import io.fedbiot.flight.TokenTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code fedbiot client}: one data holder of a federation over Arrow Flight. */
@Command(name = "client", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Joins a `bin/fedbiot server`: receives the compressed model once, then trains the adapter on its own data "
                + "each round it is picked for and uploads its adapter LoRA and sample count. The data never leaves.")
public final class ClientCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--server", required = true, paramLabel = "HOST:PORT", description = "The server's address.")
    String server;

    @Option(names = "--token-file", required = true, paramLabel = "FILE", description = "This client's token (one line).")
    Path tokenFile;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "This client's dataset (JSON/JSONL).")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "gsm8k | dolly | alpaca | codealpaca | code | tasks; default: the server's config.")
    String format; // parsed in call(), so a wrong one is one line listing the formats, as in a config

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The model's tokenizer (e.g. tok512.bin).")
    Path tokenizer;

    @Option(names = "--cache", defaultValue = ".cache/fedbiot", paramLabel = "DIR", description = "Tokenized-data cache (default ${DEFAULT-VALUE}).")
    Path cache;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "Certificate(s) to trust; given, the connection uses TLS.")
    Path tlsCa;

    @Option(names = "--reconnect", defaultValue = "120", paramLabel = "SECONDS",
            description = "How long to keep retrying an unreachable server (default ${DEFAULT-VALUE}).")
    long reconnect;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        FederationClient.Options o;
        try {
            // What is local is checked before connecting: the server may be minutes away (--reconnect).
            if (reconnect < 0) throw new UserError("--reconnect must be >= 0 seconds, got " + reconnect, null);
            DataFormat fmt;
            try {
                fmt = format == null ? null : DataFormat.parse(format);
            } catch (IllegalArgumentException e) {
                throw new UserError("--format: " + e.getMessage(), e);
            }
            if (!Files.isRegularFile(data)) throw new NoSuchFileException(data.toString());
            if (tlsCa != null && !Files.isRegularFile(tlsCa)) throw new NoSuchFileException(tlsCa.toString());
            Tokenizers.load(tokenizer);
            o = new FederationClient.Options(Endpoint.parse(server), TokenTable.readClientToken(tokenFile), tlsCa, data, fmt,
                    tokenizer, cache, Duration.ofSeconds(reconnect));
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.of(e);
        }
        FederationClient.Summary s = new FederationClient(o, line -> {
            err.println("client: " + line);
            err.flush();
        }).run();
        out.println("rounds trained: " + s.trained() + ", updates accepted: " + s.accepted());
        out.flush();
        return 0;
    }
}
