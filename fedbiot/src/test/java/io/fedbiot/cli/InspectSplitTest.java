package io.fedbiot.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** {@code fedbiot inspect --split}: the printed split against ALGORITHM.md's L = 32 examples. */
class InspectSplitTest {


    /** The value printed after "name:" on its own line. */
    private static String line(String out, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ":\\s+(.*)$").matcher(out);
        assertTrue(m.find(), "no '" + name + ":' line in\n" + out);
        return m.group(1).strip();
    }

    @Test
    void fedbiotAtTwoDropRatesMatchesTheSpec() {
        Result r = run("inspect", "--split", "fedbiot", "--layers", "32", "--adapter", "2", "--beta", "0.2");
        assertEquals(0, r.code(), r.err());
        assertEquals("0,1,2,3,5,6,7,8,10,11,12,13,15,16,17,18,20,21,22,23,25,26,27,29", line(r.out(), "kept"), r.out());
        assertEquals("4,9,14,19,24,28", line(r.out(), "dropped"));
        assertEquals("none", line(r.out(), "adapter bottom"));
        assertEquals("30,31", line(r.out(), "adapter top"));
        assertTrue(line(r.out(), "teacher window").startsWith("layers 0..29 = [0, 30), 30 layers"), r.out());
        // Emulator layer 3 is teacher layer 3 and stands in for the dropped layer 4; the last one for 29 alone.
        assertTrue(r.out().matches("(?s).*\\n\\s+3\\s+3\\s+3\\.\\.4\\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n\\s+23\\s+29\\s+29\\n.*"), r.out());
        assertTrue(r.out().contains("compressed model, 26 layers bottom to top: 0,1,2,3,5,6,7,8,10,11,12,13,15,16,17,18,20,21,22,23,25,26,27,29,30,31"),
                r.out());

        Result half = run("inspect", "--split", "fedbiot", "--layers", "32", "--beta", "0.5");
        assertEquals(0, half.code(), half.err());
        assertEquals("0,2,4,6,8,10,12,14,16,18,20,22,24,26,29", line(half.out(), "kept"));
    }

    @Test
    void fedotAndOffsiteTuningAdaptTwoPlusTwo() {
        for (String m : new String[]{"fedot", "offsite-tuning"}) {
            Result r = run("inspect", "--split", m, "--layers", "32", "--beta", "0.2");
            assertEquals(0, r.code(), r.err());
            assertEquals("2,3,4,5,7,8,9,11,12,13,14,16,17,18,20,21,22,23,25,26,27,29", line(r.out(), "kept"), r.out());
            assertEquals("0,1", line(r.out(), "adapter bottom"));
            assertEquals("30,31", line(r.out(), "adapter top"));
            assertTrue(r.out().contains("= adapter bottom [0,1] + emulator [2,3,4,5,7,8,9,11,12,13,14,16,17,18,20,21,22,23,25,26,27,29]"
                    + " + adapter top [30,31]"), r.out());
        }
        assertTrue(run("inspect", "--split", "offsite-tuning", "--layers", "32").out().contains("one, holding every client's data"));
    }

    @Test
    void fedloraHasNoEmulator() {
        Result r = run("inspect", "--split", "fedlora", "--layers", "8");
        assertEquals(0, r.code(), r.err());
        assertTrue(line(r.out(), "teacher window").startsWith("none"), r.out());
        assertTrue(line(r.out(), "adapter").contains("0..7"), r.out());
    }

    @Test
    void takesTheLayerCountFromACheckpoint() {
        String shared = System.getProperty("fedbiot.shared");
        Path model = (shared != null ? Path.of(shared) : Path.of("..", "..", "shared")).resolve("data/models/stories260K.bin");
        if (!Files.exists(model)) fail("test data " + model.toAbsolutePath() + " is missing");
        // stories260K has 5 layers: FedBiOT a=2 compresses [0, 3) to rint(2.4) = 2 layers, 0 and 2.
        Result r = run("inspect", model.toString(), "--split", "fedbiot", "--adapter", "2", "--beta", "0.2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("FedBiOT split of 5 layers (" + model + ")"), r.out());
        assertEquals("0,2", line(r.out(), "kept"));
        assertEquals("1", line(r.out(), "dropped"));
    }

    @Test
    void badArgumentsFailWithAClearMessage() {
        Result a = run("inspect", "--split", "fedbiot", "--layers", "32", "--adapter", "40");
        assertEquals(2, a.code());
        assertTrue(a.err().contains("--adapter must be in [1, 31] for 32 layers, got 40"), a.err());
        assertTrue(a.out().isEmpty(), a.out());

        Result d = run("inspect", "--split", "fedbiot", "--layers", "32", "--beta", "1.5");
        assertEquals(2, d.code());
        assertTrue(d.err().contains("--beta must be in [0, 1), got 1.5"), d.err());

        Result m = run("inspect", "--split", "fedavg", "--layers", "32");
        assertEquals(2, m.code());
        assertTrue(m.err().contains("unknown method 'fedavg'"), m.err());

        Result none = run("inspect", "--split", "fedbiot");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("--layers L or a model PATH"), none.err());

        Result small = run("inspect", "--split", "fedot", "--layers", "4");
        assertEquals(2, small.code());
        assertTrue(small.err().contains("FedOT needs at least 5 layers"), small.err());

        Result noSplit = run("inspect", "--layers", "32");
        assertEquals(2, noSplit.code());
        assertTrue(noSplit.err().contains("PATH is required"), noSplit.err());
    }
}
