package io.fedbiot.flight;

import io.fedbiot.method.TestData;

import io.fedbiot.data.Batcher;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.Splits;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.method.Experiment;
import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.method.FedClient;
import io.fedbiot.method.FederatedRun;
import io.fedbiot.method.InProcessTransport;
import io.fedbiot.method.RunPlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A tiny federation on stories260K written into a folder: three clients' Alpaca-style files
 * (short rows, so a step is cheap), a public file, the token files and the YAML config; and the
 * in-process run of the same config, the reference the Flight runs must equal bit for bit.
 */
final class FlightFixture {
    static final String[] NAMES = {"alice", "bob", "carol"};
    static final String[] TOKENS = {"alice-0123456789abcdef", "bob-fedcba9876543210xx", "carol-55aa55aa55aa55aa55"};

    final Path dir;
    final Path config;
    final Path tokens;
    final int rounds;

    FlightFixture(Path dir, int rounds) throws IOException {
        this.dir = dir;
        this.rounds = rounds;
        for (int k = 0; k < NAMES.length; k++) {
            Files.writeString(dir.resolve("client" + k + ".json"), TestData.arithmeticRows(8, 17 * k + 1));
            Files.writeString(dir.resolve(NAMES[k] + ".token"), TOKENS[k] + "\n");
        }
        Files.writeString(dir.resolve("public.json"), TestData.arithmeticRows(10, 1000));
        StringBuilder t = new StringBuilder("# name token\n");
        for (int k = 0; k < NAMES.length; k++) t.append(NAMES[k]).append(' ').append(TOKENS[k]).append('\n');
        tokens = Files.writeString(dir.resolve("tokens.txt"), t);
        config = Files.writeString(dir.resolve("fed.yaml"), """
                model: %s
                tokenizer: %s
                data:
                  client: {path: client0.json, format: alpaca}
                  public: {path: public.json, format: alpaca}
                  max_len: 160
                  cache: cache-server
                methods: [fedbiot]
                beta: 0.2
                adapter: 2
                rounds: %d
                local_steps: 2
                align_steps: 1
                prealign_rounds: 1
                batch_size: 2
                lr_client: 0.003
                lr_align: 0.001
                seeds: [11]
                eval_every: 1000
                eval: {max_rows: 2, gsm8k_exact_match: false}
                output: out
                """.formatted(shared("models/stories260K.bin"), shared("models/tok512.bin"), rounds));
    }

    static Path shared(String rel) {
        String p = System.getProperty("fedbiot.shared");
        Path f = (p != null ? Path.of(p) : Path.of("..", "..", "shared")).resolve("data").resolve(rel).toAbsolutePath();
        if (!Files.exists(f)) fail("test data " + f + " is missing: shared/data must be next to the repository");
        return f;
    }

    String[] clientArgs(int k, String server) {
        return new String[]{"client", "--server", server, "--token-file", NAMES[k] + ".token", "--data", "client" + k + ".json",
                "--tokenizer", shared("models/tok512.bin").toString(), "--cache", "cache-" + NAMES[k], "--reconnect", "60"};
    }

    ExperimentConfig load() throws IOException {
        return ExperimentConfig.load(config, List.of("data.cache=" + dir.resolve("cache-ref"),
                "data.client.path=" + dir.resolve("client0.json"), "data.public.path=" + dir.resolve("public.json")));
    }

    /** The reference: the same config through FederatedRun and InProcessTransport; its final adapter and emulator. */
    FederatedRun.Snapshot inProcess() throws IOException {
        ExperimentConfig cfg = load();
        Experiment exp = new Experiment(cfg);
        long seed = cfg.seeds().get(0);
        var d = cfg.data();
        try (Checkpoint ck = Checkpoint.load(cfg.model())) {
            Tokenizer tok = Tokenizers.load(cfg.tokenizer());
            TokenizedDataset pub = DatasetCache.load(d.publicSet().path(), DataFormat.ALPACA, tok, d.maxLen(), d.badRows(), d.cache());
            Splits.Split ps = Splits.split(pub.size(), 0.8, seed);
            List<FedClient> clients = new ArrayList<>();
            for (int k = 0; k < NAMES.length; k++) {
                TokenizedDataset ds = DatasetCache.load(dir.resolve("client" + k + ".json"), DataFormat.ALPACA, tok, d.maxLen(), d.badRows(), d.cache());
                clients.add(new FedClient(k, new Batcher(ds, IntStream.range(0, ds.size()).toArray(), cfg.batchSize(), seed * 1_000_003L + k)::next));
            }
            RunPlan.MethodRun mr = exp.plan(ck.config()).runs().get(0);
            try (FederatedRun run = new FederatedRun(ck.weights(), mr.split(), mr.settings(), new InProcessTransport(clients),
                    new Batcher(pub, ps.train(), cfg.batchSize(), seed)::next, new FederatedRun.EvalData(List.of(), List.of()))) {
                run.run(null);
                return run.snapshot();
            }
        }
    }
}
