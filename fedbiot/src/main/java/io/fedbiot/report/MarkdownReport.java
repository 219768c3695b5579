package io.fedbiot.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * report.md for several methods' runs: per metric, AdapEmu and AdapFu at their best round (by
 * validation loss, {@link BestRounds}; the final round when a run has none) and final round (mean ± sample std over seeds when there are several) against the untuned model; the
 * final training and alignment losses; the per-round costs; and the plots beside it.
 */
public final class MarkdownReport {
    private MarkdownReport() {}

    /**
     * Everything a report is built from.
     *
     * @param clients     per-client records (clients.csv); empty for none
     * @param untuned     the untuned model's metrics by the same keys ("AdapFu/public_loss", ...); empty for none
     * @param layers      per-emulator-layer NMSE/KL (before alignment, after the last round); empty for none
     * @param environment where the run ran; null leaves the section out
     * @param sizes       the training rows per client; null leaves the line out
     */
    public record Inputs(List<RoundRecord> records, List<ClientRecord> clients, Map<String, Double> untuned,
                         List<LayerTable.Group> layers, RunEnvironment environment, ClientSizes sizes) {
        public Inputs(List<RoundRecord> records, List<ClientRecord> clients, Map<String, Double> untuned,
                      List<LayerTable.Group> layers, RunEnvironment environment) {
            this(records, clients, untuned, layers, environment, null);
        }
    }

    /**
     * Writes {@code dir/report.md} and its PNGs.
     *
     * @param untuned the untuned model's metrics by the same keys ("AdapEmu/loss", ...); empty for none
     */
    public static Path write(Path dir, List<RoundRecord> records, Map<String, Double> untuned) throws IOException {
        return write(dir, new Inputs(records, List.of(), untuned, List.of(), null));
    }

    /** As above, with a section of per-emulator-layer NMSE/KL (before alignment, after the last round) when {@code layers} is not empty. */
    public static Path write(Path dir, List<RoundRecord> records, Map<String, Double> untuned, List<LayerTable.Group> layers)
            throws IOException {
        return write(dir, new Inputs(records, List.of(), untuned, layers, null));
    }

    public static Path write(Path dir, Inputs in) throws IOException {
        List<RoundRecord> records = in.records();
        Map<String, Double> untuned = in.untuned();
        List<LayerTable.Group> layers = in.layers();
        List<String> methods = Plots.methods(records);
        TreeSet<String> metrics = new TreeSet<>();
        for (RoundRecord r : records) for (String k : r.eval().keySet()) metrics.add(metricOf(k));
        for (String k : untuned.keySet()) metrics.add(metricOf(k));

        StringBuilder md = new StringBuilder("# FedBiOT4J report\n\n");
        RunStatus status = RunStatus.read(dir);
        String unfinished = status == null ? null : status.unfinishedNote();
        if (unfinished != null) md.append("**This run ").append(unfinished).append("**: the tables cover the rounds that finished.\n\n");
        md.append("Methods: ").append(String.join(", ", methods)).append(". Seeds per method: ");
        List<String> seedCounts = new ArrayList<>();
        for (String m : methods) seedCounts.add(m + " " + seeds(records, m).size());
        md.append(String.join(", ", seedCounts)).append(". Values are mean ± std over seeds where there are several.\n\n");
        if (in.sizes() != null) md.append("Clients: ").append(in.sizes().line()).append(".\n\n");

        md.append("## Quality\n\n");
        md.append(bestRoundSection(records, methods));
        for (String metric : metrics) qualityTable(md, metric, records, methods, untuned);

        md.append("## Training\n\n");
        md.append("| method | final train loss | final alignment NMSE | final alignment KL | skipped steps: client / alignment |\n|---|---|---|---|---|\n");
        for (String m : methods) {
            md.append("| ").append(m).append(" | ").append(finalOf(records, m, RoundRecord::trainLoss)).append(" | ")
                    .append(finalOf(records, m, RoundRecord::alignNmse)).append(" | ")
                    .append(finalOf(records, m, RoundRecord::alignKl)).append(" | ")
                    .append(sum(records, m, RoundRecord::nanSkipped)).append(" / ").append(sum(records, m, RoundRecord::alignNanSkipped)).append(" |\n");
        }
        md.append("\nSkipped steps had a non-finite loss or gradient and changed nothing; summed over rounds and seeds.\n");
        md.append('\n');

        md.append("## Cost per round\n\n");
        md.append("| method | bytes down per client | bytes up per client | client FLOPs | server alignment s | server alignment FLOPs | wall s |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (String m : methods) {
            md.append("| ").append(m)
                    .append(" | ").append(bytes(mean(records, m, r -> r.bytesDown())))
                    .append(" | ").append(bytes(mean(records, m, r -> r.bytesUp())))
                    .append(" | ").append(sci(mean(records, m, RoundRecord::clientFlops)))
                    .append(" | ").append(fmt(mean(records, m, RoundRecord::serverAlignSeconds)))
                    .append(" | ").append(sci(mean(records, m, RoundRecord::serverAlignFlops)))
                    .append(" | ").append(fmt(mean(records, m, RoundRecord::wallSeconds))).append(" |\n");
        }
        md.append('\n');

        md.append(ReportTables.bytesSection(records));
        md.append(ReportTables.clientsSection(in.clients()));

        if (!layers.isEmpty()) {
            String before = "before alignment", after = "after the last round";
            md.append("## Emulator layers\n\nOn the public held-out split: the fresh adapter before pre-alignment, and the "
                    + "final adapter and emulator after the last round.\n\n").append(LayerTable.markdown(layers, before, after));
            LayerPlot.write(layers, before, after, dir.resolve("emulator_layers.png"), Plots.colours(methods));
            md.append("\n![per-layer NMSE and KL of the emulator](emulator_layers.png)\n\n");
        }

        md.append("## Plots\n\n");
        Plots.trainLoss(records, dir.resolve("train_loss.png"));
        md.append("![training loss per round](train_loss.png)\n\n");
        for (String metric : metrics) {
            String png = "eval_" + metric.replaceAll("[^A-Za-z0-9_.-]", "_") + ".png";
            Plots.metric(records, metric, untuned, dir.resolve(png));
            md.append("![").append(Plots.displayMetric(metric)).append(" per round](").append(png).append(")\n\n");
        }
        if (in.environment() != null) md.append(in.environment().markdown());
        Path report = dir.resolve("report.md");
        AtomicFiles.write(report, out -> out.write(md.toString().getBytes(StandardCharsets.UTF_8)));
        return report;
    }

