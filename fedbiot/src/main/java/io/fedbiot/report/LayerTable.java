package io.fedbiot.report;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Markdown tables of per-emulator-layer figures (layer dropout study, a run's emulator): which
 * teacher layers each split keeps and drops, its output NMSE/KL before and after alignment, and
 * one row per emulator layer with the teacher layer it is compared with. Each figure is a list
 * (one value per seed), shown as mean ± std when there are several.
 */
public final class LayerTable {
    /** One emulator layer: position i in the emulator, the teacher layer it keeps, the one it is compared with. */
    public record Layer(int position, int kept, int teacherLayer, List<Double> nmseBefore, List<Double> nmseAfter,
                        List<Double> klBefore, List<Double> klAfter) {}

    /** One split (e.g. "FedBiOT β=0.2"): kept and dropped teacher layers and its layers bottom to top. */
    public record Group(String name, int[] kept, int[] dropped, List<Layer> layers) {
        public Group {
            if (layers.isEmpty()) throw new IllegalArgumentException(name + ": no emulator layers");
        }

        Layer output() {
            return layers.getLast();
        }
    }

    private LayerTable() {}

    /** The summary (one row per group) then the per-layer table. */
    public static String markdown(List<Group> groups, String beforeLabel, String afterLabel) {
        StringBuilder md = new StringBuilder();
        md.append("| split | kept teacher layers | dropped | output NMSE ").append(beforeLabel).append(" | output NMSE ")
                .append(afterLabel).append(" | KL ").append(beforeLabel).append(" | KL ").append(afterLabel).append(" |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (Group g : groups) {
            Layer o = g.output();
            md.append("| ").append(g.name()).append(" | ").append(list(g.kept())).append(" | ").append(list(g.dropped()))
                    .append(" | ").append(MarkdownReport.meanStd(o.nmseBefore())).append(" | ").append(MarkdownReport.meanStd(o.nmseAfter()))
                    .append(" | ").append(MarkdownReport.meanStd(o.klBefore())).append(" | ").append(MarkdownReport.meanStd(o.klAfter()))
                    .append(" |\n");
        }
        md.append("\nPer emulator layer: NMSE of its output against the teacher's output after the teacher layer it is "
                + "compared with (the last layer of the segment it stands for), and KL(full ‖ model that hands over to the "
                + "teacher after this layer); the last layer's figures are the output's.\n\n");
        md.append("| split | emulator layer | keeps teacher layer | compared with teacher layer | NMSE ").append(beforeLabel)
                .append(" | NMSE ").append(afterLabel).append(" | KL ").append(beforeLabel).append(" | KL ").append(afterLabel)
                .append(" |\n|---|---|---|---|---|---|---|---|\n");
        for (Group g : groups)
            for (Layer l : g.layers())
                md.append("| ").append(g.name()).append(" | ").append(l.position()).append(" | ").append(l.kept()).append(" | ")
                        .append(l.teacherLayer()).append(" | ").append(MarkdownReport.meanStd(l.nmseBefore())).append(" | ")
                        .append(MarkdownReport.meanStd(l.nmseAfter())).append(" | ").append(MarkdownReport.meanStd(l.klBefore()))
                        .append(" | ").append(MarkdownReport.meanStd(l.klAfter())).append(" |\n");
        return md.toString();
    }

    /** CSV of the per-layer rows (means over seeds), for scripts. */
    public static String csv(List<Group> groups) {
        StringBuilder s = new StringBuilder("split,emulator_layer,kept_teacher_layer,compared_teacher_layer,"
                + "nmse_before,nmse_after,kl_before,kl_after\n");
        for (Group g : groups)
            for (Layer l : g.layers())
                s.append('"').append(g.name()).append("\",").append(l.position()).append(',').append(l.kept()).append(',')
                        .append(l.teacherLayer()).append(',').append(num(l.nmseBefore())).append(',').append(num(l.nmseAfter()))
                        .append(',').append(num(l.klBefore())).append(',').append(num(l.klAfter())).append('\n');
        return s.toString();
    }

    private static String num(List<Double> xs) {
        return String.format(Locale.ROOT, "%.6g", xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
    }

    private static String list(int[] xs) {
        return xs.length == 0 ? "none" : Arrays.toString(xs).replaceAll("[\\[\\]]", "");
    }
}
