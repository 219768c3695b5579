package io.fedbiot.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/** PNG line charts of round records, one series per method (mean over seeds), drawn headless. */
public final class Plots {
    static {
        // Before any AWT class loads: no display on servers and CI.
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /** Client-average training loss per round, one line per method. */
    public static void trainLoss(List<RoundRecord> records, Path png) throws IOException {
        XYChart chart = chart("Training loss per round", "training loss");
        for (String m : methods(records)) addSeries(chart, m, records, m, RoundRecord::trainLoss);
        save(chart, png);
    }

    /**
     * One metric ("gsm8k_em", "ppl", "loss") per round, one line per method and variant
     * (AdapEmu, AdapFu), as "FedBiOT AdapFu".
     */
    public static void metric(List<RoundRecord> records, String metric, Path png) throws IOException {
        XYChart chart = chart(metric + " per round", metric);
        LinkedHashSet<String> keys = new LinkedHashSet<>();
        for (RoundRecord r : records)
            for (String k : r.eval().keySet()) if (MarkdownReport.metricOf(k).equals(metric)) keys.add(k);
        for (String m : methods(records))
            for (String k : keys) addSeries(chart, m + " " + MarkdownReport.variantOf(k), records, m, r -> r.metric(k));
        save(chart, png);
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("round").yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setMarkerSize(5);
        return c;
    }

    /** Mean over seeds per round; rounds where the value is NaN are left out, not drawn as gaps. */
    private static void addSeries(XYChart chart, String name, List<RoundRecord> records, String method, ToDoubleFunction<RoundRecord> f) {
        TreeMap<Integer, double[]> byRound = new TreeMap<>(); // round -> {sum, count}
        for (RoundRecord r : records) {
            double v = f.applyAsDouble(r);
            if (!r.method().equals(method) || !Double.isFinite(v)) continue;
            double[] s = byRound.computeIfAbsent(r.round(), k -> new double[2]);
            s[0] += v;
            s[1]++;
        }
        if (byRound.isEmpty()) return;
        List<Double> x = new ArrayList<>(), y = new ArrayList<>();
        byRound.forEach((round, s) -> {
            x.add((double) round);
            y.add(s[0] / s[1]);
        });
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }

    private static void save(XYChart chart, Path png) throws IOException {
        if (chart.getSeriesMap().isEmpty()) chart.addSeries("no data", new double[]{0}, new double[]{0});
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    static List<String> methods(List<RoundRecord> records) {
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (RoundRecord r : records) seen.put(r.method(), true);
        return List.copyOf(seen.keySet());
    }
}