    private static void qualityTable(StringBuilder md, String metric, List<RoundRecord> records, List<String> methods,
                                     Map<String, Double> untuned) {
        boolean lower = lowerIsBetter(metric);
        LinkedHashSet<String> variants = new LinkedHashSet<>();
        for (String v : List.of("AdapEmu", "AdapFu")) variants.add(v);
        TreeSet<String> others = new TreeSet<>();
        for (RoundRecord r : records) for (String k : r.eval().keySet()) if (metricOf(k).equals(metric)) others.add(variantOf(k));
        variants.addAll(others);
        List<String> present = variants.stream().filter(v -> others.contains(v) || untuned.containsKey(key(v, metric))).toList();

        String name = Plots.displayMetric(metric);
        md.append("### ").append(name.equals(metric) ? metric : name + " (`" + metric + "`)").append(lower ? " (lower is better)" : " (higher is better)").append("\n\n| method |");
        for (String v : present) md.append(' ').append(v).append(" best | ").append(v).append(" final |");
        boolean gap = present.contains("AdapEmu") && present.contains("AdapFu");
        if (gap) md.append(" AdapFu − AdapEmu (final) |");
        md.append("\n|---|").append("---|---|".repeat(present.size())).append(gap ? "---|" : "").append('\n');
        if (!untuned.isEmpty()) {
            md.append("| untuned |");
            for (String v : present) {
                String u = fmt(untuned.getOrDefault(key(v, metric), Double.NaN));
                md.append(' ').append(u).append(" | ").append(u).append(" |");
            }
            if (gap) md.append(' ').append(fmt(untuned.getOrDefault(key("AdapFu", metric), Double.NaN)
                    - untuned.getOrDefault(key("AdapEmu", metric), Double.NaN))).append(" |");
            md.append('\n');
        }
        for (String m : methods) {
            md.append("| ").append(m).append(" |");
            double[] finals = new double[2];
            for (String v : present) {
                String k = key(v, metric);
                List<Double> best = new ArrayList<>(), fin = new ArrayList<>();
                for (long seed : seeds(records, m)) {
                    List<RoundRecord> run = run(records, m, seed).stream().filter(r -> Double.isFinite(r.metric(k))).toList();
                    if (run.isEmpty()) continue;
                    RoundRecord chosen = BestRounds.best(run(records, m, seed));
                    if (chosen == null) chosen = run.getLast();
                    if (Double.isFinite(chosen.metric(k))) best.add(chosen.metric(k)); // by validation, never by this metric
                    fin.add(run.getLast().metric(k));
                }
                md.append(' ').append(meanStd(best)).append(" | ").append(meanStd(fin)).append(" |");
                if (v.equals("AdapEmu")) finals[0] = mean(fin);
                if (v.equals("AdapFu")) finals[1] = mean(fin);
            }
            if (gap) md.append(' ').append(fmt(finals[1] - finals[0])).append(" |");
            md.append('\n');
        }
        md.append('\n');
    }

