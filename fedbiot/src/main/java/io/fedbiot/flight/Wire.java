package io.fedbiot.flight;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.DataFormat;
import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.method.ClientPackage;
import io.fedbiot.method.ClientTrainer;
import io.fedbiot.method.RunPlan;

import java.nio.charset.StandardCharsets;

/**
 * The protocol's JSON headers. A stream's header rides in its Arrow schema metadata under
 * {@link #KEY}; each record batch carries a {@link Chunk} as Flight app metadata.
 *
 * <pre>
 * doGet "package"  header Package, batches: base weights of the compressed model
 * doGet "work"     header Work (kind round|idle|done), batches: adapter/..., emulator/... LoRA tensors
 * doPut "update"   header Upload, batches: adapter/... LoRA tensors; answer: one PutResult "ok"
 * doAction "secagg.send" / "secagg.await"   a round whose Work has {@code secure}: see {@link SecAggWire}
 * </pre>
 */
public final class Wire {
    public static final String KEY = "fedbiot";
    public static final String ADAPTER = "adapter/", EMULATOR = "emulator/";
    static final ObjectMapper JSON = JsonMapper.builder().build();

    /** What a client needs besides the tensors to rebuild the compressed model and its data stream. */
    public record Package(int client, String name, LlamaConfig config, LoraConfig lora, int[] layers, int[] adapterLayers,
                          int[] emulatorLayers, int batchSize, int maxLen, DataFormat format, BadRowPolicy badRows, long dataSeed) {
        /** Client k's header: package p's layers and the plan's data settings, flat as on the wire. */
        static Package of(int client, String name, ClientPackage p, RunPlan.DataSettings d, long dataSeed) {
            return new Package(client, name, p.weights().config(), p.lora(), p.layers(), p.adapterLayers(), p.emulatorLayers(),
                    d.batchSize(), d.maxLen(), d.format(), d.badRows(), dataSeed);
        }

        /** The plan's data settings, read back on the client. */
        public RunPlan.DataSettings dataSettings() {
            return new RunPlan.DataSettings(batchSize, maxLen, format, badRows);
        }
    }

    /**
     * kind: round (train and upload; with {@code secure}, through secure aggregation instead), idle (poll again), done (the run is over). cursor: batches
     * this client's stream has handed out before this round, so a restarted client repeats exactly.
     */
    public record Work(String kind, int round, long seed, ClientTrainer.Settings settings, long cursor, Secure secure) {
        static Work idle() {
            return new Work("idle", -1, 0, null, 0, null);
        }

        static Work done() {
            return new Work("done", -1, 0, null, 0, null);
        }
    }

    /**
     * A round through secure aggregation (SecAggWire): its clients (ascending), threshold t and
     * fixed-point bits; {@code session} names this attempt at the round, so keys never outlive it.
     */
    public record Secure(int[] clients, int threshold, int fractionBits, String session) {}

    public record Upload(int round, long samples, int nanSkipped, double meanLoss, long tokens, int seqLen) {}

    /** One record batch: values [offset, offset + rows) of tensor {@code name} with {@code shape}. */
    public record Chunk(String name, int[] shape, long offset) {}

    private Wire() {}

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(Object o) {
        return json(o).getBytes(StandardCharsets.UTF_8);
    }

    public static <T> T parse(String s, Class<T> type, String what) {
        try {
            return JSON.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed " + what + " header: " + e.getOriginalMessage());
        }
    }
}
