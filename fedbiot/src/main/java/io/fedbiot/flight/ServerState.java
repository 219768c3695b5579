package io.fedbiot.flight;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fedbiot.report.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The server's durable state after a completed round, one JSON file written through a temporary
 * file and a rename: the next round, the global adapter and emulator LoRA (float32 bits, base64,
 * with SHA-256s checked on load), the sampler's draws, the public stream's position, each client's
 * stream position, and every round's metrics. {@code run} names the config it belongs to.
 *
 * @param run           method, seed, clients and rounds this state is for; a different run refuses it
 * @param publicBatches public batches drawn so far (replayed on a fresh stream)
 */
public record ServerState(String run, int nextRound, String adapter, String adapterSha256, String emulator, String emulatorSha256,
                          long[] samplerDraws, long publicBatches, long[] clientCursors, List<Map<String, Object>> metrics) {
    public static final String FILE = "state.json";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    public static ServerState of(String run, int nextRound, float[] adapter, float[] emulator, long[] draws, long publicBatches,
                                 long[] cursors, List<Map<String, Object>> metrics) {
        return new ServerState(run, nextRound, encode(adapter), WireTensor.sha256(adapter), emulator == null ? null : encode(emulator),
                emulator == null ? null : WireTensor.sha256(emulator), draws, publicBatches, cursors, List.copyOf(metrics));
    }

    public void save(Path dir) throws IOException {
        AtomicFiles.write(dir.resolve(FILE), out -> JSON.writeValue(out, this));
    }

    /** The state in {@code dir}, or null when there is none yet. */
    public static ServerState load(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) return null;
        ServerState s = JSON.readValue(f.toFile(), ServerState.class);
        if (!WireTensor.sha256(s.adapterValues()).equals(s.adapterSha256())) throw new IOException(f + ": adapter checksum mismatch");
        if (s.emulator() != null && !WireTensor.sha256(s.emulatorValues()).equals(s.emulatorSha256()))
            throw new IOException(f + ": emulator checksum mismatch");
        return s;
    }

    public float[] adapterValues() {
        return decode(adapter);
    }

    public float[] emulatorValues() {
        return emulator == null ? null : decode(emulator);
    }

    private static String encode(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static float[] decode(String s) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }
}
