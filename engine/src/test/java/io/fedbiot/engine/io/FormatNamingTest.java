package io.fedbiot.engine.io;

import io.fedbiot.engine.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A file of one format given where another is expected is named for what it is. */
class FormatNamingTest {
    private static String fails(Class<? extends Exception> type, org.junit.jupiter.api.function.Executable ex) {
        return assertThrows(type, ex).getMessage();
    }

    private static void assertMentions(String msg, String... parts) {
        for (String s : parts) assertTrue(msg.contains(s), "'" + s + "' missing from: " + msg);
    }

    @Test
    void ggufGivenToTheLlama2cReader() {
        Path gguf = SharedData.model("gguf/stories260K.gguf");
        assertMentions(fails(CheckpointFormatException.class, () -> Llama2cReader.read(gguf).close()),
                gguf + " is a GGUF file", "not a llama2.c checkpoint");
    }

    @Test
    void llama2cGivenToTheGgufReader() {
        Path bin = SharedData.model("stories260K.bin");
        assertMentions(fails(CheckpointFormatException.class, () -> GgufFile.open(bin).close()),
                bin.toString(), "not a GGUF file", "unknown format, first bytes 40 00 00 00");
    }

    @Test
    void wrongMagicIsUnknownWithItsFirstBytes(@TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(SharedData.model("gguf/stories260K.gguf"));
        all[3] = 'X'; // GGUX
        Path f = tmp.resolve("bad.gguf");
        Files.write(f, all);
        assertMentions(fails(CheckpointFormatException.class, () -> Checkpoint.load(f).close()),
                f.toString(), "unknown format, first bytes 47 47 55 58", "(\"GGUX\")");
        assertMentions(fails(CheckpointFormatException.class, () -> GgufFile.open(f).close()), f.toString(), "47 47 55 58");
    }

    @Test
    void safetensorsFileInsteadOfItsFolder() {
        Path st = SharedData.model("hf-tiny-llama-random/model.safetensors");
        assertMentions(fails(CheckpointFormatException.class, () -> Checkpoint.load(st).close()),
                st + " is a safetensors file", "Hugging Face folder");
    }

    @Test
    void configJsonInsteadOfItsFolder() {
        Path cfg = SharedData.model("hf-tiny-llama-random/config.json");
        assertMentions(fails(CheckpointFormatException.class, () -> Checkpoint.load(cfg).close()),
                cfg + " is a JSON file", "Hugging Face folder");
    }

    @Test
    void folderWithoutConfigSaysWhatItHolds(@TempDir Path tmp) throws Exception {
        Files.copy(SharedData.model("gguf/stories260K.gguf"), tmp.resolve("model.gguf"));
        assertMentions(fails(CheckpointFormatException.class, () -> Checkpoint.load(tmp).close()),
                tmp.toString(), "without config.json", "model.gguf");
    }

    @Test
    void tokenizerFileAsAModelIsUnknown() {
        Path tok = SharedData.model("tok512.bin");
        assertMentions(fails(CheckpointFormatException.class, () -> Checkpoint.load(tok).close()),
                tok + ": unknown format, first bytes", "not GGUF, safetensors or a llama2.c checkpoint");
    }

    @Test
    void zipArchiveIsNamed(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("model.pt");
        Files.write(f, new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0});
        assertMentions(fails(CheckpointFormatException.class, () -> Checkpoint.load(f).close()), f + " is a zip archive");
    }

    @Test
    void modelsGivenAsTokenizers(@TempDir Path tmp) {
        Path st = SharedData.model("hf-tiny-llama-random/model.safetensors");
        assertMentions(fails(java.io.IOException.class, () -> Tokenizers.load(st)), st + " is a safetensors file", "not a tokenizer");
        Path dir = SharedData.model("hf-llama-tokenizer");
        assertMentions(fails(CheckpointFormatException.class, () -> Tokenizers.load(dir)), dir + " is a directory",
                dir.resolve("tokenizer.json").toString());
        assertMentions(fails(NoSuchFileException.class, () -> Tokenizers.load(tmp.resolve("none.model"))), "none.model");
        Path bin = SharedData.model("stories260K.bin");
        assertMentions(fails(CheckpointFormatException.class, () -> Tokenizers.load(bin)), bin + " is a llama2.c model checkpoint");
    }

    @Test
    void jsonSniffIsNotFooledByALlama2cHeader() {
        // dim = 123 starts a llama2.c file with '{' then zero bytes.
        byte[] bin = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(123).putInt(344).array();
        assertNull(FileKind.recognise(bin, 1 << 20));
        assertEquals("a JSON file", FileKind.recognise(" {\n  \"a\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8), 14));
        assertEquals("a JSON file", FileKind.recognise("[{\"a\": 1}]".getBytes(java.nio.charset.StandardCharsets.UTF_8), 10));
    }

    @Test
    void safetensorsSniffNeedsAPlausibleHeaderLength() {
        byte[] h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(5).put((byte) '{').array();
        assertEquals("a safetensors file", FileKind.recognise(h, 100));
        assertNull(FileKind.recognise(h, 10), "header length past the end of the file");
    }
}
