package io.fedbiot.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.kernels.ProfilingBackend;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a {@code bench} workload measured: tokens over the timed wall time and, when profiled, each
 * op's calls, total ms, share of that wall time and GFLOP/s (GEMMs, the fused classifier). The
 * time outside every kernel (engine, autograd, JIT, the profiler's own clock reads) is its own row,
 * so the shares add up to 100 %.
 */
record BenchReport(String workload, String model, String backend, int threads, Map<String, Object> settings,
                   long tokens, long wallNanos, List<ProfilingBackend.Op> ops, long kernelNanos) {
    static BenchReport of(String workload, String model, ProfilingBackend prof, String backend, int threads,
                          Map<String, Object> settings, long tokens, long wallNanos) {
        return new BenchReport(workload, model, backend, threads, settings, tokens, wallNanos,
                prof == null ? null : prof.ops(), prof == null ? 0 : prof.kernelNanos());
    }

    double tokensPerSecond() {
        return tokens / (wallNanos / 1e9);
    }

    private List<ProfilingBackend.Op> byTime() {
        List<ProfilingBackend.Op> s = new ArrayList<>(ops);
        s.sort(Comparator.comparingLong(ProfilingBackend.Op::wallNanos).reversed());
        return s;
    }

    private static Double gflops(ProfilingBackend.Op o) {
        return o.flops() > 0 && o.wallNanos() > 0 ? o.flops() / (double) o.wallNanos() : null;
    }

    void print(PrintWriter out, boolean json) {
        if (json) {
            try {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(toMap()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            printText(out);
        }
        out.flush();
    }

    void printText(PrintWriter out) {
        StringBuilder s = new StringBuilder();
        settings.forEach((k, v) -> s.append(", ").append(k).append(' ').append(v));
        out.printf(Locale.ROOT, "bench %s: %s on %s (%d threads)%s%n", workload, model, backend, threads, s);
        out.printf(Locale.ROOT, "%,d tokens in %.1f ms: %.1f tokens/s%n", tokens, wallNanos / 1e6, tokensPerSecond());
        if (ops == null) return;
        int w = Math.max(24, ops.stream().mapToInt(o -> o.name().length()).max().orElse(0));
        out.printf(Locale.ROOT, "%-" + w + "s %8s %10s %7s %8s%n", "op", "calls", "total ms", "share", "GFLOP/s");
        for (ProfilingBackend.Op o : byTime()) {
            Double g = gflops(o);
            out.printf(Locale.ROOT, "%-" + w + "s %8d %10.2f %6.1f%% %8s%n", o.name(), o.calls(), o.wallNanos() / 1e6,
                    100.0 * o.wallNanos() / wallNanos, g == null ? "" : String.format(Locale.ROOT, "%.1f", g));
        }
        long outside = wallNanos - kernelNanos;
        out.printf(Locale.ROOT, "%-" + w + "s %8s %10.2f %6.1f%%%n", "(outside kernels)", "", outside / 1e6, 100.0 * outside / wallNanos);
        out.printf(Locale.ROOT, "%-" + w + "s %8d %10.2f %6.1f%%%n", "(all kernels)", ops.stream().mapToLong(ProfilingBackend.Op::calls).sum(),
                kernelNanos / 1e6, 100.0 * kernelNanos / wallNanos);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", workload);
        m.put("model", model);
        m.put("backend", backend);
        m.put("threads", threads);
        m.put("settings", settings);
        m.put("tokens", tokens);
        m.put("wall_ms", wallNanos / 1e6);
        m.put("tokens_per_s", tokensPerSecond());
        if (ops != null) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ProfilingBackend.Op o : byTime()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("op", o.name());
                r.put("kind", o.kind());
                r.put("calls", o.calls());
                r.put("total_ms", o.wallNanos() / 1e6);
                r.put("share_pct", 100.0 * o.wallNanos() / wallNanos);
                r.put("gflops", gflops(o));
                rows.add(r);
            }
            m.put("ops", rows);
            m.put("kernels_ms", kernelNanos / 1e6);
            m.put("outside_kernels_ms", (wallNanos - kernelNanos) / 1e6);
        }
        return m;
    }
}
