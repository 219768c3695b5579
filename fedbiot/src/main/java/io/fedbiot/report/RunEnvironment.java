package io.fedbiot.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where and with what a run ran, for the report's environment section: the config as used
 * (YAML), the backend, the CPU and the SIMD features the kernels can use, the GPU (cuda backend
 * only), the git commit of the code, the JVM and the cores.
 *
 * @param configYaml  the config actually used, after defaults and --set, as YAML
 * @param backend     the backend's name ("java", "native", "cuda", ...)
 * @param dispatch    what the native kernels dispatch to, as the kernels report it
 * @param cpuFeatures SIMD features of this CPU that matter to the kernels (AVX2, AVX-512F, AVX-512 BF16, AMX-BF16, ...)
 * @param gpu         the GPU's description; null unless the backend is cuda
 * @param gitCommit   commit hash of the code, or "unknown"
 */
public record RunEnvironment(String configYaml, String backend, String cpuModel, String dispatch, List<String> cpuFeatures,
                             String gpu, String gitCommit, String jvm, int cores) {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");
    /** cpuinfo flag → display name, in display order; x86 flags, then the aarch64 "Features" names. */
    private static final Map<String, String> FEATURES = features();

    public RunEnvironment {
        Objects.requireNonNull(configYaml, "configYaml");
        Objects.requireNonNull(backend, "backend");
        cpuFeatures = List.copyOf(cpuFeatures);
    }

    /** This machine and this process, with what the caller knows about the backend. */
    public static RunEnvironment capture(String configYaml, String backend, String dispatch, String gpu) {
        String cpuinfo = cpuinfo();
        String model = cpuModel(cpuinfo);
        String jvm = Runtime.version() + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.vm.name") + ")";
        return new RunEnvironment(configYaml, backend, model, dispatch, cpuFeatures(cpuinfo), gpu, gitCommit(codeLocation()),
                jvm, Runtime.getRuntime().availableProcessors());
    }

    /** /proc/cpuinfo's text; "" where there is none (not Linux) or it cannot be read. */
    public static String cpuinfo() {
        try {
            Path p = Path.of("/proc/cpuinfo");
            if (Files.isReadable(p)) return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException ignored) { // no access: callers fall back to os.arch and no flags
        }
        return "";
    }

    /** The first "model name" (x86) or "Model"/"CPU part" (ARM) line of /proc/cpuinfo; else os.arch. */
    public static String cpuModel(String cpuinfo) {
        for (String key : List.of("model name", "Model", "CPU part")) {
            String v = field(cpuinfo, key);
            if (v != null && !v.isBlank()) return v;
        }
        return System.getProperty("os.arch", "unknown");
    }

    /** The kernel-relevant features in the first "flags" (x86) or "Features" (ARM) line, as display names. */
    static List<String> cpuFeatures(String cpuinfo) {
        Set<String> have = cpuFlags(cpuinfo);
        List<String> out = new ArrayList<>();
        FEATURES.forEach((flag, name) -> {
            if (have.contains(flag) && !out.contains(name)) out.add(name);
        });
        return out;
    }

    /** The flags of the first "flags" (x86) or "Features" (ARM) line, lower case; empty when there is none. */
    public static Set<String> cpuFlags(String cpuinfo) {
        String flags = field(cpuinfo, "flags");
        if (flags == null) flags = field(cpuinfo, "Features");
        return flags == null ? Set.of() : Set.copyOf(List.of(flags.toLowerCase(Locale.ROOT).split("\\s+")));
    }

    private static String field(String cpuinfo, String key) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(key)) return line.substring(colon + 1).strip();
        }
        return null;
    }

    /**
     * The commit checked out in the nearest folder at or above {@code start} that has a .git
     * (a folder, or a worktree's file "gitdir: ..."): HEAD, followed through loose or packed refs.
     * "unknown" when there is none or it cannot be read; never throws.
     */
    public static String gitCommit(Path start) {
        try {
            for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
                Path dotGit = d.resolve(".git");
                if (Files.exists(dotGit)) return commitOf(dotGit);
            }
        } catch (IOException | RuntimeException ignored) { // unreadable: the report says so rather than failing the run
        }
        return "unknown";
    }

    private static String commitOf(Path dotGit) throws IOException {
        Path gitDir = dotGit;
        if (Files.isRegularFile(dotGit)) {
            String line = Files.readString(dotGit, StandardCharsets.UTF_8).strip();
            if (!line.startsWith("gitdir:")) return "unknown";
            gitDir = dotGit.getParent().resolve(line.substring("gitdir:".length()).strip()).normalize();
        }
        Path common = gitDir;
        Path commondir = gitDir.resolve("commondir"); // a worktree's refs live in the main repository
        if (Files.isRegularFile(commondir))
            common = gitDir.resolve(Files.readString(commondir, StandardCharsets.UTF_8).strip()).normalize();
        String head = Files.readString(gitDir.resolve("HEAD"), StandardCharsets.UTF_8).strip();
        if (!head.startsWith("ref:")) return hash(head);
        String ref = head.substring("ref:".length()).strip();
        for (Path base : List.of(gitDir, common)) {
            Path loose = base.resolve(ref);
            if (Files.isRegularFile(loose)) return hash(Files.readString(loose, StandardCharsets.UTF_8).strip());
        }
        Path packed = common.resolve("packed-refs");
        if (Files.isRegularFile(packed))
            for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                String[] p = line.strip().split(" ");
                if (p.length == 2 && p[1].equals(ref)) return hash(p[0]);
            }
        return "unknown";
    }

    private static String hash(String s) {
        return HASH.matcher(s).matches() ? s : "unknown";
    }

    /** The classes' folder or jar; the working directory when the JVM does not say. */
    private static Path codeLocation() {
        try {
            var src = RunEnvironment.class.getProtectionDomain().getCodeSource();
            if (src != null) return Path.of(src.getLocation().toURI());
        } catch (Exception ignored) { // a custom class loader: fall back below
        }
        return Path.of("").toAbsolutePath();
    }

    /** The report's "## Environment" section. */
    public String markdown() {
        StringBuilder md = new StringBuilder("## Environment\n\n| | |\n|---|---|\n");
        row(md, "backend", backend);
        row(md, "CPU", cpuModel + ", " + cores + " cores available to the JVM");
        row(md, "SIMD", (cpuFeatures.isEmpty() ? "none the kernels use" : String.join(", ", cpuFeatures)) + "; " + dispatch);
        if (gpu != null) row(md, "GPU", gpu);
        row(md, "git commit", gitCommit);
        row(md, "JVM", jvm);
        md.append("\nThe config as used (defaults and --set applied):\n\n```yaml\n").append(configYaml.strip()).append("\n```\n\n");
        return md.toString();
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    private static Map<String, String> features() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("avx2", "AVX2");
        m.put("fma", "FMA");
        m.put("avx512f", "AVX-512F");
        m.put("avx512vl", "AVX-512VL");
        m.put("avx512_bf16", "AVX-512 BF16");
        m.put("amx_tile", "AMX-TILE");
        m.put("amx_bf16", "AMX-BF16");
        m.put("asimd", "NEON");
        m.put("sve", "SVE");
        m.put("bf16", "BF16");
        return m;
    }
}
