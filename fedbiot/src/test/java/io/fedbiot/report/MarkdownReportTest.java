package io.fedbiot.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MarkdownReportTest {
    @TempDir
    Path tmp;

    @Test
    void qualityTrainingAndCostTablesCarryTheRightNumbers() throws IOException {
        Path report = MarkdownReport.write(tmp, ReportFixtures.records(),
                Map.of("AdapEmu/loss", 6.0, "AdapFu/loss", 5.0, "AdapFu/gsm8k_em", 0.125));
        String md = Files.readString(report);

        // The fixtures have no validation loss, so "best" is the final round (BestRoundsTest has the choice by validation).
        // loss: lower is better. FedBiOT AdapFu final {1.0, 4.0} -> 2.5 ± 2.121; AdapEmu final {2.25, 3.75} -> 3 ± 1.061. Gap -0.5.
        assertTrue(md.contains("### loss (lower is better)"), md);
        assertTrue(md.contains("| method | AdapEmu best | AdapEmu final | AdapFu best | AdapFu final | AdapFu − AdapEmu (final) |"), md);
        assertTrue(md.contains("| untuned | 6.000 | 6.000 | 5.000 | 5.000 | -1.000 |"), md);
        assertTrue(md.contains("| FedBiOT | 3.000 ± 1.061 | 3.000 ± 1.061 | 2.500 ± 2.121 | 2.500 ± 2.121 | -0.5000 |"), md);
        // One seed: plain values. FedOT AdapEmu {4.5, 4.0}, AdapFu {4.25, 4.5}.
        assertTrue(md.contains("| FedOT | 4.000 | 4.000 | 4.500 | 4.500 | 0.5000 |"), md);

        // gsm8k_em: higher is better, AdapFu only. Final {0.5, 0.5} -> 0.5 ± 0.
        assertTrue(md.contains("### GSM8K exact match (`gsm8k_em`) (higher is better)"), md);
        assertTrue(md.contains("| method | AdapFu best | AdapFu final |"), md);
        assertTrue(md.contains("| untuned | 0.1250 | 0.1250 |"), md);
        assertTrue(md.contains("| FedBiOT | 0.5000 ± 0 | 0.5000 ± 0 |"), md);
        assertTrue(md.contains("| FedOT | – | – |"), md);

        // Final train loss {1.0, 2.0}, NMSE {0.3, 0.1}, KL {0.05, 0.1}; FedOT has no alignment.
        assertTrue(md.contains("| FedBiOT | 1.500 ± 0.7071 | 0.2000 ± 0.1414 | 0.07500 ± 0.03536 |"), md);
        assertTrue(md.contains("| FedOT | 4.500 | – | – |"), md);

        assertTrue(md.contains("| FedBiOT | 1.00 MiB | 512.00 KiB | 1.000e+12 | 2.000 | 5.000e+12 | 4.000 |"), md);
        assertTrue(md.contains("| FedOT | 4.00 KiB | 2.00 KiB | 3.000e+12 | 0 | 0.000e+00 | 11.00 |"), md);

        for (String png : List.of("train_loss.png", "eval_loss.png", "eval_gsm8k_em.png")) {
            assertTrue(md.contains("](" + png + ")"), png + " not embedded");
            BufferedImage img = ImageIO.read(tmp.resolve(png).toFile());
            assertNotNull(img, png + " is not a readable image");
            assertTrue(img.getWidth() > 0 && img.getHeight() > 0);
        }
        RoundFilesTest.assertNoTempFiles(tmp);
    }

    @Test
    void bytesTablesCountEveryClientAndTheModelOnce() throws IOException {
        String md = Files.readString(MarkdownReport.write(tmp, ReportFixtures.records(), Map.of()));
        // FedBiOT seed 1, rounds 0..2: 3 clients × 1 MiB down and 2 × 512 KiB up per round, the 3000 B model in round 0.
        // LoRA down 3 · 3 · 1048576 = 9437184; total down 9440184; up 3 · 2 · 524288 = 3145728.
        assertTrue(md.contains("| FedBiOT | 1 | 3 | 3000 B (2.93 KiB) | 9437184 B (9.00 MiB) | 3145728 B (3.00 MiB) "
                + "| 9440184 B (9.00 MiB) | 3145728 B (3.00 MiB) |"), md);
        // FedOT: 2 rounds, one client, 4096 down and 2048 up each, no model package.
        assertTrue(md.contains("| FedOT | 1 | 2 | 0 B | 8192 B (8.00 KiB) | 4096 B (4.00 KiB) | 8192 B (8.00 KiB) | 4096 B (4.00 KiB) |"), md);
        // Per round: round 0 down 3145728 + 3000 = 3148728 B = 3.003 MiB; cumulative after round 1: 6294456 B = 6.003 MiB.
        assertTrue(md.contains("| 0 | 3 / 2 | 1.00 MiB | 512.00 KiB | 3.00 MiB (model included) | 1.00 MiB | 3.00 MiB | 1.00 MiB |"), md);
        assertTrue(md.contains("| 1 | 3 / 2 | 1.00 MiB | 512.00 KiB | 3.00 MiB | 1.00 MiB | 6.00 MiB | 2.00 MiB |"), md);
        assertTrue(md.contains("### FedOT, seed 1, per round"), md);
        assertFalse(md.contains("## Clients in the last round"), "no client records, no section");
        assertFalse(md.contains("## Environment"), "no environment, no section");
    }

    @Test
    void clientTableShowsTheLastRoundAndTheEnvironmentSectionFollows() throws IOException {
        List<ClientRecord> clients = List.of(
                new ClientRecord("FedBiOT", 1, 1, "alice", 10, 640, 2.5, 0, 4096, 2048),
                new ClientRecord("FedBiOT", 1, 2, "alice", 12, 700, 1.25, 1, 4096, 2048),
                new ClientRecord("FedBiOT", 1, 2, "b|ob", 8, 500, Double.NaN, 3, 4096, 2048));
        RunEnvironment env = new RunEnvironment("model: m.bin\nrounds: 3\n", "native", "Some CPU", "native kernels run avx2",
                List.of("AVX2", "FMA"), null, "0123456789abcdef0123456789abcdef01234567", "25 (Vendor)", 8);
        String md = Files.readString(MarkdownReport.write(tmp, new MarkdownReport.Inputs(ReportFixtures.records(), clients, Map.of(),
                List.of(), env)));
        assertTrue(md.contains("### FedBiOT, seed 1, round 2"), md);
        assertTrue(md.contains("| alice | 12 | 700 | 1.250 | 1 | 4.00 KiB | 2.00 KiB |"), md);
        assertTrue(md.contains("| b\\|ob | 8 | 500 | – | 3 | 4.00 KiB | 2.00 KiB |"), md);
        assertFalse(md.contains("| alice | 10 |"), "round 1 is not the last round");
        assertTrue(md.contains("| backend | native |"), md);
        assertTrue(md.contains("| SIMD | AVX2, FMA; native kernels run avx2 |"), md);
        assertTrue(md.contains("```yaml\nmodel: m.bin\nrounds: 3\n```"), md);
        assertFalse(md.contains("| GPU |"), "no GPU line off the cuda backend");
    }

    @Test
    void noBaselineAndOneMethod() throws IOException {
        List<RoundRecord> fedot = ReportFixtures.records().stream().filter(r -> r.method().equals("FedOT")).toList();
        String md = Files.readString(MarkdownReport.write(tmp, fedot, Map.of()));
        assertFalse(md.contains("untuned"), md);
        assertTrue(md.contains("| FedOT | 4.000 | 4.000 | 4.500 | 4.500 | 0.5000 |"), md);
    }

    @Test
    void formatting() {
        assertEquals("–", MarkdownReport.meanStd(List.of()));
        assertEquals("2.000", MarkdownReport.meanStd(List.of(2.0)));
        assertEquals("512 B", MarkdownReport.bytes(512));
        assertEquals("1.50 KiB", MarkdownReport.bytes(1536));
        assertTrue(MarkdownReport.lowerIsBetter("ppl"));
        assertFalse(MarkdownReport.lowerIsBetter("gsm8k_em"));
    }
}
