package io.fedbiot.data;

import io.fedbiot.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TemplateAndMaskTest {
    @Test
    void theTwoAlpacaPrompts() {
        assertEquals("Below is an instruction that describes a task, paired with an input that provides further context. "
                + "Write a response that appropriately completes the request.\n\n### Instruction:\nSum\n\n### Input:\n1 2\n\n### Response:\n",
                AlpacaTemplate.prompt("Sum", "1 2"));
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n"
                + "### Instruction:\nSay hi\n\n### Response:\n", AlpacaTemplate.prompt("Say hi", ""));
    }

    @Test
    void maskCoversExactlyResponseAndEos() {
        Tokenizer tok = SharedFiles.llama();
        Example e = new Example("Add the numbers.", "2 and 3", "The sum is 5.", Map.of(), "mem", 1);
        TokenizedRow r = new ExampleEncoder(tok, 512).encode(e);
        int[] prompt = tok.encode(AlpacaTemplate.prompt(e), true, false);
        int[] response = tok.encode(e.output(), false, false);
        assertEquals(prompt.length + response.length + 1, r.length());
        assertArrayEquals(prompt, Arrays.copyOf(r.ids(), prompt.length));
        assertEquals(tok.bosId(), r.ids()[0]);
        assertEquals(tok.eosId(), r.ids()[r.length() - 1]);
        for (int j = 0; j < r.length(); j++) assertEquals(j >= prompt.length ? 1 : 0, r.mask()[j], "mask at " + j);
        assertEquals(e.output(), tok.decode(masked(r, 1, false)));
        assertEquals(AlpacaTemplate.prompt(e), tok.decode(masked(r, 0, false)));
    }

    /** On real rows of every format: masked-in ids are exactly the output's ids then EOS, and decode to the output. */
    @Test
    void maskedIdsDecodeToTheOutputOnRealRows() throws IOException {
        Tokenizer tok = SharedFiles.llama();
        ExampleEncoder enc = new ExampleEncoder(tok, 1 << 20);
        BadRows bad = new BadRows(BadRowPolicy.SKIP, s -> {});
        for (var src : List.of(
                Map.entry(SharedFiles.gsm8kTest(), DataFormat.GSM8K),
                Map.entry(SharedFiles.alpaca(), DataFormat.ALPACA),
                Map.entry(SharedFiles.codeAlpaca(), DataFormat.CODE_ALPACA))) {
            List<Example> rows = DatasetReader.readAll(src.getKey(), src.getValue(), bad);
            for (Example e : rows.subList(0, 200)) {
                TokenizedRow r = enc.encode(e);
                int[] in = masked(r, 1, true);
                assertEquals(tok.eosId(), in[in.length - 1]);
                assertArrayEquals(tok.encode(e.output(), false, false), Arrays.copyOf(in, in.length - 1), e.source() + " row " + e.row());
                assertEquals(e.output(), tok.decode(in), e.source() + " row " + e.row());
                assertEquals(0, r.mask()[0]);
            }
        }
    }

    @Test
    void gsm8kTargetTokensEndWithTheAnswer() throws IOException {
        Tokenizer tok = SharedFiles.tok512();
        Example e = DatasetReader.readAll(SharedFiles.gsm8kTrain(), DataFormat.GSM8K, new BadRows(BadRowPolicy.FAIL)).getFirst();
        TokenizedRow r = new ExampleEncoder(tok, 1024).encode(e);
        assertTrue(tok.decode(masked(r, 1, true)).endsWith("The answer is 72"));
    }

    /** The ids whose mask is {@code want}; the EOS kept or dropped. */
    static int[] masked(TokenizedRow r, int want, boolean keepEos) {
        return java.util.stream.IntStream.range(0, r.length())
                .filter(j -> r.mask()[j] == want && (keepEos || j != r.length() - 1))
                .map(j -> r.ids()[j]).toArray();
    }
}
