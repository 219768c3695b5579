package io.fedbiot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

class InspectCommandTest {



    @Test
    void llama2cBin() {
        Result r = run("inspect", model("stories260K.bin").toString());
        assertEquals(0, r.code(), r.err());
        String o = r.out();
        assertTrue(o.contains("format:  LLAMA2C"), o);
        assertTrue(o.contains("dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4"), o);
        assertTrue(o.contains("tensors (47):"), o);
        assertTrue(o.matches("(?s).*layers\\.4\\.w2\\s+\\[64, 172\\]\\s+F32.*"), o);
        assertTrue(o.contains("total       260,032"), o);
        assertTrue(o.contains("per layer   45,440 (x 5 layers = 227,200)"), o);
        assertTrue(o.contains("embedding   32,768"), o);
        assertTrue(o.contains("tied to the embedding"), o);
        assertTrue(o.contains("not used: freq_cis_real, freq_cis_imag"), o);
    }

    @Test
    void hfDirectoryAndGguf() {
        Result hf = run("inspect", model("hf-tiny-llama-random").toString());
        assertEquals(0, hf.code(), hf.err());
        assertTrue(hf.out().contains("format:  HF_SAFETENSORS"), hf.out());
        assertTrue(hf.out().matches("(?s).*layers\\.1\\.wq\\s+\\[64, 64\\]\\s+BF16\\s+model\\.safetensors:model\\.layers\\.1\\.self_attn\\.q_proj\\.weight.*"),
                hf.out());
        assertTrue(hf.out().contains("classifier  32,768"), hf.out());

        Result g = run("inspect", model("gguf/stories260K.gguf").toString());
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().contains("format:  GGUF"), g.out());
        assertTrue(g.out().contains("max_seq_len 2048"), g.out());
        assertTrue(g.out().contains("blk.0.attn_q.weight"), g.out());
    }

    @Test
    void badFileFailsOnStderr(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("junk.bin");
        Files.write(f, new byte[5]);
        Result r = run("inspect", f.toString());
        assertEquals(2, r.code(), "a malformed checkpoint is an input error");
        assertTrue(r.err().contains("junk.bin"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
    }
}
