package io.fedbiot.cli;

import io.fedbiot.kernels.cpu.CpuBackend;
import io.fedbiot.kernels.cpu.Isa;
import io.fedbiot.kernels.cpu.NativeLibrary;
import io.fedbiot.kernels.cuda.CudaProbe;
import io.fedbiot.kernels.jvm.JavaBackend;
import io.fedbiot.report.RunEnvironment;
import jdk.incubator.vector.FloatVector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code inspect --system} reports: the CPU and the SIMD features /proc/cpuinfo lists, the
 * native library's ISA variants and the one {@code fb_best_isa} (cpuid) picks, the Vector API
 * species the java backend runs on, each backend's GEMM tiling, the GPU probe, and so what
 * {@code auto} would choose. It starts the native variants that run here (their C thread pool) to
 * ask each its GEMM tiling, but opens no GPU context.
 */
record SystemInfo(String cpuModel, int cores, Map<String, Boolean> features, String nativeLibrary, String nativeMissing,
                  String nativeBest, int nativeThreads, List<Map<String, Object>> nativeVariants, String vectorSpecies, int vectorBits,
                  int vectorLanes, String javaGemm, CudaProbe gpu, String auto) {
    /** cpuinfo flag → display name, in the order printed. */
    static final Map<String, String> FLAGS = flags();

    private static Map<String, String> flags() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("avx2", "AVX2");
        m.put("fma", "FMA");
        m.put("avx512f", "AVX-512F");
        m.put("avx512bw", "AVX-512BW");
        m.put("avx512vl", "AVX-512VL");
        m.put("avx512_bf16", "AVX512_BF16");
        m.put("amx_bf16", "AMX-BF16");
        m.put("amx_tile", "AMX-TILE");
        return m;
    }

    static SystemInfo capture() {
        String cpuinfo = RunEnvironment.cpuinfo();
        Set<String> have = RunEnvironment.cpuFlags(cpuinfo);
        Map<String, Boolean> features = new LinkedHashMap<>();
        FLAGS.forEach((flag, name) -> features.put(name, have.contains(flag)));

        String missing = NativeLibrary.unavailableReason();
        NativeLibrary lib = missing == null ? NativeLibrary.get() : null;
        String best = lib == null ? null : lib.bestIsa().label();
        int nativeThreads = CpuBackend.best().map(CpuBackend::threads).orElse(0);
        List<Map<String, Object>> variants = new ArrayList<>();
        for (Isa isa : Isa.values()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("variant", isa.label());
            v.put("built", lib != null);
            v.put("runs_here", lib != null && lib.bestIsa().ordinal() >= isa.ordinal());
            v.put("needs", needs(isa));
            if ((Boolean) v.get("runs_here")) v.put("gemm_tile", CpuBackend.of(isa).map(b -> tiling(b.gemmBlocking())).orElse(null));
            variants.add(v);
        }
        // No BF16 or AMX kernels exist in native/c (yet): say so rather than imply them.
        for (String name : List.of("avx512_bf16", "amx")) {
            if (Arrays.stream(Isa.values()).anyMatch(i -> i.label().contains(name))) continue;
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("variant", name);
            v.put("built", false);
            v.put("runs_here", false);
            v.put("needs", name.equals("amx") ? "AMX-TILE + AMX-BF16" : "AVX512_BF16");
            variants.add(v);
        }

        var sp = FloatVector.SPECIES_PREFERRED;
        CudaProbe gpu = CudaProbe.get();
        String auto = gpu.usable() ? "cuda (the GPU probe found " + gpu.device() + ")"
                : lib != null ? "native, variant " + best + " (no usable GPU: " + gpu.reason() + ")"
                : "java (no usable GPU: " + gpu.reason() + "; native library not loaded: " + missing + ")";
        return new SystemInfo(RunEnvironment.cpuModel(cpuinfo),
                Runtime.getRuntime().availableProcessors(), features, lib == null ? null : lib.path().toString(), missing,
                best, nativeThreads, variants, sp.toString(), sp.vectorBitSize(), sp.length(), tiling(JavaBackend.gemmBlocking()), gpu, auto);
    }

    /** {MR, NR, KC, MC, NC} as "MRxNR micro-tile, KC k, MC x NC blocks". */
    static String tiling(int[] b) {
        return String.format(Locale.ROOT, "%dx%d micro-tile, KC %d, MC %d, NC %d", b[0], b[1], b[2], b[3], b[4]);
    }

    /** The cpuid features fb_best_isa requires for a variant (native/c/fb_pool.c). */
    static String needs(Isa isa) {
        return switch (isa) {
            case GENERIC -> "x86-64 baseline";
            case AVX2 -> "AVX2 + FMA";
            case AVX512 -> "AVX-512F + AVX-512VL + AVX2 + FMA";
            default -> "see fb_best_isa in native/c/fb_pool.c";
        };
    }

    /** The JSON form: the same fields, keys in snake case. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_model", cpuModel);
        m.put("cores", cores);
        m.put("features", features);
        Map<String, Object> nat = new LinkedHashMap<>();
        nat.put("library", nativeLibrary);
        nat.put("not_loaded_because", nativeMissing);
        nat.put("native_picks", nativeBest);
        nat.put("threads", nativeThreads);
        nat.put("variants", nativeVariants);
        m.put("native", nat);
        Map<String, Object> vec = new LinkedHashMap<>();
        vec.put("species", vectorSpecies);
        vec.put("bits", vectorBits);
        vec.put("float_lanes", vectorLanes);
        vec.put("gemm_tile", javaGemm);
        m.put("java_vector_api", vec);
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("usable", gpu.usable());
        g.put("device", gpu.usable() ? gpu.describe() : null);
        g.put("reason", gpu.usable() ? null : gpu.reason());
        m.put("gpu", g);
        m.put("auto_picks", auto);
        return m;
    }

    void print(java.io.PrintWriter out) {
        out.println("cpu:       " + cpuModel + ", " + cores + " cores available to the JVM");
        List<String> yes = new ArrayList<>(), no = new ArrayList<>();
        features.forEach((k, v) -> (v ? yes : no).add(k));
        out.println("features:  " + (yes.isEmpty() ? "none of these" : String.join(" ", yes))
                + (no.isEmpty() ? "" : "   (absent: " + String.join(" ", no) + ")") + "   [from /proc/cpuinfo flags]");
        out.println("native:    " + (nativeLibrary != null ? "libfedbiot_cpu.so loaded from " + nativeLibrary
                : "library not loaded: " + nativeMissing));
        for (Map<String, Object> v : nativeVariants) {
            boolean built = (Boolean) v.get("built");
            out.printf(Locale.ROOT, "  %-12s %-9s %-15s needs %s%s%n", v.get("variant"), built ? "built" : "not built",
                    !built ? "" : (Boolean) v.get("runs_here") ? "runs here" : "not on this CPU", v.get("needs"),
                    v.get("gemm_tile") == null ? "" : "; GEMM " + v.get("gemm_tile"));
        }
        if (nativeBest != null)
            out.println("  --backend native picks " + nativeBest + " on " + nativeThreads
                    + " threads: the widest variant whose features cpuid reports (fb_best_isa)");
        out.printf(Locale.ROOT, "java:      Vector API %s (%d-bit, %d float lanes); --backend java runs on it; GEMM %s%n",
                vectorSpecies, vectorBits, vectorLanes, javaGemm);
        out.println("gpu:       " + (gpu.usable() ? gpu.describe() : "none usable (" + gpu.reason() + ")"));
        out.println("auto:      --backend auto would pick " + auto);
    }
}
