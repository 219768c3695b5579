package io.fedbiot.data;

import io.fedbiot.engine.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Prompts and tokenizes examples: {@code ids = encode(prompt, bos) ++ encode(output) ++ [EOS]},
 * loss mask 1 on the response and the EOS, 0 on BOS and prompt.
 * <p>
 * Prompt and response are encoded separately so the mask boundary is exact. SentencePiece puts
 * its dummy-prefix space in front of each encode call, so the response starts with a '▁' piece
 * (as in the reference pipelines that tokenize the two halves apart); decoding the response ids
 * alone drops that space again, so they decode to exactly the output text.
 */
public final class ExampleEncoder {
    private final Tokenizer tokenizer;
    private final int maxLen;

    public ExampleEncoder(Tokenizer tokenizer, int maxLen) {
        if (maxLen < 2) throw new IllegalArgumentException("maxLen must be at least 2, got " + maxLen);
        if (tokenizer.bosId() < 0 || tokenizer.eosId() < 0) throw new IllegalArgumentException(tokenizer + " has no BOS/EOS");
        this.tokenizer = tokenizer;
        this.maxLen = maxLen;
    }

    public int maxLen() {
        return maxLen;
    }

    /** The full row, whatever its length. */
    public TokenizedRow encode(Example e) {
        int[] prompt = tokenizer.encode(AlpacaTemplate.prompt(e), true, false);
        int[] response = tokenizer.encode(e.output(), false, false);
        int n = prompt.length + response.length + 1;
        int[] ids = new int[n];
        byte[] mask = new byte[n];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(response, 0, ids, prompt.length, response.length);
        ids[n - 1] = tokenizer.eosId();
        java.util.Arrays.fill(mask, prompt.length, n, (byte) 1);
        return new TokenizedRow(ids, mask);
    }

    /** Adds {@code e} to {@code out}, or reports it as {@link BadRowReason#TOO_LONG}. */
    public void add(Example e, TokenizedDataset.Builder out, BadRows bad) throws DataFormatException {
        TokenizedRow r = encode(e);
        if (r.length() > maxLen) {
            bad.report(e.source(), e.row(), BadRowReason.TOO_LONG,
                    "expected at most maxLen " + maxLen + " tokens after prompting, got " + r.length());
            return;
        }
        out.add(r, e.row(), e.fields());
    }

    /** Reads and tokenizes {@code file} in one pass (no cache). */
    public TokenizedDataset build(Path file, DataFormat format, BadRows bad) throws IOException {
        TokenizedDataset.Builder out = TokenizedDataset.builder(file.toString());
        try {
            DatasetReader.read(file, format, bad, e -> {
                try {
                    add(e, out, bad);
                } catch (DataFormatException x) {
                    throw new UncheckedIOException(x);
                }
            });
        } catch (UncheckedIOException x) {
            throw x.getCause();
        }
        return out.build(bad.counts());
    }
}
