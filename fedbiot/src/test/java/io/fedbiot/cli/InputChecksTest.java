package io.fedbiot.cli;

import io.fedbiot.cli.CliRun.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** Wrong or damaged input files end each command before any work with exit 2 and what was found. */
class InputChecksTest {
    @TempDir
    Path tmp;

    private static void assertUserError(Result r, String command, String... parts) {
        assertEquals(2, r.code(), command + ": " + r.err());
        assertTrue(r.err().startsWith("fedbiot " + command + ": "), r.err());
        for (String p : parts) assertTrue(r.err().contains(p), "'" + p + "' missing from: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    private Path ggufWithWrongMagic() throws Exception {
        byte[] all = Files.readAllBytes(model("gguf/stories260K.gguf"));
        all[3] = 'X';
        return Files.write(tmp.resolve("bad.gguf"), all);
    }

    @Test
    void inspectNamesTheFormatItFound() throws Exception {
        Path bad = ggufWithWrongMagic();
        assertUserError(run("inspect", bad.toString()), "inspect", bad + ": unknown format, first bytes 47 47 55 58");
        Path st = model("hf-tiny-llama-random/model.safetensors");
        assertUserError(run("inspect", st.toString()), "inspect", st + " is a safetensors file", "Hugging Face folder");
        assertUserError(run("tokenize", "--tokenizer", st.toString(), "hi"), "tokenize", st + " is a safetensors file");
    }

    @Test
    void aNanWeightIsNamedAtLoad() throws Exception {
        byte[] all = Files.readAllBytes(model("stories260K.bin"));
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int dim = b.getInt(0), layers = b.getInt(8), vocab = Math.abs(b.getInt(20));
        // after token_embedding and rms_att: element 0 of layers.0.wq
        b.putFloat(28 + 4 * (vocab * dim + layers * dim), Float.NaN);
        Path f = Files.write(tmp.resolve("nan.bin"), all);
        assertUserError(run("inspect", f.toString()), "inspect", "tensor 'layers.0.wq'", "NaN");
        assertUserError(run("generate", "--model", f.toString(), "--tokenizer", model("tok512.bin").toString()), "generate",
                "tensor 'layers.0.wq'");
    }

    private Path config(String modelPath, String dataPath) throws Exception {
        String yaml = "model: " + modelPath + "\ntokenizer: " + model("tok512.bin") + "\ndata:\n  client: {path: " + dataPath
                + "}\n  public: {path: " + dataPath + ", format: gsm8k}\nrounds: 1\noutput: " + tmp.resolve("out") + "\n";
        return Files.writeString(tmp.resolve("c.yaml"), yaml);
    }

    @Test
    void runChecksTheFilesOfItsConfigFirst() throws Exception {
        Path data = CliRun.shared().resolve("data/datasets/gsm8k/test.jsonl");
        Path bad = ggufWithWrongMagic();
        assertUserError(run("run", "--quiet", "--config", config(bad.toString(), data.toString()).toString()), "run",
                "unknown format, first bytes 47 47 55 58");
        Path missing = tmp.resolve("none.jsonl");
        assertUserError(run("run", "--quiet", "--config", config(model("stories260K.bin").toString(), missing.toString()).toString()),
                "run", "no such file: " + missing);
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }

    @Test
    void clientChecksItsLocalFilesBeforeConnecting() throws Exception {
        Path token = Files.writeString(tmp.resolve("t.txt"), "0123456789abcdef0123\n");
        Path missing = tmp.resolve("none.jsonl");
        // localhost:1 refuses; with --reconnect 120 a check after connecting would take two minutes.
        Result r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("client", "--server", "localhost:1", "--token-file",
                token.toString(), "--data", missing.toString(), "--tokenizer", model("tok512.bin").toString()));
        assertUserError(r, "client", "no such file: " + missing);
        Path data = CliRun.shared().resolve("data/datasets/gsm8k/test.jsonl");
        Path st = model("hf-tiny-llama-random/model.safetensors");
        r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("client", "--server", "localhost:1", "--token-file",
                token.toString(), "--data", data.toString(), "--tokenizer", st.toString()));
        assertUserError(r, "client", st + " is a safetensors file");
        r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("client", "--server", "localhost:1", "--token-file",
                token.toString(), "--data", data.toString(), "--tokenizer", model("tok512.bin").toString(), "--format", "csv"));
        assertUserError(r, "client", "--format: unknown value 'csv'; use gsm8k, dolly, alpaca, codealpaca, code, tasks");
        assertTrue(run("client", "--help").out().contains("gsm8k | dolly | alpaca | codealpaca | code | tasks"));
    }

    @Test
    void serverChecksTheModelAndPublicFileBeforeTouchingItsState() throws Exception {
        Path data = CliRun.shared().resolve("data/datasets/gsm8k/test.jsonl");
        Path tokens = Files.writeString(tmp.resolve("tokens.txt"), "alice alice-0123456789abcdef\n");
        Path state = tmp.resolve("state");
        Path missing = tmp.resolve("none.json");
        assertUserError(run("server", "--quiet", "--config", config(model("stories260K.bin").toString(), data.toString()).toString(),
                "--set", "data.public.path=" + missing, "--listen", "127.0.0.1:0", "--state", state.toString(), "--tokens",
                tokens.toString()), "server", "no such file: " + missing);
        Path noModel = tmp.resolve("none.bin");
        assertUserError(run("server", "--quiet", "--config", config(noModel.toString(), data.toString()).toString(),
                "--listen", "127.0.0.1:0", "--state", state.toString(), "--tokens", tokens.toString()), "server", "no such file: " + noModel);
        Path st = model("hf-tiny-llama-random/model.safetensors");
        assertUserError(run("server", "--quiet", "--config", config(st.toString(), data.toString()).toString(),
                "--listen", "127.0.0.1:0", "--state", state.toString(), "--tokens", tokens.toString()), "server", st + " is a safetensors file");
        assertFalse(Files.exists(state), "the state folder is not made");
    }

    @Test
    void serverRefusesSecureAggregationWithOneClientBeforeTouchingItsState() throws Exception {
        Path data = CliRun.shared().resolve("data/datasets/gsm8k/test.jsonl");
        Path tokens = Files.writeString(tmp.resolve("tokens.txt"), "alice alice-0123456789abcdef\n");
        Path state = tmp.resolve("state");
        assertUserError(run("server", "--quiet", "--config", config(model("stories260K.bin").toString(), data.toString()).toString(),
                "--set", "secure_aggregation=true", "--listen", "127.0.0.1:0", "--state", state.toString(), "--tokens", tokens.toString()),
                "server", "secure_aggregation: needs at least 2 clients per round");
        assertFalse(Files.exists(state), "the state folder is not made");
    }

    @Test
    void runRefusesAMaxLenAboveTheModelsContextAndTheRemovedSeqLenKeyNamingItsReplacement() throws Exception {
        Path data = CliRun.shared().resolve("data/datasets/gsm8k/test.jsonl");
        Path cfg = config(model("stories260K.bin").toString(), data.toString());
        assertUserError(run("run", "--quiet", "--config", cfg.toString(), "--set", "data.max_len=1024"), "run",
                "data.max_len: 1024 is above the model's context length 512");
        assertUserError(run("run", "--quiet", "--config", cfg.toString(), "--set", "seq_len=256"), "run",
                "seq_len: removed (it was never read): a training sequence is its batch's longest row; to cap rows, set data.max_len");
        assertFalse(Files.exists(tmp.resolve("out/rounds.csv")), "no round ran");
    }

    @Test
    void runRefusesAMissingTestSplitBeforeAnyWork() throws Exception {
        Path data = CliRun.shared().resolve("data/datasets/gsm8k/test.jsonl");
        Path cfg = config(model("stories260K.bin").toString(), data.toString());
        Path missing = tmp.resolve("no-test.jsonl");
        assertUserError(run("run", "--quiet", "--config", cfg.toString(), "--set", "data.test.path=" + missing), "run",
                "no such file: " + missing);
        assertFalse(Files.exists(tmp.resolve("out")), "no output folder was made");
    }

    @Test
    void demoRefusesABadOverrideBeforePretraining() {
        Path out = tmp.resolve("demo");
        assertUserError(run("demo", "--quick", "--quiet", "--out", out.toString(), "--set", "rounds=ten"), "demo",
                "--set: rounds: expected an integer, got 'ten'");
        assertUserError(run("demo", "--quick", "--quiet", "--out", out.toString(), "--set", "lora.targets=[wq,zz]"), "demo",
                "unknown module 'zz'");
        assertFalse(Files.exists(out), "no pretraining, nothing written");
    }
}
