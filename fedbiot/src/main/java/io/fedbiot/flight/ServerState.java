package io.fedbiot.flight;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fedbiot.report.AtomicFiles;

import java.io.CharConversionException;
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

    /**
     * The state in {@code dir}, or null when there is none yet. A damaged file (cut short, not JSON,
     * a field of the wrong type or missing, a bad checksum) is an IllegalArgumentException naming it.
     */
    public static ServerState load(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) return null;
        ServerState s;
        try {
            s = JSON.readValue(f.toFile(), ServerState.class);
        } catch (JsonEOFException e) {
            throw damaged(f, "truncated at line " + line(e), e);
        } catch (UnrecognizedPropertyException e) {
            throw damaged(f, "unknown field " + e.getPropertyName() + " (line " + line(e) + ")", e);
        } catch (MismatchedInputException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce((a, b) -> a + "." + b).orElse("(top level)");
            String want = e.getTargetType() == null ? "another type" : e.getTargetType().getSimpleName();
            throw damaged(f, (e.getPath().isEmpty() && e.getTargetType() == ServerState.class ? "not a state object" : "field " + field
                    + " should be " + want) + " (line " + line(e) + ")", e);
        } catch (JsonProcessingException e) {
            throw damaged(f, "not JSON at line " + line(e) + ": " + e.getOriginalMessage(), e);
        } catch (CharConversionException e) {
            throw damaged(f, "not UTF-8 text: " + e.getMessage(), e);
        }
        if (s == null) throw damaged(f, "empty (JSON null)", null);
        for (var fld : new Object[][]{{"run", s.run}, {"adapter", s.adapter}, {"adapterSha256", s.adapterSha256},
                {"samplerDraws", s.samplerDraws}, {"clientCursors", s.clientCursors}, {"metrics", s.metrics}})
            if (fld[1] == null) throw damaged(f, "field " + fld[0] + " is missing", null);
        if (s.nextRound < 0) throw damaged(f, "nextRound is " + s.nextRound + ", expected 0 or more", null);
        if ((s.emulator == null) != (s.emulatorSha256 == null)) throw damaged(f, "emulator and emulatorSha256 must come together", null);
        if (!WireTensor.sha256(decode(f, "adapter", s.adapter)).equals(s.adapterSha256())) throw damaged(f, "adapter checksum mismatch", null);
        if (s.emulator() != null && !WireTensor.sha256(decode(f, "emulator", s.emulator)).equals(s.emulatorSha256()))
            throw damaged(f, "emulator checksum mismatch", null);
        return s;
    }

    /** Refuses a state whose tensors do not fit this run's ({@code emulatorLen} -1: this run has no emulator). */
    public void checkSizes(Path dir, int adapterLen, int emulatorLen) {
        Path f = dir.resolve(FILE);
        int a = adapterValues().length;
        if (a != adapterLen)
            throw damaged(f, "adapter tensor has " + a + " values, expected " + adapterLen + ": was it written by a different config?", null);
        int e = emulator == null ? -1 : emulatorValues().length;
        if (e != emulatorLen)
            throw damaged(f, (e < 0 ? "no emulator tensor" : "emulator tensor has " + e + " values") + ", expected "
                    + (emulatorLen < 0 ? "none" : emulatorLen) + ": was it written by a different config?", null);
    }

    private static String line(JsonProcessingException e) {
        return e.getLocation() == null ? "?" : Integer.toString(e.getLocation().getLineNr());
    }

    private static IllegalArgumentException damaged(Path f, String what, Throwable cause) {
        return new IllegalArgumentException(f + ": " + what + "; delete the state folder to start over", cause);
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

    private static float[] decode(Path f, String field, String s) {
        try {
            if (Base64.getDecoder().decode(s).length % 4 != 0) throw damaged(f, field + " is not a whole number of float32 values", null);
            return decode(s);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(f.toString())) throw e;
            throw damaged(f, field + " is not base64: " + e.getMessage(), e);
        }
    }

    private static float[] decode(String s) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }
}
