package io.fedbiot.cli;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.flight.Endpoint;
import io.fedbiot.flight.FederationServer;
import io.fedbiot.flight.ServerOptions;
import io.fedbiot.flight.TokenTable;
import io.fedbiot.method.ExperimentConfig;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code fedbiot server}: the model owner's side of a federation over Arrow Flight. */
@Command(name = "server", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Holds the full model and runs the federated rounds of a config's first method and seed over Arrow Flight; "
                + "clients connect with `bin/fedbiot client`. State is saved after every round; restarted on the same --state "
                + "folder it resumes; a config that differs from the one the folder started with is refused, naming the keys.")
public final class ServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Experiment YAML (model, public data, rounds, ...).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--listen", defaultValue = "127.0.0.1:8815", paramLabel = "HOST:PORT",
            description = "Address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0:PORT for every interface, port 0: any free one).")
    String listen;

    @Option(names = "--state", required = true, paramLabel = "DIR", description = "Folder for the durable state (state.json) and the final adapter.")
    Path state;

    @Option(names = "--tokens", required = true, paramLabel = "FILE",
            description = "Clients and their tokens, one 'NAME TOKEN' per line; the line order is the client index.")
    Path tokens;

    @Option(names = "--min-clients", defaultValue = "1", description = "Quorum: connected clients a round waits for (default ${DEFAULT-VALUE}).")
    int minClients;

    @Option(names = "--quorum-wait", defaultValue = "600", paramLabel = "SECONDS", description = "Give up when the quorum is not reached in this time (default ${DEFAULT-VALUE}).")
    double quorumWait;

    @Option(names = "--deadline", defaultValue = "600", paramLabel = "SECONDS",
            description = "A selected client's update must arrive within this after the round opens (default ${DEFAULT-VALUE}).")
    double deadline;

    @Option(names = "--live", defaultValue = "10", paramLabel = "SECONDS", description = "A client silent for this long counts as disconnected (default ${DEFAULT-VALUE}).")
    double live;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain; with --tls-key the server uses TLS.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key (PKCS#8 PEM) of --tls-cert.")
    Path tlsKey;

    @Option(names = "--max-upload-mib", defaultValue = "0", description = "Tensor bytes one upload may carry; 0 (default): 4x the adapter + 1 MiB.")
    double maxUploadMiB;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        ServerOptions opts;
        ExperimentConfig cfg;
        TokenTable table;
        try {
            Endpoint at = Endpoint.parse(listen);
            opts = new ServerOptions(at.host(), at.port(), minClients, seconds(quorumWait), seconds(deadline),
                    Duration.ofSeconds(1), seconds(live), tlsCert, tlsKey, maxUploadMiB);
            cfg = ExperimentConfig.load(config, sets);
            checkFiles(cfg);
            table = TokenTable.load(tokens);
            FederationServer.refuseSecureAggregation(cfg, table.size(), config.toString());
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.of(e);
        }
        OutputFolder.writable(state, "--state");
        FederationServer.Result r = new FederationServer(cfg, table, opts, state, quiet, line -> {
            err.println("server: " + line);
            err.flush();
        }).run();
        out.println("rounds run: " + r.rounds().size() + (r.resumedAt() > 0 ? " (resumed at round " + r.resumedAt() + ")" : ""));
        out.println("state: " + state.resolve("state.json"));
        out.println("adapter: " + state.resolve("adapter"));
        out.flush();
        return 0;
    }

    /** The model and public data the server reads exist (the clients' data is theirs): before the state folder is touched. */
    static void checkFiles(ExperimentConfig cfg) throws IOException {
        Checkpoint.detect(cfg.model());
        if (cfg.tokenizer() != null && !Files.isRegularFile(cfg.tokenizer())) throw new NoSuchFileException(cfg.tokenizer().toString());
        var pub = cfg.data().publicSet();
        if (pub != null && pub.path() != null && !Files.isRegularFile(pub.path())) throw new NoSuchFileException(pub.path().toString());
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }
}
