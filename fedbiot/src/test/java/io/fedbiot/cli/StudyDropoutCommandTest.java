package io.fedbiot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.model;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** bin/fedbiot study-dropout on stories260K with a small Alpaca sample: table, CSV, PNG; the figures make sense. */
class StudyDropoutCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesTheTableAndPlotAndAlignmentLowersHeldOutNmse() throws Exception {
        Path alpaca = CliRun.shared().resolve("data/datasets/alpaca/alpaca_small.json");
        Result r = run("study-dropout", "--quiet", "--model", model("stories260K.bin").toString(),
                "--tokenizer", model("tok512.bin").toString(), "--data", alpaca.toString(),
                "--beta", "0.2,0.5", "--rules", "fedbiot,fedot", "--adapter", "1", "--prealign-rounds", "4", "--align-steps", "3",
                "--lr-align", "3e-3", "--batch-size", "4", "--max-len", "160", "--heldout", "8", "--seed", "3",
                "--cache", tmp.resolve("cache").toString(), "--out", tmp.resolve("out").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| FedBiOT β=0.5 | 0, 3 | 1, 2 |"), r.out());
        assertTrue(Files.readString(tmp.resolve("out/dropout.md")).contains("| FedOT β=0.2 | 2 | none |"));
        BufferedImage png = ImageIO.read(tmp.resolve("out/dropout.png").toFile());
        assertNotNull(png, "dropout.png is a readable PNG");
        assertTrue(png.getWidth() > 600 && png.getHeight() > 300);

        List<String[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(tmp.resolve("out/dropout.csv"));
        assertEquals("split,emulator_layer,kept_teacher_layer,compared_teacher_layer,nmse_before,nmse_after,kl_before,kl_after", lines.getFirst());
        for (String line : lines.subList(1, lines.size())) rows.add(line.split(","));
        // L = 5, a = 1: FedBiOT's window is [0, 4); FedOT's is [2, 3). Kept layers by the spec's formula, computed here.
        List<String> expected = new ArrayList<>();
        for (String rule : List.of("FedBiOT", "FedOT"))
            for (double beta : new double[]{0.2, 0.5}) {
                int l = rule.equals("FedBiOT") ? 0 : 2, rr = rule.equals("FedBiOT") ? 4 : 3, n = rr - l;
                int k = Math.max(1, (int) Math.rint(n * (1 - beta)));
                int[] kept = new int[k];
                for (int i = 0; i < k; i++) kept[i] = l + (k == 1 ? 0 : (int) (i * ((n - 1) / (double) (k - 1))));
                for (int i = 0; i < k; i++)
                    expected.add(rule + " β=" + beta + "|" + i + "|" + kept[i] + "|" + ((i + 1 < k ? kept[i + 1] : rr) - 1));
            }
        List<String> got = rows.stream().map(c -> c[0].replace("\"", "") + "|" + c[1] + "|" + c[2] + "|" + c[3]).toList();
        assertEquals(expected, got, "one row per emulator layer, mapped to the last teacher layer of its segment");

        for (String[] c : rows) {
            double nmseBefore = Double.parseDouble(c[4]), nmseAfter = Double.parseDouble(c[5]);
            boolean lastOfFedBiOT = c[0].contains("FedBiOT") && c[3].equals("3");
            if (lastOfFedBiOT) {
                assertTrue(nmseBefore > 0.01, "dropping teacher layers moves the output: " + String.join(",", c));
                assertTrue(nmseAfter < nmseBefore, "alignment lowers the held-out output NMSE: " + String.join(",", c));
            }
            if (c[0].contains("FedOT")) assertEquals(0.0, nmseBefore, 1e-9, "FedOT on 5 layers keeps its whole 1-layer window");
        }
    }

    @Test
    void badOptionsAreRefusedByName() {
        Result r = run("study-dropout", "--model", model("stories260K.bin").toString(), "--data", "x.json", "--beta", "1.0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--beta: 1.0 is not in [0, 1)"), r.err());
        Result r2 = run("study-dropout", "--model", model("stories260K.bin").toString(), "--data", "x.json", "--rules", "fedlora");
        assertEquals(2, r2.code());
        assertTrue(r2.err().contains("fedlora has no layer-dropped emulator"), r2.err());
    }
}
