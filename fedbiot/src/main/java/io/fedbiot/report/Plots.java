package io.fedbiot.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * PNG line charts of round records, one per metric, one series per method (mean over seeds, its
 * label as the name), drawn headless. Every method keeps one colour in every chart; AdapFu is
 * solid, AdapEmu dashed, and the untuned model a grey dashed line; markers only while a curve has
 * few points. The round axis shows whole rounds only.
 */
public final class Plots {
    static {
        // Before any AWT class loads: no display on servers and CI.
        System.setProperty("java.awt.headless", "true");
    }

    /** The methods' labels (Method.label) to their colours, from the Okabe–Ito colour-blind-safe palette. */
    static final Map<String, Color> METHOD_COLOURS = Map.of(
            "FedBiOT", new Color(0, 114, 178), "FedOT", new Color(213, 94, 0),
            "Offsite-Tuning", new Color(0, 158, 115), "FedLoRA", new Color(204, 121, 167));
    /**
     * For labels not above (method variants such as "FedBiOT a=4"): the rest of Okabe–Ito, then Tol's
     * muted colours, handed out in label order over the report's methods, so each is distinct.
     */
    private static final Color[] SPARE = {new Color(230, 159, 0), new Color(86, 180, 233), Color.BLACK, new Color(136, 34, 85),
            new Color(68, 170, 153), new Color(51, 34, 136), new Color(153, 153, 51), new Color(240, 228, 66)};
    /** A series with more points than this is drawn as a line only: markers would hide it. */
    static final int MARKERS_UP_TO = 20;
    static final Color UNTUNED = Color.GRAY;
    static final String UNTUNED_SERIES = "untuned model";

    private Plots() {}

    /** Client-average training loss per round, one line per method. */
    public static void trainLoss(List<RoundRecord> records, Path png) throws IOException {
        save(trainLossChart(records), png);
    }

    /** One metric per round, each method's AdapEmu and AdapFu, and the untuned model's value as a baseline. */
    public static void metric(List<RoundRecord> records, String metric, Map<String, Double> untuned, Path png) throws IOException {
        save(metricChart(records, metric, untuned), png);
    }

    static XYChart trainLossChart(List<RoundRecord> records) {
        XYChart chart = chart("Training loss per round", "training loss (client average)");
        Map<String, Color> colours = colours(methods(records));
        for (String m : methods(records)) {
            XYSeries s = addSeries(chart, m, records, m, RoundRecord::trainLoss);
            if (s != null) style(s, colours.get(m), SeriesLines.SOLID);
        }
        roundRange(chart, records);
        return chart;
    }

    /** Series "FedBiOT AdapFu" and so on; "untuned model" when {@code untuned} has the metric (under any variant). */
    static XYChart metricChart(List<RoundRecord> records, String metric, Map<String, Double> untuned) {
        String name = displayMetric(metric);
        XYChart chart = chart(capitalised(name) + " per round", name);
        LinkedHashSet<String> keys = new LinkedHashSet<>();
        for (RoundRecord r : records)
            for (String k : r.eval().keySet()) if (MarkdownReport.metricOf(k).equals(metric)) keys.add(k);
        Map<String, Color> colours = colours(methods(records));
        for (String m : methods(records))
            for (String k : keys) {
                String variant = MarkdownReport.variantOf(k);
                XYSeries s = addSeries(chart, (m + " " + variant).strip(), records, m, r -> r.metric(k));
                if (s != null) style(s, colours.get(m), lineOf(variant));
            }
        Double base = null;
        for (var e : untuned.entrySet()) if (MarkdownReport.metricOf(e.getKey()).equals(metric) && Double.isFinite(e.getValue())) base = e.getValue();
        if (base != null && !records.isEmpty()) {
            int lo = records.stream().mapToInt(RoundRecord::round).min().orElseThrow();
            int hi = records.stream().mapToInt(RoundRecord::round).max().orElseThrow();
            XYSeries s = chart.addSeries(UNTUNED_SERIES, new double[]{lo, hi}, new double[]{base, base});
            style(s, UNTUNED, SeriesLines.DASH_DASH);
            s.setMarker(SeriesMarkers.NONE);
        }
        roundRange(chart, records);
        return chart;
    }

