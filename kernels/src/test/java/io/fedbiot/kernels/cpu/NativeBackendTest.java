package io.fedbiot.kernels.cpu;

import io.fedbiot.kernels.Rows;
import io.fedbiot.kernels.RmsNorm;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.Embedding;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.ref.RefGemm;
import io.fedbiot.kernels.testing.KernelTesting;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What is specific to the native backend: loading, ISA choice, backend names, argument checks
 * (C does not bounds-check) and GEMM shapes at the edges of each variant's own blocking. Every
 * kernel is also checked against the float64 reference by the per-op tests, which run on all
 * {@link KernelTesting#backends()} (java and each native ISA variant).
 */
class NativeBackendTest {

    @BeforeAll
    static void libraryBuilt() {
        assumeTrue(NativeLibrary.get() != null,
                "native library not available, native tests skipped: " + NativeLibrary.unavailableReason());
    }

    @Test
    void bestIsaMatchesCpuFlags() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        assumeTrue(Files.isReadable(cpuinfo), "no /proc/cpuinfo to compare with");
        String flags = Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("flags")).findFirst().orElse("");
        List<String> f = List.of(flags.replaceFirst("^flags\\s*:\\s*", "").split("\\s+"));
        Isa want = f.contains("avx512f") && f.contains("avx512vl") && f.contains("avx2") && f.contains("fma") ? Isa.AVX512
                : f.contains("avx2") && f.contains("fma") ? Isa.AVX2 : Isa.GENERIC;
        assertEquals(want, NativeLibrary.get().bestIsa());
        assertEquals(want, CpuBackend.best().orElseThrow().isa());
    }

    @Test
    void namesResolve() {
        Backend nat = Backends.byName("native");
        assertInstanceOf(CpuBackend.class, nat);
        assertEquals("native", nat.name());
        assertSame(nat, Backends.auto(), "auto picks native when it is available");
        assertSame(CpuBackend.of(Isa.GENERIC).orElseThrow(), Backends.byName("native-generic"));
        assertEquals("native-generic", Backends.byName("native-generic").name());
        assertTrue(nat.threads() >= 1);
    }

    @Test
    void badArgumentsAreRejectedBeforeTheCall() {
        for (Backend be : nativeBackends()) {
            try (Arena arena = Arena.ofShared()) {
                Buf a6 = be.allocate(4L * 6, arena), b6 = be.allocate(4L * 6, arena), c4 = be.allocate(4L * 4, arena);
                assertDoesNotThrow(() -> be.gemm(new GemmShape(1, false, false, 2, 2, 3, 0, 0, 0), 1f, a6, b6, 0f, c4));
                var e = assertThrows(IllegalArgumentException.class, () -> be.gemm(new GemmShape(1, false, false, 2, 2, 4, 0, 0, 0), 1f, a6, b6, 0f, c4));
                assertTrue(e.getMessage().contains("A has 24 bytes, needs 32"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> be.gemm(new GemmShape(2, false, false, 2, 2, 3, 0, 0, 4), 1f, a6, b6, 0f, c4));
                assertThrows(IllegalArgumentException.class, () -> be.add(c4, a6, b6, 5));
                assertThrows(IllegalArgumentException.class, () -> be.rmsnormForward(new RmsNorm(3, 3, 1e-5f), a6, c4, a6, b6));
                Buf ids = uploadInts(be, new int[]{0, 7}, arena);
                var bad = assertThrows(IllegalArgumentException.class, () -> be.embeddingForward(new Embedding(2, 3, 2), a6, b6, ids));
                assertTrue(bad.getMessage().contains("token id 7 at row 1"), bad.getMessage());
                Buf tg = uploadInts(be, new int[]{-1, 0}, arena);
                var badT = assertThrows(IllegalArgumentException.class,
                        () -> be.crossEntropyForward(new Rows(2, 3), be.allocate(4, arena), be.allocate(8, arena), a6, tg, null));
                assertTrue(badT.getMessage().contains("target id -1 at row 0"), badT.getMessage());
            }
        }
    }

    /** Shapes around each variant's own MR/NR/MC/KC/NC, all transposes, against float64. */
    @Test
    void gemmAtTheEdgesOfEachVariantsBlocking() {
        Random rnd = new Random(11);
        boolean[][] trans = {{false, false}, {false, true}, {true, false}, {true, true}};
        for (Backend be : nativeBackends()) {
            int[] bl = ((CpuBackend) be).gemmBlocking();
            int mr = bl[0], nr = bl[1], kc = bl[2], mc = bl[3], nc = bl[4];
            List<int[]> shapes = new ArrayList<>();
            shapes.add(new int[]{mr - 1, nr + 1, 7});
            shapes.add(new int[]{mr + 1, nr - 1, 33});
            shapes.add(new int[]{mc + 1, 2 * nr + 3, 19});
            shapes.add(new int[]{2 * mc + mr + 1, nr, 5});
            shapes.add(new int[]{9, 23, kc + 1});
            shapes.add(new int[]{mr, 3 * nr, 2 * kc + 3});
            shapes.add(new int[]{5, nc + nr + 1, 9});
            shapes.add(new int[]{2, 300, 70});    // the matrix-vector path (decoding)
            shapes.add(new int[]{4 * mc + 5, 3 * nr + 7, kc + 9});   // threads share the packed B, two K blocks
            shapes.add(new int[]{100, nc + 33, 40});                 // threads share B, two N panels
            int v = 0;
            for (int[] sh : shapes) {
                int M = sh[0], N = sh[1], K = sh[2];
                for (boolean[] t : trans) {
                    float alpha = v % 2 == 0 ? 1f : -0.75f, beta = v % 3 == 0 ? 0f : 0.5f;
                    v++;
                    float[] a = randn(rnd, M * K, 1), b = randn(rnd, K * N, 1), c = randn(rnd, M * N, 1);
                    double[] want = RefGemm.gemm(1, t[0], t[1], M, N, K, alpha, toDouble(a), 0, toDouble(b), 0, beta, toDouble(c), 0);
                    try (Arena arena = Arena.ofShared()) {
                        Buf C = beta == 0f ? poisoned(be, (long) M * N, arena) : upload(be, c, arena);
                        be.gemm(new GemmShape(1, t[0], t[1], M, N, K, 0, 0, 0), alpha, upload(be, a, arena), upload(be, b, arena), beta, C);
                        assertClose(String.format("%s %dx%dx%d tA=%b tB=%b", be, M, N, K, t[0], t[1]), want, download(C),
                                1e-4, 1e-5 * Math.sqrt(K));
                    }
                }
            }
        }
    }
}
