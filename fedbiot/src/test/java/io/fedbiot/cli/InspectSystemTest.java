package io.fedbiot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.fedbiot.cli.CliRun.Result;
import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** {@code inspect --system} names its fields and agrees with /proc/cpuinfo, read here on its own. */
class InspectSystemTest {
    /** cpuinfo flag → the name inspect prints (written out again here, not taken from SystemInfo). */
    private static final Map<String, String> FLAGS = Map.of("avx2", "AVX2", "fma", "FMA", "avx512f", "AVX-512F",
            "avx512bw", "AVX-512BW", "avx512vl", "AVX-512VL", "avx512_bf16", "AVX512_BF16", "amx_bf16", "AMX-BF16", "amx_tile", "AMX-TILE");

    private static Set<String> cpuinfoFlags() throws Exception {
        Path p = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(p)) return Set.of();
        for (String line : Files.readAllLines(p, StandardCharsets.ISO_8859_1))
            if (line.startsWith("flags")) return Arrays.stream(line.split(":", 2)[1].trim().split(" ")).collect(Collectors.toSet());
        return Set.of();
    }

    @Test
    void jsonAgreesWithCpuinfoAndNamesTheChoice() throws Exception {
        Result r = run("inspect", "--system", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        for (String key : new String[]{"cpu_model", "cores", "features", "native", "java_vector_api", "gpu", "auto_picks"})
            assertTrue(j.has(key), "no " + key + " in " + r.out());
        Set<String> flags = cpuinfoFlags();
        assertEquals(FLAGS.size(), j.get("features").size(), r.out());
        FLAGS.forEach((flag, name) -> assertEquals(flags.contains(flag), j.get("features").get(name).asBoolean(),
                name + " disagrees with /proc/cpuinfo flag " + flag));
        assertEquals(Runtime.getRuntime().availableProcessors(), j.get("cores").asInt());

        JsonNode nat = j.get("native");
        if (nat.get("library").isNull()) {
            assertFalse(nat.get("not_loaded_because").asText().isBlank(), r.out());
            return;
        }
        // what cpuid must allow for each variant fb_best_isa picks, from the flags read above
        boolean avx2 = flags.contains("avx2") && flags.contains("fma");
        boolean avx512 = avx2 && flags.contains("avx512f") && flags.contains("avx512vl");
        String want = avx512 ? "avx512" : avx2 ? "avx2" : "generic";
        if (!flags.isEmpty()) assertEquals(want, nat.get("native_picks").asText(), r.out());
        Set<String> names = new java.util.HashSet<>();
        for (JsonNode v : nat.get("variants")) {
            String name = v.get("variant").asText();
            names.add(name);
            boolean runs = v.get("runs_here").asBoolean();
            switch (name) {
                case "generic" -> assertTrue(runs);
                case "avx2" -> { if (!flags.isEmpty()) assertEquals(avx2, runs, name); }
                case "avx512" -> { if (!flags.isEmpty()) assertEquals(avx512, runs, name); }
                default -> { }
            }
            if (runs) assertTrue(v.get("gemm_tile").asText().matches("\\d+x\\d+ micro-tile.*"), v.toString());
            if (!v.get("built").asBoolean()) assertFalse(runs, name + " runs without being built");
        }
        assertTrue(names.containsAll(Set.of("generic", "avx2", "avx512")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.contains("bf16")) && names.stream().anyMatch(n -> n.contains("amx")),
                "the BF16 and AMX kernels are listed, built or not: " + names);
        int lanes = j.get("java_vector_api").get("float_lanes").asInt();
        assertEquals(j.get("java_vector_api").get("bits").asInt(), lanes * 32);
    }

    @Test
    void textNamesEveryField() {
        Result r = run("inspect", "--system");
        assertEquals(0, r.code(), r.err());
        for (String label : new String[]{"cpu:", "features:", "native:", "java:", "gpu:", "auto:", "AVX2", "AMX-TILE", "Vector API"})
            assertTrue(r.out().contains(label), "no " + label + " in\n" + r.out());
    }

    @Test
    void jsonWithoutSystemOrWithAPathIsAUsageError() {
        assertEquals(2, run("inspect", "--json").code());
        Result r = run("inspect", "--system", "some.bin");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--system takes no PATH"), r.err());
    }
}
