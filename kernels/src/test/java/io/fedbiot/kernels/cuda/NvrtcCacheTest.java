package io.fedbiot.kernels.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** NVRTC cache keys change with everything that changes the PTX, and hits skip the compiler. */
class NvrtcCacheTest {
    static final String SRC = "extern \"C\" __global__ void k(float* x) { x[0] = 1; }";
    static final Map<String, String> H = Map.of("common.cuh", "#pragma once");
    static final List<String> OPT = KernelModules.nvrtcOptions(9, 0);

    @Test
    void keyDependsOnSourceHeadersOptionsAndVersion() {
        String base = NvrtcCache.key(SRC, H, OPT, "13.0");
        assertEquals(64, base.length());
        assertEquals(base, NvrtcCache.key(SRC, Map.copyOf(H), List.copyOf(OPT), "13.0"), "stable");
        assertNotEquals(base, NvrtcCache.key(SRC + " ", H, OPT, "13.0"));
        assertNotEquals(base, NvrtcCache.key(SRC, Map.of("common.cuh", "#pragma once\n"), OPT, "13.0"));
        assertNotEquals(base, NvrtcCache.key(SRC, Map.of("other.cuh", "#pragma once"), OPT, "13.0"));
        assertNotEquals(base, NvrtcCache.key(SRC, H, KernelModules.nvrtcOptions(8, 0), "13.0"), "architecture");
        assertNotEquals(base, NvrtcCache.key(SRC, H, OPT, "12.6"));
        // Field boundaries count: moving text from a header name into its content changes the key.
        assertNotEquals(NvrtcCache.key(SRC, Map.of("ab", "c"), OPT, "13.0"), NvrtcCache.key(SRC, Map.of("a", "bc"), OPT, "13.0"));
    }

    @Test
    void headerOrderDoesNotMatter() {
        Map<String, String> ab = new LinkedHashMap<>(), ba = new LinkedHashMap<>();
        ab.put("a.cuh", "1");
        ab.put("b.cuh", "2");
        ba.put("b.cuh", "2");
        ba.put("a.cuh", "1");
        assertEquals(NvrtcCache.key(SRC, ab, OPT, "13.0"), NvrtcCache.key(SRC, ba, OPT, "13.0"));
    }

    @Test
    void optionsTargetTheDeviceArchitecture() {
        assertTrue(KernelModules.nvrtcOptions(8, 6).contains("--gpu-architecture=compute_86"));
        assertTrue(OPT.contains("--gpu-architecture=compute_90"));
    }

    @Test
    void secondLookupIsServedFromDisk(@TempDir Path dir) throws Exception {
        NvrtcCache cache = new NvrtcCache(dir.resolve("cuda"));
        AtomicInteger compiles = new AtomicInteger();
        String key = NvrtcCache.key(SRC, H, OPT, "13.0");
        byte[] ptx = "// PTX\0".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(ptx, cache.getOrCompile(key, () -> { compiles.incrementAndGet(); return ptx; }));
        assertArrayEquals(ptx, cache.getOrCompile(key, () -> { compiles.incrementAndGet(); return new byte[0]; }));
        assertEquals(1, compiles.get());
        assertArrayEquals(ptx, Files.readAllBytes(cache.file(key)));
        try (var files = Files.list(dir.resolve("cuda"))) {
            assertEquals(List.of(cache.file(key)), files.toList(), "no temporary file left behind");
        }
        // Another key compiles again.
        String other = NvrtcCache.key(SRC, H, KernelModules.nvrtcOptions(8, 0), "13.0");
        cache.getOrCompile(other, () -> { compiles.incrementAndGet(); return ptx; });
        assertEquals(2, compiles.get());
    }
}
