package io.fedbiot.report;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** clients.csv: one row per client per round per run, in the quoting of {@link RoundCsv}. */
public final class ClientCsv {
    static final List<String> HEADER = List.of("method", "seed", "round", "client", "examples", "tokens", "train_loss",
            "nan_skipped", "bytes_down", "bytes_up");

    private ClientCsv() {}

    /** Writes all records, replacing {@code file} atomically. */
    public static void write(Path file, List<ClientRecord> records) throws IOException {
        AtomicFiles.write(file, os -> {
            Writer w = new OutputStreamWriter(os, StandardCharsets.UTF_8);
            RoundCsv.line(w, HEADER);
            for (ClientRecord r : records)
                RoundCsv.line(w, List.of(r.method(), Long.toString(r.seed()), Integer.toString(r.round()), r.client(),
                        Long.toString(r.examples()), Long.toString(r.tokens()), Double.isNaN(r.trainLoss()) ? "" : Double.toString(r.trainLoss()),
                        Integer.toString(r.nanSkipped()), Long.toString(r.bytesDown()), Long.toString(r.bytesUp())));
            w.flush();
        });
    }

    public static List<ClientRecord> read(Path file) throws IOException {
        List<List<String>> rows = RoundCsv.parse(Files.readString(file, StandardCharsets.UTF_8));
        if (rows.isEmpty() || !rows.getFirst().equals(HEADER))
            throw new IOException(file + ": not a clients CSV; expected the header " + String.join(",", HEADER));
        List<ClientRecord> out = new ArrayList<>();
        for (int i = 1; i < rows.size(); i++) {
            List<String> c = rows.get(i);
            if (c.size() != HEADER.size()) throw new IOException(file + ": row " + i + " has " + c.size() + " cells, header " + HEADER.size());
            out.add(new ClientRecord(c.get(0), Long.parseLong(c.get(1)), Integer.parseInt(c.get(2)), c.get(3), Long.parseLong(c.get(4)),
                    Long.parseLong(c.get(5)), c.get(6).isEmpty() ? Double.NaN : Double.parseDouble(c.get(6)), Integer.parseInt(c.get(7)),
                    Long.parseLong(c.get(8)), Long.parseLong(c.get(9))));
        }
        return out;
    }
}
