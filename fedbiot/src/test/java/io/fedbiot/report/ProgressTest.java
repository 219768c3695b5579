package io.fedbiot.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** Progress on a fake clock: what the ticker draws and what close writes. */
class ProgressTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(42 * SECOND);
    private final List<String> lines = new ArrayList<>();

    @Test
    void theFinalLineIsWrittenOnceAt100Percent() {
        Progress p = Progress.manual("rounds", "rounds", 4, clock::get, lines::add);
        for (int i = 0; i < 4; i++) {
            clock.addAndGet(2 * SECOND);
            p.step();
            p.tick();
            p.tick();
        }
        p.close();
        p.close();
        assertEquals(4, lines.size(), "three in-progress lines, then the final one: " + lines);
        assertEquals(1, lines.stream().filter(l -> l.contains("100%")).count(), lines.toString());
        assertEquals("rounds 4/4 100% | 30.00 rounds/min | ETA 0:00", lines.getLast()); // 4 in 8 s
        p.tick();
        assertEquals(4, lines.size(), "nothing after close");
    }

    /** A run that fails on its input before its first round: the error is the only line. */
    @Test
    void closedBeforeCountingOrDrawingItWritesNothing() {
        Progress p = Progress.manual("rounds", "rounds", 4, clock::get, lines::add);
        clock.addAndGet(SECOND);
        p.close();
        assertEquals(List.of(), lines);
        Progress shown = Progress.manual("rounds", "rounds", 4, clock::get, lines::add);
        shown.tick();
        shown.close();
        assertEquals(2, lines.size(), "once drawn, close writes the final state: " + lines);
    }

    @Test
    void plainLinesOnlyWhenSomethingChanged() {
        Progress p = Progress.manual("steps", "steps", 10, clock::get, lines::add);
        p.tick();
        clock.addAndGet(10 * SECOND);
        p.tick();
        assertEquals(1, lines.size(), "same count and status: one line " + lines);
        p.status("loss 2.0");
        p.tick();
        p.step();
        p.tick();
        assertEquals(3, lines.size(), lines.toString());
        assertEquals("steps 1/10 10% | 6.00 steps/min | ETA 1:30 | loss 2.0", lines.getLast());
    }

    @Test
    void rateAndEtaStandApartFromTheStatus() {
        Progress p = Progress.manual("rounds", "rounds", 10, clock::get, lines::add);
        clock.addAndGet(SECOND);
        p.stepBy(2);
        p.status("fedbiot seed 1 loss 0.7500");
        p.close();
        assertEquals(List.of("rounds 2/10 20% | 2.00 rounds/s | ETA 0:04 | fedbiot seed 1 loss 0.7500"), lines);
    }

    @Test
    void onATerminalItRedrawsInPlaceAndEndsTheLineOnce() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Progress p = Progress.manualTerminal("eval", "rows", 2, clock::get, new PrintStream(buf, true, StandardCharsets.UTF_8), 80);
        p.status("a long status");
        p.tick();
        p.tick();
        p.status("");
        p.step();
        clock.addAndGet(SECOND);
        p.step();
        p.tick(); // finished: left to close
        p.close();
        String s = buf.toString(StandardCharsets.UTF_8);
        String first = "eval 0/2 0% | -- rows/s | ETA --:-- | a long status", last = "eval 2/2 100% | 2.00 rows/s | ETA 0:00";
        // The finished line blanks what is left of the longer one before it.
        assertEquals("\r" + first + "\r" + first + "\r" + last + " ".repeat(first.length() - last.length()) + "\n", s);
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), s);
        assertEquals(1, s.split("100%", -1).length - 1, s);
    }

    @Test
    void onATerminalLogLinesGoAboveTheProgressLine() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Progress p = Progress.manualTerminal("rounds", "rounds", 3, clock::get, err, 80);
        p.above(() -> err.print("before any draw\n"));
        p.tick();
        p.above(() -> err.print("round 0 done\n"));
        p.close();
        p.above(() -> err.print("after close\n"));
        String line = "rounds 0/3 0% | -- rounds/s | ETA --:--", blank = " ".repeat(line.length());
        assertEquals("before any draw\n\r" + line + "\r" + blank + "\rround 0 done\n\r" + line + "\r" + line + "\nafter close\n",
                buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutATerminalLogLinesArePrintedAsTheyAre() {
        Progress p = Progress.manual("rounds", "rounds", 3, clock::get, lines::add);
        p.tick();
        p.above(() -> lines.add("log"));
        p.close();
        assertEquals(List.of("rounds 0/3 0% | -- rounds/s | ETA --:--", "log", "rounds 0/3 0% | -- rounds/s | ETA --:--"), lines);
    }

    @Test
    @Timeout(10)
    void quietWritesNothing() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(buf, true, StandardCharsets.UTF_8);
        for (boolean terminal : new boolean[]{false, true}) {
            try (Progress p = Progress.start("rounds", "rounds", 5, true, err, terminal)) {
                assertTrue(p.quiet());
                for (int i = 0; i < 5; i++) p.step();
                p.status("loss 1.0");
                p.tick();
                assertEquals(5, p.current());
            }
        }
        assertEquals("", buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(10)
    void withTheTickerThePlainModeEndsWithOneFinalLine() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (Progress p = Progress.start("steps", "steps", 3, false, new PrintStream(buf, true, StandardCharsets.UTF_8), false)) {
            assertFalse(p.quiet());
            p.stepBy(3);
            p.status("done");
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("steps 3/3 100% | ") && out.endsWith(" | done" + System.lineSeparator()), out);
        assertFalse(out.contains("\r"), "no carriage returns in logs: " + out);
        // Whatever this JVM's stderr is (no TTY under Maven), the real entry point must not throw or hang.
        try (Progress p = Progress.start("real", 1, false)) {
            p.step();
        }
    }
}
