package io.fedbiot.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class RoundFilesTest {
    @TempDir
    Path tmp;

    private static List<RoundRecord> tricky() {
        List<RoundRecord> rs = new java.util.ArrayList<>(ReportFixtures.records());
        // A label that needs CSV quoting, a NaN metric (measured, but NaN), extreme doubles.
        rs.add(new RoundRecord("Fed,\"odd\"\nname", Long.MAX_VALUE, 7, Double.MIN_VALUE, Double.NaN, 1e300,
                Map.of("AdapFu/ppl", Double.NaN, "AdapEmu/ppl", Double.POSITIVE_INFINITY), Long.MAX_VALUE, 0, 0.1 + 0.2, -0.0, 1, 2, Integer.MAX_VALUE, 0, Long.MAX_VALUE));
        // Skipped steps, client and alignment, are columns of their own.
        rs.add(new RoundRecord("FedBiOT", 3, 1, 2.0, 0.5, 0.1, Map.of(), 10, 20, 1e9, 0.2, 1e8, 1.5, 3, 3, 0, 4, 2));
        return rs;
    }

    @Test
    void csvRoundTripIsExact() throws IOException {
        Path f = tmp.resolve("runs/fedbiot-seed1.csv");
        RoundCsv.write(f, tricky());
        assertEquals(tricky(), RoundCsv.read(f));
        String header = Files.readAllLines(f).getFirst();
        assertTrue(header.startsWith("method,seed,round,train_loss,align_nmse,align_kl,bytes_down,bytes_up,client_flops,"), header);
        assertTrue(header.endsWith(",AdapEmu/loss,AdapEmu/ppl,AdapFu/gsm8k_em,AdapFu/loss,AdapFu/ppl"), header);
        assertNoTempFiles(f.getParent());
    }

    @Test
    void clientCsvRoundTripIsExact() throws IOException {
        Path f = tmp.resolve("clients.csv");
        List<ClientRecord> rs = List.of(new ClientRecord("FedBiOT", 3, 0, "0", 20, 1280, 2.75, 0, 14336, 7168),
                new ClientRecord("Fed,\"odd\"", Long.MIN_VALUE, 9, "hospital, east", Long.MAX_VALUE, 0, Double.NaN, 2, 0, Long.MAX_VALUE));
        ClientCsv.write(f, rs);
        assertEquals(rs, ClientCsv.read(f));
        assertEquals("method,seed,round,client,examples,tokens,train_loss,nan_skipped,bytes_down,bytes_up", Files.readAllLines(f).getFirst());
        assertNoTempFiles(tmp);
        Files.writeString(f, "round,client\n0,1\n");
        IOException e = assertThrows(IOException.class, () -> ClientCsv.read(f));
        assertTrue(e.getMessage().contains("clients.csv") && e.getMessage().contains("header"), e.getMessage());
    }

    @Test
    void arrowRoundTripIsExact() throws IOException {
        Path f = tmp.resolve("fedbiot-seed1.arrow");
        RoundArrow.write(f, tricky());
        assertEquals(tricky(), RoundArrow.read(f));
        // An Arrow IPC file starts and ends with the magic "ARROW1".
        byte[] b = Files.readAllBytes(f);
        assertEquals("ARROW1", new String(b, 0, 6, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals("ARROW1", new String(b, b.length - 6, 6, java.nio.charset.StandardCharsets.US_ASCII));
        assertNoTempFiles(tmp);
    }

    @Test
    void emptyRunsRoundTrip() throws IOException {
        RoundCsv.write(tmp.resolve("e.csv"), List.of());
        assertEquals(List.of(), RoundCsv.read(tmp.resolve("e.csv")));
        RoundArrow.write(tmp.resolve("e.arrow"), List.of());
        assertEquals(List.of(), RoundArrow.read(tmp.resolve("e.arrow")));
    }

    @Test
    void rewritingReplacesAtomicallyAndAFailedWriteLeavesTheOldFile() throws IOException {
        Path f = tmp.resolve("r.csv");
        RoundCsv.write(f, ReportFixtures.records().subList(0, 2));
        RoundCsv.write(f, ReportFixtures.records());
        assertEquals(ReportFixtures.records(), RoundCsv.read(f));
        String before = Files.readString(f);
        assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals(before, Files.readString(f));
        assertNoTempFiles(tmp);
    }

    static void assertNoTempFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> tmps = s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
            assertTrue(tmps.isEmpty(), "left behind: " + tmps);
        }
    }
}
