package io.fedbiot.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One PNG of per-emulator-layer figures: NMSE (left) and KL (right) against the teacher layer
 * each emulator layer is compared with; per split a dashed line before and a solid line after
 * alignment (mean over seeds).
 */
public final class LayerPlot {
    static {
        System.setProperty("java.awt.headless", "true"); // before any AWT class loads
    }

    private LayerPlot() {}

    public static void write(List<LayerTable.Group> groups, String beforeLabel, String afterLabel, Path png) throws IOException {
        write(groups, beforeLabel, afterLabel, png, Plots.colours(groups.stream().map(LayerTable.Group::name).toList()));
    }

    /** As above, each group (a method) in its colour from {@code colours}, the report's other plots' map. */
    public static void write(List<LayerTable.Group> groups, String beforeLabel, String afterLabel, Path png, Map<String, Color> colours)
            throws IOException {
        XYChart nmse = chart("NMSE per emulator layer", "NMSE vs teacher");
        XYChart kl = chart("KL(full ‖ hand-over after layer)", "KL");
        for (LayerTable.Group g : groups) {
            Color c = colours.getOrDefault(g.name(), Color.BLACK);
            add(nmse, g, g.name() + " " + beforeLabel, LayerTable.Layer::nmseBefore, true, c);
            add(nmse, g, g.name() + " " + afterLabel, LayerTable.Layer::nmseAfter, false, c);
            add(kl, g, g.name() + " " + beforeLabel, LayerTable.Layer::klBefore, true, c);
            add(kl, g, g.name() + " " + afterLabel, LayerTable.Layer::klAfter, false, c);
        }
        BufferedImage left = BitmapEncoder.getBufferedImage(nmse), right = BitmapEncoder.getBufferedImage(kl);
        BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth(), Math.max(left.getHeight(), right.getHeight()),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = both.createGraphics();
        g2.setColor(Color.WHITE);
        g2.fillRect(0, 0, both.getWidth(), both.getHeight());
        g2.drawImage(left, 0, 0, null);
        g2.drawImage(right, left.getWidth(), 0, null);
        g2.dispose();
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(both, "png", out)) throw new IOException("no PNG writer in this JVM");
        });
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(700).height(500).title(title).xAxisTitle("teacher layer compared with")
                .yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setMarkerSize(6);
        return c;
    }

    private static void add(XYChart chart, LayerTable.Group g, String name, Function<LayerTable.Layer, List<Double>> f, boolean dashed,
                            Color colour) {
        List<Double> x = new ArrayList<>(), y = new ArrayList<>();
        for (LayerTable.Layer l : g.layers()) {
            x.add((double) l.teacherLayer());
            y.add(f.apply(l).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineColor(colour);
        s.setMarkerColor(colour);
        if (dashed) s.setLineStyle(SeriesLines.DASH_DASH);
    }
}
