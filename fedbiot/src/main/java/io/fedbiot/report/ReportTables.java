package io.fedbiot.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

import static io.fedbiot.report.MarkdownReport.bytes;
import static io.fedbiot.report.MarkdownReport.fmt;

/** report.md's bytes-on-the-wire and per-client sections, one table per run (method, seed). */
final class ReportTables {
    /** Longer runs show their first and last rounds only (rounds.csv has every one). */
    static final int ALL_ROUNDS_UP_TO = 30, EDGE_ROUNDS = 10;

    private ReportTables() {}

    static String bytesSection(List<RoundRecord> records) {
        Map<String, List<RoundRecord>> runs = runs(records, RoundRecord::method, RoundRecord::seed, RoundRecord::round);
        if (runs.isEmpty()) return "";
        StringBuilder md = new StringBuilder("## Bytes on the wire\n\n");
        md.append("Tensor values only (float32 LoRA and model weights; no alignment padding, no protocol framing). "
                + "Down: server to clients; up: clients to server. The compressed model goes to every client once, "
                + "counted in the first round.\n\n");
        md.append("| method | seed | rounds | compressed model (once) | LoRA down | up | total down | total up |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (List<RoundRecord> run : runs.values()) {
            long pkg = 0, down = 0, up = 0;
            for (RoundRecord r : run) {
                pkg += r.packageBytes();
                down += r.bytesDownTotal();
                up += r.bytesUpTotal();
            }
            RoundRecord first = run.getFirst();
            md.append("| ").append(first.method()).append(" | ").append(first.seed()).append(" | ").append(run.size())
                    .append(" | ").append(exact(pkg)).append(" | ").append(exact(down - pkg)).append(" | ").append(exact(up))
                    .append(" | ").append(exact(down)).append(" | ").append(exact(up)).append(" |\n");
        }
        md.append('\n');
        for (List<RoundRecord> run : runs.values()) {
            RoundRecord first = run.getFirst();
            md.append("### ").append(first.method()).append(", seed ").append(first.seed()).append(", per round\n\n");
            md.append("| round | clients sent / back | down per client | up per client | down this round | up this round "
                    + "| down so far | up so far |\n|---|---|---|---|---|---|---|---|\n");
            long down = 0, up = 0;
            for (int i = 0; i < run.size(); i++) {
                RoundRecord r = run.get(i);
                down += r.bytesDownTotal();
                up += r.bytesUpTotal();
                boolean shown = run.size() <= ALL_ROUNDS_UP_TO || i < EDGE_ROUNDS || i >= run.size() - EDGE_ROUNDS;
                if (!shown) {
                    if (i == EDGE_ROUNDS) md.append("| … | | | | | | | |\n");
                    continue;
                }
                md.append("| ").append(r.round()).append(" | ").append(r.clients()).append(" / ").append(r.updates())
                        .append(" | ").append(bytes(r.bytesDown())).append(" | ").append(bytes(r.bytesUp()))
                        .append(" | ").append(bytes(r.bytesDownTotal())).append(r.packageBytes() > 0 ? " (model included)" : "")
                        .append(" | ").append(bytes(r.bytesUpTotal()))
                        .append(" | ").append(bytes(down)).append(" | ").append(bytes(up)).append(" |\n");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** Each run's last round, one row per client. */
    static String clientsSection(List<ClientRecord> records) {
        Map<String, List<ClientRecord>> runs = runs(records, ClientRecord::method, ClientRecord::seed, ClientRecord::round);
        if (runs.isEmpty()) return "";
        StringBuilder md = new StringBuilder("## Clients in the last round\n\nEvery round's figures are in clients.csv.\n\n");
        for (List<ClientRecord> run : runs.values()) {
            int last = run.stream().mapToInt(ClientRecord::round).max().orElseThrow();
            ClientRecord first = run.getFirst();
            md.append("### ").append(first.method()).append(", seed ").append(first.seed()).append(", round ").append(last).append("\n\n");
            md.append("| client | examples | tokens | train loss | NaN-skipped steps | bytes down | bytes up |\n");
            md.append("|---|---|---|---|---|---|---|\n");
            for (ClientRecord c : run) {
                if (c.round() != last) continue;
                md.append("| ").append(c.client().replace("|", "\\|")).append(" | ").append(c.examples()).append(" | ").append(c.tokens())
                        .append(" | ").append(fmt(c.trainLoss())).append(" | ").append(c.nanSkipped())
                        .append(" | ").append(bytes(c.bytesDown())).append(" | ").append(bytes(c.bytesUp())).append(" |\n");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** "123456 B (120.56 KiB)": the exact count, and readable. */
    static String exact(long b) {
        return b < 1024 ? b + " B" : b + " B (" + bytes(b) + ")";
    }

    /** Records grouped by run in first-seen order, each in round order. */
    private static <R> Map<String, List<R>> runs(List<R> records, Function<R, String> method,
                                                 ToLongFunction<R> seed, ToIntFunction<R> round) {
        Map<String, List<R>> out = new LinkedHashMap<>();
        for (R r : records) out.computeIfAbsent(method.apply(r) + "\u0000" + seed.applyAsLong(r), k -> new ArrayList<>()).add(r);
        out.values().forEach(l -> l.sort(Comparator.comparingInt(round)));
        return out;
    }
}
