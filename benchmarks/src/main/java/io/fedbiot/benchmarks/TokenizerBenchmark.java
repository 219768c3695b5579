package io.fedbiot.benchmarks;

import io.fedbiot.engine.tokenizer.Tokenizer;
import io.fedbiot.engine.tokenizer.Tokenizers;
import org.openjdk.jmh.annotations.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * SentencePiece-BPE encoding of long texts (dataset caching tokenizes many KB at once): chars/s =
 * chars / (seconds per op). Doubling {@code chars} should about double the time (O(n log n) merges).
 * Run from the repository root so {@code shared} resolves to ../shared.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class TokenizerBenchmark {
    @Param({"../shared"})
    public String shared;

    @Param({"100000", "400000"})
    public int chars;

    private Tokenizer tokenizer;
    private String text;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Path data = Path.of(shared, "data");
        tokenizer = Tokenizers.load(data.resolve("models/tokenizer.model"));
        String sample = Files.readString(data.resolve("datasets/tinystories/tinystories_sample.txt"), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(chars + sample.length());
        while (sb.length() < chars) sb.append(sample).append("  \t日本語 🦙 ");
        text = sb.substring(0, chars);
    }

    @Benchmark
    public int encode() {
        return tokenizer.encode(text, false, false).length;
    }
}
