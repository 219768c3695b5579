package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** Damaged copies made here, each refused with a message naming the file and (where there is one) the tensor. */
class BadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String failure(Path p) {
        Exception e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(p).close());
        return e.getMessage();
    }

    private static void assertMentions(String msg, String... parts) {
        for (String s : parts) assertTrue(msg.contains(s), "'" + s + "' missing from: " + msg);
    }

    @Test
    void truncatedBin(@TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(SharedData.model("stories260K.bin"));
        Path f = tmp.resolve("cut.bin");
        Files.write(f, Arrays.copyOf(all, 600_000));
        assertMentions(failure(f), "cut.bin", "1056540", "600000", "'w2' (layer 0)");
    }

    @Test
    void binHeaderDisagreesWithFileSize(@TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(SharedData.model("stories260K.bin"));
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 6); // n_layers 5 → 6
        Path f = tmp.resolve("layers.bin");
        Files.write(f, all);
        assertMentions(failure(f), "layers.bin", "n_layers=6", "1056540");
    }

    @Test
    void tinyBinIsTooShortForAHeader(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("tiny.bin");
        Files.write(f, new byte[10]);
        assertMentions(failure(f), "tiny.bin", "header");
        Path gguxShort = tmp.resolve("short.gguf"); // a damaged GGUF magic, shorter than any header
        Files.write(gguxShort, "GGUX\0\0\0\0\0\0\0\0".getBytes(StandardCharsets.US_ASCII));
        assertMentions(failure(gguxShort), "short.gguf", "\"GGUX\"", "not GGUF");
    }

    /** A copy of the HF tiny model whose safetensors header went through {@code edit}. */
    private static Path hfCopy(Path tmp, Consumer<ObjectNode> edit) throws IOException {
        Path src = HfCheckpointTest.tiny();
        Path dir = tmp.resolve("hf");
        Files.createDirectories(dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        byte[] all = Files.readAllBytes(src.resolve("model.safetensors"));
        int n = (int) ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectNode header = (ObjectNode) JSON.readTree(new String(all, 8, n, StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] h = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + all.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(all, 8 + n, all.length - 8 - n);
        Files.write(dir.resolve("model.safetensors"), out.array());
        return dir;
    }

    @Test
    void safetensorsMissingTensor(@TempDir Path tmp) throws Exception {
        Path dir = hfCopy(tmp, h -> h.remove("model.layers.1.mlp.up_proj.weight"));
        assertMentions(failure(dir), "model.safetensors", "model.layers.1.mlp.up_proj.weight", "[176, 64]");
    }

    @Test
    void shapeDisagreesWithConfig(@TempDir Path tmp) throws Exception {
        Path dir = hfCopy(tmp, h -> ((ObjectNode) h.get("model.layers.0.self_attn.q_proj.weight"))
                .putArray("shape").add(32).add(128));
        assertMentions(failure(dir), "model.safetensors", "model.layers.0.self_attn.q_proj.weight", "[32, 128]", "[64, 64]");
    }

    @Test
    void configDisagreesWithShapes(@TempDir Path tmp) throws Exception {
        Path dir = hfCopy(tmp, h -> {});
        String cfg = Files.readString(dir.resolve("config.json")).replace("\"intermediate_size\": 176", "\"intermediate_size\": 128");
        Files.writeString(dir.resolve("config.json"), cfg);
        assertMentions(failure(dir), "model.safetensors", "mlp.gate_proj.weight", "[176, 64]", "[128, 64]");
    }

    /** config.json: a wrong-typed key is named with what was expected (not read as 0); a parse error gives line and column. */
    @Test
    void configJsonNamesTheKeyOrThePlace(@TempDir Path tmp) throws Exception {
        Path dir = hfCopy(tmp, h -> {});
        Path cfg = dir.resolve("config.json");
        String good = Files.readString(cfg);
        Files.writeString(cfg, good.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": \"two\""));
        assertMentions(failure(dir), "config.json", "'num_key_value_heads'", "must be an integer", "\"two\"");
        Files.writeString(cfg, good.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": \"no\""));
        assertMentions(failure(dir), "config.json", "'tie_word_embeddings'", "true or false");
        Files.writeString(cfg, "{\n  \"hidden_size\": 64,\n  \"vocab_size\" 512\n}\n");
        assertMentions(failure(dir), "config.json", "not valid JSON", "line 3");
    }

    @Test
    void unsupportedDtypes(@TempDir Path tmp) throws Exception {
        for (String dtype : new String[]{"I8", "F64"}) {
            Path sub = Files.createDirectories(tmp.resolve(dtype));
            Path dir = hfCopy(sub, h -> {
                ObjectNode e = (ObjectNode) h.get("model.norm.weight");
                long begin = e.get("data_offsets").get(0).asLong();
                e.put("dtype", dtype);
                e.putArray("data_offsets").add(begin).add(begin + 64L * (dtype.equals("I8") ? 1 : 8));
            });
            assertMentions(failure(dir), "model.safetensors", "model.norm.weight", dtype);
        }
    }

    @Test
    void safetensorsHeaderLengthPastEof(@TempDir Path tmp) throws Exception {
        Path dir = hfCopy(tmp, h -> {});
        Path st = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, all.length);
        Files.write(st, all);
        assertMentions(failure(dir), "model.safetensors", "header length", String.valueOf(all.length));
    }

    @Test
    void truncatedSafetensorsNamesTheTensor(@TempDir Path tmp) throws Exception {
        Path dir = hfCopy(tmp, h -> {});
        Path st = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        Files.write(st, Arrays.copyOf(all, all.length - 10));
        assertMentions(failure(dir), "model.safetensors", "tensor '", "truncated");
    }

    /** Offset of the u32 ggml type of {@code tensor}'s info: after name, n_dims and the ne values. */
    private static int ggufTypeOffset(byte[] file, String tensor) {
        byte[] name = tensor.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + name.length < file.length; i++) {
            for (int k = 0; k < name.length; k++) if (file[i + k] != name[k]) continue outer;
            int nd = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(i + name.length);
            return i + name.length + 4 + 8 * nd;
        }
        throw new AssertionError(tensor + " not found");
    }

    @Test
    void ggufQuantizedTensor(@TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(SharedData.model("gguf/stories260K.gguf"));
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int at = ggufTypeOffset(all, "blk.2.attn_q.weight");
        assertEquals(0, b.getInt(at), "F32 before the patch");
        b.putInt(at, 2); // Q4_0
        Path f = tmp.resolve("q4.gguf");
        Files.write(f, all);
        assertMentions(failure(f), "q4.gguf", "blk.2.attn_q.weight", "Q4_0");
        b.putInt(at, 12); // Q4_K
        Files.write(f, all);
        assertMentions(failure(f), "q4.gguf", "blk.2.attn_q.weight", "Q4_K");
    }

    @Test
    void truncatedGguf(@TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(SharedData.model("gguf/stories260K.gguf"));
        Path f = tmp.resolve("cut.gguf");
        Files.write(f, Arrays.copyOf(all, all.length - 1000));
        assertMentions(failure(f), "cut.gguf", "blk.4.ffn_up.weight", "truncated");
        Files.write(f, Arrays.copyOf(all, 9000));
        assertMentions(failure(f), "cut.gguf", "truncated");
    }

    @Test
    void directoryWithoutWeights(@TempDir Path tmp) throws Exception {
        Files.copy(HfCheckpointTest.tiny().resolve("config.json"), tmp.resolve("config.json"));
        assertMentions(failure(tmp), tmp.toString(), "model.safetensors");
    }
}
