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

        // loss: lower is better. FedBiOT AdapFu best {1.0, 3.0} -> 2 ± 1.414; final {1.0, 4.0} -> 2.5 ± 2.121.
        // AdapEmu best {2.25, 3.5} -> 2.875 ± 0.8839; final {2.25, 3.75} -> 3 ± 1.061. Gap 2.5 - 3 = -0.5.
        assertTrue(md.contains("### loss (lower is better)"), md);
        assertTrue(md.contains("| method | AdapEmu best | AdapEmu final | AdapFu best | AdapFu final | AdapFu − AdapEmu (final) |"), md);
        assertTrue(md.contains("| untuned | 6.000 | 6.000 | 5.000 | 5.000 | -1.000 |"), md);
        assertTrue(md.contains("| FedBiOT | 2.875 ± 0.8839 | 3.000 ± 1.061 | 2.000 ± 1.414 | 2.500 ± 2.121 | -0.5000 |"), md);
        // One seed: plain values. FedOT AdapEmu {4.5, 4.0}, AdapFu {4.25, 4.5}.
        assertTrue(md.contains("| FedOT | 4.000 | 4.000 | 4.250 | 4.500 | 0.5000 |"), md);

        // gsm8k_em: higher is better, AdapFu only. Best {0.5, 0.75} -> 0.625 ± 0.1768; final {0.5, 0.5} -> 0.5 ± 0.
        assertTrue(md.contains("### gsm8k_em (higher is better)"), md);
        assertTrue(md.contains("| method | AdapFu best | AdapFu final |"), md);
        assertTrue(md.contains("| untuned | 0.1250 | 0.1250 |"), md);
        assertTrue(md.contains("| FedBiOT | 0.6250 ± 0.1768 | 0.5000 ± 0 |"), md);
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
    void noBaselineAndOneMethod() throws IOException {
        List<RoundRecord> fedot = ReportFixtures.records().stream().filter(r -> r.method().equals("FedOT")).toList();
        String md = Files.readString(MarkdownReport.write(tmp, fedot, Map.of()));
        assertFalse(md.contains("untuned"), md);
        assertTrue(md.contains("| FedOT | 4.000 | 4.000 | 4.250 | 4.500 | 0.5000 |"), md);
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
