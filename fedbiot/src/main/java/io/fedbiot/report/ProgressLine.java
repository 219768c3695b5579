package io.fedbiot.report;

import java.util.Locale;

/**
 * One line of progress, pure formatting: {@code task done/total pct | rate unit/s | ETA m:ss | status}.
 * Rate and ETA have fields of their own, so the status (a loss, a method) never runs into them.
 * Fitted to a width by shortening the status first, then cutting the line.
 */
public record ProgressLine(String task, String unit, long done, long total, double elapsedSeconds, String status) {
    static final String SEP = " | ";

    /** Units per second so far, or NaN before anything is done or any time has passed. */
    public double rate() {
        return done > 0 && elapsedSeconds > 0 ? done / elapsedSeconds : Double.NaN;
    }

    /** Seconds left at the rate so far; NaN when unknown (no rate yet, no total). */
    public double etaSeconds() {
        double r = rate();
        if (total <= 0 || Double.isNaN(r)) return Double.NaN;
        return Math.max(0, total - done) / r;
    }

    /** The line in at most {@code width} characters. */
    public String format(int width) {
        StringBuilder head = new StringBuilder(task).append(' ').append(done);
        if (total > 0) head.append('/').append(total).append(' ').append(percent(done, total)).append('%');
        head.append(SEP).append(rateText(rate(), unit)).append(SEP).append("ETA ").append(duration(etaSeconds()));
        String s = status == null ? "" : status.strip();
        if (s.isEmpty()) return cut(head.toString(), width);
        int room = width - head.length() - SEP.length();
        if (room >= s.length()) return head + SEP + s;
        if (room >= 4) return head + SEP + s.substring(0, room - 1) + "…";
        return cut(head.toString(), width);
    }

    /** Whole percent, rounded down, so 100 means done. */
    static long percent(long done, long total) {
        return Math.min(100, Math.max(0, done) * 100 / total);
    }

    /** {@code 2.50 rounds/s}, or per minute or hour when slower, so a slow run does not read 0.00. */
    static String rateText(double perSecond, String unit) {
        if (Double.isNaN(perSecond)) return "-- " + unit + "/s";
        if (perSecond >= 1) return String.format(Locale.ROOT, "%.2f %s/s", perSecond, unit);
        if (perSecond * 60 >= 1) return String.format(Locale.ROOT, "%.2f %s/min", perSecond * 60, unit);
        return String.format(Locale.ROOT, "%.2f %s/h", perSecond * 3600, unit);
    }

    /** {@code h:mm:ss} or {@code m:ss}; {@code --:--} when unknown. */
    static String duration(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) return "--:--";
        long s = Math.round(seconds);
        long h = s / 3600, m = s / 60 % 60, sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec) : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, Math.max(0, width));
    }
}
