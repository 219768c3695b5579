package io.fedbiot.kernels.cuda;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The nvcc build, checked without a GPU: where nvcc is installed the kernels jar must carry one
 * fatbin per module with SASS for sm_80 and sm_90 plus compute_90 PTX, and every kernel the
 * backend launches must be in both SASS images. The NVRTC sources must be packaged everywhere.
 */
class FatbinBuildTest {
    /** nvcc as native/cuda/build.sh finds it. */
    static Optional<Path> nvcc() {
        String nv = System.getenv("NVCC");
        if (nv != null && Files.isExecutable(Path.of(nv))) return Optional.of(Path.of(nv));
        String path = System.getenv("PATH");
        if (path != null)
            for (String d : path.split(":")) if (!d.isBlank() && Files.isExecutable(Path.of(d, "nvcc"))) return Optional.of(Path.of(d, "nvcc"));
        for (String home : new String[]{System.getenv("CUDA_HOME"), System.getenv("CUDA_PATH"), "/usr/local/cuda"})
            if (home != null && Files.isExecutable(Path.of(home, "bin", "nvcc"))) return Optional.of(Path.of(home, "bin", "nvcc"));
        return Optional.empty();
    }

    @Test
    void everyModuleHasSm80Sm90AndPtx() {
        assumeTrue(nvcc().isPresent(), "nvcc is not installed: no fatbin is built, the backend compiles with NVRTC at first use");
        for (var e : KernelModules.KERNELS.entrySet()) {
            String module = e.getKey();
            byte[] image = KernelModules.resource(module + ".fatbin");
            assertNotNull(image, "nvcc is installed but " + module + ".fatbin is not packaged");
            List<Fatbin.Entry> entries = Fatbin.entries(image, module + ".fatbin");
            for (int arch : new int[]{80, 90}) {
                Fatbin.Entry elf = entries.stream().filter(x -> x.kind() == Fatbin.Kind.ELF && x.arch() == arch).findFirst()
                        .orElseThrow(() -> new AssertionError(module + ".fatbin has no sm_" + arch + " SASS: " + entries));
                assertFalse(elf.compressed(), "SASS images are stored uncompressed");
                for (String kernel : e.getValue())
                    assertTrue(Fatbin.payloadContains(image, elf, ".text." + kernel + "\0"),
                            module + ".fatbin sm_" + arch + " lacks kernel " + kernel);
            }
            assertTrue(entries.stream().anyMatch(x -> x.kind() == Fatbin.Kind.PTX && x.arch() == 90),
                    module + ".fatbin carries no compute_90 PTX: " + entries);
        }
    }

    @Test
    void sourcesForNvrtcArePackaged() {
        assertTrue(KernelModules.text("src/common.cuh").contains("#pragma once"));
        for (var e : KernelModules.KERNELS.entrySet()) {
            String src = KernelModules.text("src/" + e.getKey() + ".cu");
            assertTrue(src.contains("#include \"common.cuh\""), e.getKey() + ".cu");
            // NVRTC has no system headers: a source may include only the packaged header.
            assertEquals(1, src.lines().filter(l -> l.startsWith("#include")).count(), e.getKey() + ".cu includes more than common.cuh");
        }
    }

    @Test
    void notAFatbinIsRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fatbin.entries(new byte[64], "junk.bin"));
        assertTrue(e.getMessage().contains("junk.bin"));
    }
}
