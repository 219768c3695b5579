package io.fedbiot.report;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Round records as CSV (RFC 4180 quoting), one file per run: the fixed columns, then one column
 * per evaluation metric. An empty cell is NaN for a fixed column and "not measured" for a metric.
 */
public final class RoundCsv {
    static final List<String> FIXED = List.of("method", "seed", "round", "train_loss", "align_nmse", "align_kl",
            "bytes_down", "bytes_up", "client_flops", "server_align_seconds", "server_align_flops", "wall_seconds",
            "clients", "updates", "package_bytes", "nan_skipped", "align_nan_skipped");

    private RoundCsv() {}

    /** Writes all records, replacing {@code file} atomically. */
    public static void write(Path file, List<RoundRecord> records) throws IOException {
        List<String> metrics = metricNames(records);
        AtomicFiles.write(file, os -> {
            Writer w = new OutputStreamWriter(os, StandardCharsets.UTF_8);
            List<String> header = new ArrayList<>(FIXED);
            header.addAll(metrics);
            line(w, header);
            for (RoundRecord r : records) {
                List<String> row = new ArrayList<>(List.of(r.method(), Long.toString(r.seed()), Integer.toString(r.round()),
                        num(r.trainLoss()), num(r.alignNmse()), num(r.alignKl()), Long.toString(r.bytesDown()),
                        Long.toString(r.bytesUp()), num(r.clientFlops()), num(r.serverAlignSeconds()),
                        num(r.serverAlignFlops()), num(r.wallSeconds()), Integer.toString(r.clients()),
                        Integer.toString(r.updates()), Long.toString(r.packageBytes()), Integer.toString(r.nanSkipped()),
                        Integer.toString(r.alignNanSkipped())));
                for (String m : metrics) {
                    Double v = r.eval().get(m);
                    row.add(v == null ? "" : Double.toString(v));
                }
                line(w, row);
            }
            w.flush();
        });
    }

    public static List<RoundRecord> read(Path file) throws IOException {
        List<List<String>> rows = parse(Files.readString(file, StandardCharsets.UTF_8));
        if (rows.isEmpty()) throw new IOException(file + ": empty, no header");
        List<String> header = rows.getFirst();
        if (header.size() < FIXED.size() || !header.subList(0, FIXED.size()).equals(FIXED))
            throw new IOException(file + ": not a round-record CSV; header " + header);
        List<RoundRecord> out = new ArrayList<>();
        for (int i = 1; i < rows.size(); i++) {
            List<String> c = rows.get(i);
            if (c.size() != header.size()) throw new IOException(file + ": row " + i + " has " + c.size() + " cells, header " + header.size());
            Map<String, Double> eval = new LinkedHashMap<>();
            for (int j = FIXED.size(); j < c.size(); j++) if (!c.get(j).isEmpty()) eval.put(header.get(j), Double.parseDouble(c.get(j)));
            out.add(new RoundRecord(c.get(0), Long.parseLong(c.get(1)), Integer.parseInt(c.get(2)), dbl(c.get(3)), dbl(c.get(4)),
                    dbl(c.get(5)), eval, Long.parseLong(c.get(6)), Long.parseLong(c.get(7)), dbl(c.get(8)), dbl(c.get(9)),
                    dbl(c.get(10)), dbl(c.get(11)), Integer.parseInt(c.get(12)), Integer.parseInt(c.get(13)),
                    Long.parseLong(c.get(14)), Integer.parseInt(c.get(15)), Integer.parseInt(c.get(16))));
        }
        return out;
    }

    static List<String> metricNames(List<RoundRecord> records) {
        TreeSet<String> names = new TreeSet<>();
        for (RoundRecord r : records) names.addAll(r.eval().keySet());
        return List.copyOf(names);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static double dbl(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    static void line(Writer w, List<String> cells) throws IOException {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) w.write(',');
            String c = cells.get(i);
            if (c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0)
                c = '"' + c.replace("\"", "\"\"") + '"';
            w.write(c);
        }
        w.write('\n');
    }

    /** Rows of cells; quoted cells may hold commas, quotes ("") and newlines. */
    static List<List<String>> parse(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false, any = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            any = true;
            if (quoted) {
                if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (ch == '"') quoted = false;
                else cell.append(ch);
            } else if (ch == '"') quoted = true;
            else if (ch == ',') {
                row.add(cell.toString());
                cell.setLength(0);
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                row.add(cell.toString());
                cell.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                any = false;
            } else cell.append(ch);
        }
        if (any) {
            row.add(cell.toString());
            rows.add(row);
        }
        return rows;
    }
}
