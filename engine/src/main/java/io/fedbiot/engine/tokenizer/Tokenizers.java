package io.fedbiot.engine.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.CheckpointFormatException;
import io.fedbiot.engine.io.FileKind;
import io.fedbiot.engine.io.Llama2cReader;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** Loads a tokenizer from any of the files LLaMA's comes in. */
public final class Tokenizers {
    private static final byte[] GGUF_MAGIC = {'G', 'G', 'U', 'F'};

    private Tokenizers() {}

    /**
     * Picks the reader by content and name: GGUF by its magic, {@code .json} as HF tokenizer.json,
     * {@code .model} as SentencePiece ModelProto, {@code .bin} as llama2.c tokenizer.bin.
     * Errors name the file; a damaged one is a {@link CheckpointFormatException}.
     */
    public static Tokenizer load(Path file) throws IOException {
        try {
            return read(file);
        } catch (NoSuchFileException | CheckpointFormatException e) {
            throw e;
        } catch (IOException e) { // the loaders' messages name the file; the type says it is the file's fault
            throw new CheckpointFormatException(e.getMessage(), e);
        }
    }

    private static Tokenizer read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            String inside = java.util.stream.Stream.of("tokenizer.model", "tokenizer.json", "tokenizer.bin")
                    .map(file::resolve).filter(Files::isRegularFile).map(Path::toString).findFirst()
                    .orElse("tokenizer.model, tokenizer.json, tokenizer.bin or a .gguf");
            throw new IOException(file + " is a directory; give the tokenizer file in it: " + inside);
        }
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString());
        if (startsWith(file, GGUF_MAGIC)) return GgufTokenizerLoader.load(file);
        String kind = FileKind.recognise(FileKind.head(file), Files.size(file));
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (kind != null && !(kind.equals("a JSON file") && name.endsWith(".json")))
            throw new IOException(file + " is " + kind + ", not a tokenizer; give tokenizer.model, tokenizer.json,"
                    + " a llama2.c tokenizer.bin or a .gguf");
        if (name.endsWith(".json")) return HfTokenizerJsonLoader.load(file);
        if (name.endsWith(".model")) return SentencePieceModelLoader.load(file);
        if (name.endsWith(".bin")) {
            try {
                return Llama2cTokenizerLoader.load(file, -1);
            } catch (IOException e) {
                if (isLlama2cModel(file)) throw new CheckpointFormatException(file + " is a llama2.c model checkpoint, not a tokenizer;"
                        + " give its tokenizer.bin (or tokenizer.model, tokenizer.json)", e);
                throw e;
            }
        }
        if (name.endsWith(".gguf")) throw new IOException(file + ": not a GGUF file (no GGUF magic): " + FileKind.unknown(FileKind.head(file)));
        throw new IOException(file + ": unknown tokenizer format (expected .bin, .model, .json or .gguf)");
    }

    /** A llama2.c tokenizer.bin with exactly {@code vocabSize} tokens (the model's vocab_size). */
    public static Tokenizer loadLlama2c(Path file, int vocabSize) throws IOException {
        if (vocabSize <= 0) throw new IllegalArgumentException("vocab size " + vocabSize);
        try {
            return Llama2cTokenizerLoader.load(file, vocabSize);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointFormatException(e.getMessage(), e);
        }
    }

    /** Whether {@code file} reads as a llama2.c checkpoint (its header and size agree); only mapped, not read. */
    private static boolean isLlama2cModel(Path file) {
        try (Checkpoint c = Llama2cReader.read(file)) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean startsWith(Path file, byte[] magic) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(magic.length);
            return java.util.Arrays.equals(head, magic);
        }
    }
}
