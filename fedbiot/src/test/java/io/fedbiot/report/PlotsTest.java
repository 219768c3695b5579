package io.fedbiot.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class PlotsTest {
    private static final Map<String, Double> UNTUNED = Map.of("AdapFu/loss", 5.0);

    @Test
    void metricChartHasOneLinePerMethodAndVariantWithDisplayNamesAndTheUntunedBaseline() {
        XYChart c = Plots.metricChart(ReportFixtures.records(), "loss", UNTUNED);
        assertEquals(Set.of("FedBiOT AdapEmu", "FedBiOT AdapFu", "FedOT AdapEmu", "FedOT AdapFu", "untuned model"),
                c.getSeriesMap().keySet());
        // Means over the two FedBiOT seeds at rounds 1 and 2 (round 0 was not evaluated): {2.0, 3.0} and {1.0, 4.0}.
        XYSeries fu = c.getSeriesMap().get("FedBiOT AdapFu");
        assertArrayEquals(new double[]{1, 2}, fu.getXData());
        assertArrayEquals(new double[]{2.5, 2.5}, fu.getYData());
        XYSeries base = c.getSeriesMap().get("untuned model");
        assertArrayEquals(new double[]{0, 2}, base.getXData(), "across every round of the chart");
        assertArrayEquals(new double[]{5.0, 5.0}, base.getYData());
        assertEquals("Loss per round", c.getTitle());
    }

    @Test
    void aMethodKeepsItsColourAcrossChartsAndVariantsDifferByLineStyle() {
        XYChart metric = Plots.metricChart(ReportFixtures.records(), "loss", UNTUNED);
        XYChart train = Plots.trainLossChart(ReportFixtures.records());
        Map<String, XYSeries> m = metric.getSeriesMap(), t = train.getSeriesMap();
        for (String method : List.of("FedBiOT", "FedOT")) {
            Color c = t.get(method).getLineColor();
            assertEquals(c, m.get(method + " AdapFu").getLineColor(), method);
            assertEquals(c, m.get(method + " AdapEmu").getLineColor(), method);
            assertEquals(c, m.get(method + " AdapFu").getMarkerColor(), method);
            assertSame(SeriesLines.SOLID, m.get(method + " AdapFu").getLineStyle());
            assertSame(SeriesLines.DASH_DASH, m.get(method + " AdapEmu").getLineStyle());
            assertSame(SeriesLines.SOLID, t.get(method).getLineStyle());
        }
        assertNotEquals(t.get("FedBiOT").getLineColor(), t.get("FedOT").getLineColor());
        XYSeries base = m.get("untuned model");
        assertEquals(Color.GRAY, base.getLineColor());
        assertSame(SeriesLines.DASH_DASH, base.getLineStyle());
        // Every known method has its own colour, and none is the baseline's grey.
        Set<Color> colours = new HashSet<>(Plots.METHOD_COLOURS.values());
        assertEquals(Plots.METHOD_COLOURS.size(), colours.size());
        assertFalse(colours.contains(Color.GRAY));
    }

    /** Two FedBiOT variants and a known method: every label its own colour, the same in every chart of the report. */
    @Test
    void variantLabelsGetDistinctSpareColoursThatHoldAcrossCharts() {
        List<RoundRecord> rs = new ArrayList<>();
        for (String m : List.of("FedBiOT a=4", "FedOT", "FedBiOT a=2"))
            for (int t = 0; t < 3; t++)
                rs.add(new RoundRecord(m, 0, t, 2.0 - t / 4.0, Double.NaN, Double.NaN, Map.of("AdapFu/client_loss", 3.0 - t / 2.0,
                        "AdapEmu/client_loss", 3.5 - t / 2.0), 0, 0, 0, 0, 0, 0, 1, 1, 0));
        XYChart metric = Plots.metricChart(rs, "client_loss", Map.of("AdapFu/client_loss", 3.2));
        XYChart train = Plots.trainLossChart(rs);
        assertEquals(Set.of("FedBiOT a=4 AdapFu", "FedBiOT a=4 AdapEmu", "FedOT AdapFu", "FedOT AdapEmu", "FedBiOT a=2 AdapFu",
                "FedBiOT a=2 AdapEmu", "untuned model"), metric.getSeriesMap().keySet());
        Set<Color> seen = new HashSet<>();
        for (String m : List.of("FedBiOT a=4", "FedOT", "FedBiOT a=2")) {
            Color c = train.getSeriesMap().get(m).getLineColor();
            assertEquals(c, metric.getSeriesMap().get(m + " AdapFu").getLineColor(), m);
            assertEquals(c, metric.getSeriesMap().get(m + " AdapEmu").getLineColor(), m);
            assertNotEquals(Color.GRAY, c, m);
            assertTrue(seen.add(c), m + " shares a colour");
        }
        assertEquals(Plots.METHOD_COLOURS.get("FedOT"), train.getSeriesMap().get("FedOT").getLineColor(), "a known method keeps its fixed colour");
        for (Color c : List.of(train.getSeriesMap().get("FedBiOT a=2").getLineColor(), train.getSeriesMap().get("FedBiOT a=4").getLineColor()))
            assertFalse(Plots.METHOD_COLOURS.containsValue(c), "a variant never takes a known method's colour");
        // The map depends on the set of methods, not their order in the records.
        assertEquals(Plots.colours(List.of("FedOT", "FedBiOT a=2", "FedBiOT a=4")), Plots.colours(List.of("FedBiOT a=4", "FedBiOT a=2", "FedOT")));
        Map<String, Color> many = Plots.colours(java.util.stream.IntStream.range(0, 12).mapToObj(i -> "M" + i).toList());
        assertEquals(12, new HashSet<>(many.values()).size(), "past the spare palette, still distinct here: " + many);
    }

    @Test
    void markersOnlyWhileACurveHasFewPoints() {
        List<RoundRecord> few = new ArrayList<>(), many = new ArrayList<>();
        for (int t = 0; t <= Plots.MARKERS_UP_TO; t++) {
            RoundRecord r = new RoundRecord("FedBiOT", 0, t, 1.0, Double.NaN, Double.NaN, Map.of("AdapFu/public_loss", 1.0 + t), 0, 0, 0, 0, 0, 0, 1, 1, 0);
            many.add(r);
            if (t < Plots.MARKERS_UP_TO) few.add(r);
        }
        assertSame(SeriesMarkers.CIRCLE, Plots.metricChart(few, "public_loss", Map.of()).getSeriesMap().get("FedBiOT AdapFu").getMarker());
        assertSame(SeriesMarkers.NONE, Plots.metricChart(many, "public_loss", Map.of()).getSeriesMap().get("FedBiOT AdapFu").getMarker());
        assertSame(SeriesMarkers.NONE, Plots.trainLossChart(many).getSeriesMap().get("FedBiOT").getMarker());
    }

    @Test
    void theRoundAxisShowsWholeRoundsOnly() throws Exception {
        // Eval rounds 0, 2, 3: unequally spaced x values, where XChart's own ticks would fall on half rounds.
        List<RoundRecord> rs = new ArrayList<>();
        for (int round : new int[]{0, 2, 3})
            rs.add(new RoundRecord("FedBiOT", 0, round, 1.0 / (round + 1), Double.NaN, Double.NaN, Map.of("AdapFu/public_ppl", 10.0 - round),
                    0, 0, 0, 0, 0, 0, 1, 1, 0));
        XYChart c = Plots.metricChart(rs, "public_ppl", Map.of());
        assertEquals(List.of("0", "1", "2", "3"), xTickLabels(c));
        assertEquals("Public held-out perplexity per round", c.getTitle());
        assertEquals("public held-out perplexity", c.getYAxisTitle());
        assertEquals("round", c.getXAxisTitle());
        assertEquals("2", Plots.roundTick(2.0));
        assertEquals("", Plots.roundTick(2.5));
    }

    @Test
    void displayNames() {
        assertEquals("clients' held-out loss", Plots.displayMetric("client_loss"));
        assertEquals("public held-out perplexity", Plots.displayMetric("public_ppl"));
        assertEquals("GSM8K exact match", Plots.displayMetric("gsm8k_em"));
        assertEquals("exact match", Plots.displayMetric("exact_match"));
        assertEquals("weird_metric", Plots.displayMetric("weird_metric"));
    }

    /** The x tick labels XChart lays out (its axis internals; read after painting, as the PNG gets them). */
    private static List<String> xTickLabels(XYChart c) throws Exception {
        BitmapEncoder.getBufferedImage(c);
        Field pair = Chart.class.getDeclaredField("axisPair");
        pair.setAccessible(true);
        Object axes = pair.get(c);
        Method getX = axes.getClass().getDeclaredMethod("getXAxis");
        getX.setAccessible(true);
        Object x = getX.invoke(axes);
        Method calc = x.getClass().getDeclaredMethod("getAxisTickCalculator");
        calc.setAccessible(true);
        Object ticks = calc.invoke(x);
        @SuppressWarnings("unchecked") List<String> labels = (List<String>) ticks.getClass().getMethod("getTickLabels").invoke(ticks);
        @SuppressWarnings("unchecked") List<Double> at = (List<Double>) ticks.getClass().getMethod("getTickLocations").invoke(ticks);
        Field space = ticks.getClass().getSuperclass().getDeclaredField("workingSpace");
        space.setAccessible(true);
        double width = space.getDouble(ticks);
        // The calculator also places a tick either side of the plot; only those on it are painted.
        List<String> painted = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) if (at.get(i) >= 0 && at.get(i) <= width) painted.add(labels.get(i));
        return painted;
    }
}
