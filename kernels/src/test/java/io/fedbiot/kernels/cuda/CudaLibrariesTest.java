package io.fedbiot.kernels.cuda;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Library discovery on fake install trees: precedence, version order, wheels, the missing case. */
class CudaLibrariesTest {
    @TempDir Path root;
    Path usrLocal, sys, site;

    private Path touch(String rel) throws IOException {
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "not really a library");
        return f;
    }

    @BeforeEach
    void tree() throws IOException {
        usrLocal = root.resolve("usr/local");
        sys = root.resolve("usr/lib/x86_64-linux-gnu");
        site = root.resolve("venv/lib/python3.12/site-packages");
        touch("usr/local/cuda-12.4/lib64/libcublas.so.12");
        touch("usr/local/cuda-12.10/lib64/libcublas.so.12");
        touch("usr/local/cuda-13.0/lib64/libcublas.so.13");
        touch("usr/lib/x86_64-linux-gnu/libcuda.so.1");
        touch("venv/lib/python3.12/site-packages/nvidia/cu13/lib/libnvrtc.so.13");
        touch("venv/lib/python3.12/site-packages/nvidia/cublas/lib/libcublas.so.12");
        touch("toolkit/lib64/libcublas.so.13");
        touch("ld/one/libunrelated.so");
        touch("ld/two/libcublas.so.12");
    }

    private CudaLibraries layout(Map<String, String> vars) {
        return new CudaLibraries(vars, List.of(usrLocal), List.of(sys), List.of(site));
    }

    @Test
    void cudaHomeComesFirst() {
        var libs = layout(Map.of("CUDA_HOME", root.resolve("toolkit").toString()));
        assertEquals(root.resolve("toolkit/lib64/libcublas.so.13"), libs.find(List.of("libcublas.so.13")).orElseThrow());
    }

    @Test
    void ldLibraryPathComesBeforeInstallFolders() {
        var libs = layout(Map.of("LD_LIBRARY_PATH", root.resolve("ld/one") + ":" + root.resolve("ld/two")));
        assertEquals(root.resolve("ld/two/libcublas.so.12"), libs.find(List.of("libcublas.so.12")).orElseThrow());
    }

    @Test
    void newestVersionedInstallWinsNumerically() {
        // 12.10 is newer than 12.4 although "12.4" sorts after "12.10" as text.
        assertEquals(root.resolve("usr/local/cuda-12.10/lib64/libcublas.so.12"),
                layout(Map.of()).find(List.of("libcublas.so.12")).orElseThrow());
        assertTrue(CudaLibraries.versionKey("cuda-12.10").compareTo(CudaLibraries.versionKey("cuda-12.4")) > 0);
    }

    @Test
    void sonamesAreTriedInOrderAcrossAllFolders() {
        // .so.13 exists only in cuda-13.0, searched after cuda-12.10 which has .so.12: order of names wins.
        assertEquals(root.resolve("usr/local/cuda-13.0/lib64/libcublas.so.13"),
                layout(Map.of()).find(List.of("libcublas.so.13", "libcublas.so.12")).orElseThrow());
    }

    @Test
    void pythonWheelLayoutIsSearched() {
        assertEquals(root.resolve("venv/lib/python3.12/site-packages/nvidia/cu13/lib/libnvrtc.so.13"),
                layout(Map.of()).find(List.of("libnvrtc.so.13", "libnvrtc.so.12")).orElseThrow());
        assertEquals(site.resolve("nvidia"), CudaLibraries.pythonSiteDirs(root.resolve("venv/lib")).getFirst().resolve("nvidia"));
    }

    @Test
    void systemFoldersAreSearched() {
        assertEquals(root.resolve("usr/lib/x86_64-linux-gnu/libcuda.so.1"), layout(Map.of()).find(List.of("libcuda.so.1")).orElseThrow());
    }

    @Test
    void searchOrderHasNoDuplicatesAndFollowsThePrecedence() {
        String home = root.resolve("toolkit").toString();
        List<Path> dirs = layout(Map.of("CUDA_HOME", home, "CUDA_PATH", home, "LD_LIBRARY_PATH", root.resolve("ld/one").toString()))
                .searchDirs();
        assertEquals(new HashSet<>(dirs).size(), dirs.size(), "duplicates in " + dirs);
        int cudaHome = dirs.indexOf(root.resolve("toolkit/lib64")), ld = dirs.indexOf(root.resolve("ld/one")),
                v1210 = dirs.indexOf(root.resolve("usr/local/cuda-12.10/lib64")), v124 = dirs.indexOf(root.resolve("usr/local/cuda-12.4/lib64")),
                system = dirs.indexOf(sys), wheel = dirs.indexOf(site.resolve("nvidia/cublas/lib"));
        assertTrue(0 <= cudaHome && cudaHome < ld && ld < v1210 && v1210 < v124 && v124 < system && system < wheel, dirs.toString());
    }

    @Test
    void missingLibraryGivesAClearMessage() {
        var libs = layout(Map.of());
        assertTrue(libs.find(List.of("libnvrtc.so.99")).isEmpty());
        CudaException e = assertThrows(CudaException.class, () -> libs.require("NVRTC", List.of("libnvrtc.so.99", "libnvrtc.so.98")));
        assertTrue(e.getMessage().contains("NVRTC not found") && e.getMessage().contains("libnvrtc.so.99 or libnvrtc.so.98")
                && e.getMessage().contains("CUDA_HOME") && e.getMessage().contains("site-packages/nvidia"), e.getMessage());
    }

    @Test
    void absentNvrtcAndCublasAreNamedByTheirLoaders(@TempDir Path empty) {
        var libs = new CudaLibraries(Map.of(), List.of(empty), List.of(empty), List.of(empty));
        CudaException e = assertThrows(CudaException.class, () -> Nvrtc.load(libs));
        assertTrue(e.getMessage().contains("libnvrtc.so.13 or libnvrtc.so.12"), e.getMessage());
        Gemms.Attempt ffm = Gemms.tryFfm(libs, 0);
        assertFalse(ffm.loaded());
        assertTrue(ffm.failure().contains("libcublas.so.13 or libcublas.so.12"), ffm.failure());
    }

    @Test
    void aFileThatIsNotALibraryIsReportedNotThrown() {
        // The fake tree's libcublas.so.13 is text: FFM refuses it and the attempt says why.
        var libs = layout(Map.of("CUDA_HOME", root.resolve("toolkit").toString()));
        Gemms.Attempt ffm = Gemms.tryFfm(libs, 0);
        assertFalse(ffm.loaded());
        assertTrue(ffm.failure().contains(root.resolve("toolkit/lib64/libcublas.so.13").toString()), ffm.failure());
    }
}