    /** The round each run's best values come from, and the rule. */
    private static String bestRoundSection(List<RoundRecord> records, List<String> methods) {
        StringBuilder md = new StringBuilder("\"best\" is each run's round with the lowest AdapFu loss on the validation rows (`")
                .append(BestRounds.KEY).append("`, disjoint from the test rows every other metric is on); its adapter is in "
                        + "`METHOD-seedS/best`, the last round's in `METHOD-seedS/final`. A run without validation rows reports its final round.\n\n"
                        + "| method | seed | best round | final round |\n|---|---|---|---|\n");
        for (String m : methods)
            for (long seed : seeds(records, m)) {
                List<RoundRecord> run = run(records, m, seed);
                RoundRecord b = BestRounds.best(run);
                md.append("| ").append(m).append(" | ").append(seed).append(" | ").append(b == null ? "– (no validation)" : Integer.toString(b.round()))
                        .append(" | ").append(run.getLast().round()).append(" |\n");
            }
        return md.append('\n').toString();
    }

    /** "AdapFu/gsm8k_em" -> "gsm8k_em"; a key without a variant is its own metric. */
    static String metricOf(String key) {
        int s = key.indexOf('/');
        return s < 0 ? key : key.substring(s + 1);
    }

    static String variantOf(String key) {
        int s = key.indexOf('/');
        return s < 0 ? "" : key.substring(0, s);
    }

    private static String key(String variant, String metric) {
        return variant.isEmpty() ? metric : variant + "/" + metric;
    }

    static boolean lowerIsBetter(String metric) {
        String m = metric.toLowerCase(Locale.ROOT);
        return m.contains("loss") || m.contains("ppl") || m.contains("perplexity") || m.contains("nmse") || m.contains("kl");
    }

    private static TreeSet<Long> seeds(List<RoundRecord> records, String method) {
        TreeSet<Long> s = new TreeSet<>();
        for (RoundRecord r : records) if (r.method().equals(method)) s.add(r.seed());
        return s;
    }

    /** One run's records in round order. */
    private static List<RoundRecord> run(List<RoundRecord> records, String method, long seed) {
        return records.stream().filter(r -> r.method().equals(method) && r.seed() == seed)
                .sorted(Comparator.comparingInt(RoundRecord::round)).toList();
    }

    /** Mean ± std over seeds of each run's last finite value. */
    private static String finalOf(List<RoundRecord> records, String method, ToDoubleFunction<RoundRecord> f) {
        List<Double> fin = new ArrayList<>();
        for (long seed : seeds(records, method)) {
            List<RoundRecord> run = run(records, method, seed).stream().filter(r -> Double.isFinite(f.applyAsDouble(r))).toList();
            if (!run.isEmpty()) fin.add(f.applyAsDouble(run.getLast()));
        }
        return meanStd(fin);
    }

    private static long sum(List<RoundRecord> records, String method, java.util.function.ToIntFunction<RoundRecord> f) {
        return records.stream().filter(r -> r.method().equals(method)).mapToLong(f::applyAsInt).sum();
    }

    /** Mean over all of a method's rounds and seeds, NaNs left out. */
    private static double mean(List<RoundRecord> records, String method, ToDoubleFunction<RoundRecord> f) {
        List<Double> xs = new ArrayList<>();
        for (RoundRecord r : records) {
            double v = f.applyAsDouble(r);
            if (r.method().equals(method) && Double.isFinite(v)) xs.add(v);
        }
        return mean(xs);
    }

    private static double mean(List<Double> xs) {
        return xs.isEmpty() ? Double.NaN : xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    /** "m" for one value, "m ± s" (sample std) for several, "–" for none. */
    static String meanStd(List<Double> xs) {
        if (xs.isEmpty()) return "–";
        double m = mean(xs);
        if (xs.size() == 1) return fmt(m);
        double ss = 0;
        for (double x : xs) ss += (x - m) * (x - m);
        return fmt(m) + " ± " + fmt(Math.sqrt(ss / (xs.size() - 1)));
    }

    /** Four significant digits. */
    static String fmt(double v) {
        if (!Double.isFinite(v)) return "–";
        if (v == 0) return "0";
        return String.format(Locale.ROOT, "%.4g", v);
    }

    static String sci(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3e", v) : "–";
    }

    /** Binary units: 512 B, 1.50 KiB, 2.00 MiB. */
    static String bytes(double v) {
        if (!Double.isFinite(v)) return "–";
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", v) : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
