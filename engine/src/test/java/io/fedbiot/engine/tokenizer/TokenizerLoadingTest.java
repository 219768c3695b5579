package io.fedbiot.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.fedbiot.engine.tokenizer.TokenizerTestData.model;
import static io.fedbiot.engine.tokenizer.TokenizerTestData.tokenizer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loader details: bad files name themselves, the newer tokenizer.json layout, the protobuf reader. */
class TokenizerLoadingTest {
    @TempDir
    Path dir;

    @Test
    void truncatedTokenizerBinNamesTheFile() throws IOException {
        byte[] full = Files.readAllBytes(model("tokenizer.bin"));
        Path cut = dir.resolve("tokenizer.bin");
        // 4-byte header + 3 records, then 2 bytes into the 4th record's score.
        Files.write(cut, Arrays.copyOf(full, 4 + (8 + 5) + (8 + 5) + (8 + 6) + 2));
        IOException e = assertThrows(IOException.class, () -> Tokenizers.load(cut));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());

        Files.write(cut, Arrays.copyOf(full, full.length / 2 + 1));
        e = assertThrows(IOException.class, () -> Tokenizers.loadLlama2c(cut, 32000));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void truncatedSentencePieceModelNamesTheFile() throws IOException {
        byte[] full = Files.readAllBytes(model("tokenizer.model"));
        Path cut = dir.resolve("tokenizer.model");
        for (int length : new int[] {full.length / 2, full.length - 20, 7}) {
            Files.write(cut, Arrays.copyOf(full, length));
            IOException e = assertThrows(IOException.class, () -> Tokenizers.load(cut), "length " + length);
            assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
        }
    }

    @Test
    void unknownFilesAreRefused() throws IOException {
        Path txt = Files.writeString(dir.resolve("vocab.txt"), "hello");
        assertTrue(assertThrows(IOException.class, () -> Tokenizers.load(txt)).getMessage().contains(txt.toString()));
        Path fake = Files.writeString(dir.resolve("fake.gguf"), "GGUX....");
        assertTrue(assertThrows(IOException.class, () -> Tokenizers.load(fake)).getMessage().contains("magic"));
        Path missing = dir.resolve("missing.model");
        assertTrue(assertThrows(IOException.class, () -> Tokenizers.load(missing)).getMessage().contains(missing.toString()));
    }

    @Test
    void llama2cVocabularySizeCanBePinned() throws IOException {
        Tokenizer t = Tokenizers.loadLlama2c(model("tok512.bin"), 512);
        assertEquals(tokenizer(TokenizerTestData.TOK512).hash(), t.hash());
        assertThrows(IOException.class, () -> Tokenizers.loadLlama2c(model("tok512.bin"), 513));
    }

    /** Newer tokenizer.json files: merges as [a, b] pairs and a Metaspace pre-tokenizer instead of the normalizer. */
    @Test
    void newerTokenizerJsonLayoutGivesTheSameIds() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(model(TokenizerTestData.LLAMA_JSON).toFile());
        ObjectNode m = (ObjectNode) root.get("model");
        ArrayNode pairs = json.createArrayNode();
        for (JsonNode merge : m.get("merges")) {
            String[] ab = merge.asText().split(" ");
            pairs.addArray().add(ab[0]).add(ab[1]);
        }
        m.set("merges", pairs);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581")
                .put("prepend_scheme", "first").put("split", false);
        Path file = dir.resolve("tokenizer.json");
        json.writeValue(file.toFile(), root);

        Tokenizer t = Tokenizers.load(file);
        assertEquals(tokenizer(TokenizerTestData.LLAMA_JSON).hash(), t.hash());
        for (TokenizerTestData.Case c : TokenizerTestData.llamaCppCases()) {
            assertArrayEquals(c.ids(), t.encode(c.text(), false, false), c.toString());
        }
    }

    @Test
    void protoReaderReadsNegativeInt32AndSkipsUnknownFields() throws IOException {
        // field 43 (varint) = -1 as a 10-byte varint; field 9 fixed64; field 2 float 1.5; field 1 "hi".
        byte[] msg = {
                (byte) 0xD8, 0x02, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01,
                0x49, 1, 2, 3, 4, 5, 6, 7, 8,
                0x15, 0x00, 0x00, (byte) 0xC0, 0x3F,
                0x0A, 0x02, 'h', 'i'};
        ProtoReader r = new ProtoReader(msg);
        assertTrue(r.next());
        assertEquals(43, r.fieldNumber());
        assertEquals(-1, r.readInt32());
        assertTrue(r.next());
        assertEquals(ProtoReader.FIXED64, r.wireType());
        r.skip();
        assertTrue(r.next());
        assertEquals(1.5f, r.readFloat());
        assertTrue(r.next());
        assertEquals("hi", r.readString());
        assertTrue(!r.next());
        assertThrows(IOException.class, () -> {
            ProtoReader bad = new ProtoReader(new byte[] {0x0A, 0x05, 'h'});
            bad.next();
            bad.readString();
        });
    }
}
