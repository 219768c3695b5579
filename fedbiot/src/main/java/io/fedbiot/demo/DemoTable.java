package io.fedbiot.demo;

import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.method.Experiment;
import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.method.Split;
import io.fedbiot.report.RoundRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The demo's table: per method (in the config's order, first seed) how the model is cut, what a
 * client holds and moves, and the final round's exact match and held-out loss, under the untuned
 * model's row. Bytes come from the run's own records (what FederatedRun counted), not recomputed.
 */
public final class DemoTable {
    /** What the columns mean, for report.md and docs/DEMO.md. */
    public static final String LEGEND = "Layers are base-layer indices. A client holds the compressed model's base weights "
            + "(float32; its LoRA comes on top), shown as parameters and as a share of the full model; it downloads them once, "
            + "then LoRA each round (FedBiOT: adapter and emulator LoRA), and uploads its adapter LoRA each round. "
            + "Exact match and loss are the last round's, on the held-out task rows.";

    static final String HEADER = "| method | adapter layers | emulator keeps | dropped | client holds | download once "
            + "| down / round | up / round | AdapEmu exact match | AdapFu exact match | AdapFu held-out loss |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|\n";

    private DemoTable() {}

    public static String of(Experiment.Result r, ExperimentConfig cfg, LlamaConfig model) {
        String em = Experiment.EXACT_MATCH;
        long seed = cfg.seeds().getFirst();
        long full = model.parameterCount();
        StringBuilder t = new StringBuilder(HEADER);
        Map<String, Double> u = r.untuned();
        t.append("| untuned full model | – | – | – | – | – | – | – | – | ")
                .append(pct(u.getOrDefault("AdapFu/" + em, Double.NaN))).append(" | ")
                .append(loss(u.getOrDefault("AdapFu/client_loss", Double.NaN))).append(" |\n");
        for (ExperimentConfig.MethodSpec m : cfg.methodSpecs()) {
            List<RoundRecord> mine = r.records().stream().filter(x -> x.method().equals(m.label()) && x.seed() == seed).toList();
            if (mine.isEmpty()) continue;
            Split s = ExperimentConfig.split(m, model.nLayers());
            RoundRecord first = mine.getFirst(), last = mine.getLast();
            long pkg = first.clients() == 0 ? 0 : first.packageBytes() / first.clients(); // every client gets the same package
            t.append("| ").append(name(m)).append(" | ").append(ranges(s.adapter())).append(" | ")
                    .append(s.hasEmulator() ? ranges(s.kept()) : "–").append(" | ")
                    .append(s.dropped().length == 0 ? "none" : s.dropped().length + ": " + ranges(s.dropped())).append(" | ")
                    .append(params(pkg / 4, full)).append(" | ").append(bytes(pkg)).append(" | ").append(bytes(last.bytesDown()))
                    .append(" | ").append(bytes(last.bytesUp())).append(" | ").append(pct(last.metric("AdapEmu/" + em)))
                    .append(" | ").append(pct(last.metric("AdapFu/" + em))).append(" | ").append(loss(last.metric("AdapFu/client_loss")))
                    .append(" |\n");
        }
        return t.toString();
    }

    /** FedBiOT's rows name their adapter size, so the a=2 and a=4 rows read alike. */
    static String name(ExperimentConfig.MethodSpec m) {
        return m.method() == io.fedbiot.method.Method.FEDBIOT && !m.label().contains("a=") ? m.label() + " a=" + m.adapter() : m.label();
    }

    /** Ascending layer indices as runs: 0–3, 6, 9–11. */
    static String ranges(int[] layers) {
        int[] a = layers.clone();
        Arrays.sort(a);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.length; ) {
            int j = i;
            while (j + 1 < a.length && a[j + 1] == a[j] + 1) j++;
            out.add(j == i ? Integer.toString(a[i]) : a[i] + "–" + a[j]);
            i = j + 1;
        }
        return out.stream().collect(Collectors.joining(", "));
    }

    static String params(long n, long full) {
        return String.format(Locale.ROOT, "%,d (%.1f%%)", n, 100.0 * n / full);
    }

    static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        return String.format(Locale.ROOT, "%.2f MiB", b / (1024.0 * 1024));
    }

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f%%", 100 * v) : "–";
    }

    private static String loss(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "–";
    }
}