    /**
     * Each method's colour in one report's charts: the fixed one for a known method; the others, in
     * label order, the spare colours (then hues by the label's hash once those run out).
     */
    static Map<String, Color> colours(List<String> methods) {
        Map<String, Color> out = new LinkedHashMap<>();
        int spare = 0;
        for (String m : methods.stream().sorted().toList()) {
            Color c = METHOD_COLOURS.get(m);
            if (c == null) c = spare < SPARE.length ? SPARE[spare++] : Color.getHSBColor(Math.floorMod(m.hashCode(), 360) / 360f, 0.8f, 0.7f);
            out.put(m, c);
        }
        return out;
    }

    /** AdapFu (the tuned full model, what ships) solid; AdapEmu dashed; anything else dotted. */
    static BasicStroke lineOf(String variant) {
        return switch (variant) {
            case "AdapFu" -> SeriesLines.SOLID;
            case "AdapEmu" -> SeriesLines.DASH_DASH;
            default -> SeriesLines.DOT_DOT;
        };
    }

    /** Readable metric names: "public_ppl" -> "public held-out perplexity"; unknown keys as they are. */
    static String displayMetric(String metric) {
        String m = metric.toLowerCase(Locale.ROOT);
        String where = m.startsWith("public_") ? "public held-out " : m.startsWith("client_") ? "clients' held-out "
                : m.startsWith("val_") ? "validation " : "";
        String what = m.substring(m.indexOf('_') + 1);
        if (where.isEmpty()) what = m;
        return switch (what) {
            case "loss" -> where + "loss";
            case "ppl" -> where + "perplexity";
            case "gsm8k_em" -> "GSM8K exact match";
            case "exact_match" -> "exact match";
            default -> metric;
        };
    }

    private static String capitalised(String s) {
        return s.isEmpty() || s.startsWith("GSM8K") ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("round").yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setMarkerSize(5);
        // Rounds are whole numbers: a tick between two rounds gets no label.
        c.getStyler().setxAxisTickLabelsFormattingFunction(Plots::roundTick);
        return c;
    }

    /** "3" for 3.0, "" for 2.5 (no such round). */
    static String roundTick(Double x) {
        return x != null && Math.abs(x - Math.rint(x)) < 1e-9 ? Long.toString(Math.round(x)) : "";
    }

    private static void style(XYSeries s, Color c, BasicStroke line) {
        s.setLineColor(c);
        s.setMarkerColor(c);
        s.setLineStyle(line);
    }

    /** Mean over seeds per round; rounds where the value is NaN are left out, not drawn as gaps. Null when there is nothing. */
    private static XYSeries addSeries(XYChart chart, String name, List<RoundRecord> records, String method, ToDoubleFunction<RoundRecord> f) {
        TreeMap<Integer, double[]> byRound = new TreeMap<>(); // round -> {sum, count}
        for (RoundRecord r : records) {
            double v = f.applyAsDouble(r);
            if (!r.method().equals(method) || !Double.isFinite(v)) continue;
            double[] s = byRound.computeIfAbsent(r.round(), k -> new double[2]);
            s[0] += v;
            s[1]++;
        }
        if (byRound.isEmpty()) return null;
        List<Double> x = new ArrayList<>(), y = new ArrayList<>();
        byRound.forEach((round, s) -> {
            x.add((double) round);
            y.add(s[0] / s[1]);
        });
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(x.size() <= MARKERS_UP_TO ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        return s;
    }

    /** The round axis spans the rounds there are (XChart would pad it to round -1 and beyond the last). */
    private static void roundRange(XYChart chart, List<RoundRecord> records) {
        int lo = records.stream().mapToInt(RoundRecord::round).min().orElse(0);
        int hi = records.stream().mapToInt(RoundRecord::round).max().orElse(0);
        if (hi > lo) {
            chart.getStyler().setXAxisMin((double) lo);
            chart.getStyler().setXAxisMax((double) hi);
        }
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
