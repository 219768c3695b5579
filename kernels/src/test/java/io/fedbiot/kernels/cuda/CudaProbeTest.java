package io.fedbiot.kernels.cuda;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The probe on this machine: it answers without throwing, is cached, and routes `auto`. */
class CudaProbeTest {
    @Test
    void probeAnswersTwiceWithoutThrowingAndIsCached() {
        // The second run touches JCuda after a possibly failed native load: it must still answer.
        CudaProbe first = CudaProbe.run(), second = CudaProbe.run();
        assertEquals(first.usable(), second.usable());
        assertSame(CudaProbe.get(), CudaProbe.get());
        if (first.usable()) assertTrue(first.ccMajor() >= CudaProbe.MIN_CC_MAJOR, first.describe());
        else assertFalse(first.reason().isBlank());
        assertFalse(first.describe().contains("\n"), "one log line");
    }

    @Test
    void withoutGpuAutoIsACpuBackendAndCudaNamesTheReason() {
        CudaProbe p = CudaProbe.get();
        assumeFalse(p.usable(), "a usable GPU is present (" + p.describe() + "): the no-GPU path is not reachable here");
        Backend auto = Backends.byName("auto");
        assertTrue(auto.isHost(), auto.name());
        // native when its library was built, else java: the best CPU backend, never cuda.
        String best = io.fedbiot.kernels.cpu.CpuBackend.best().map(Backend::name).orElse("java");
        assertEquals(best, auto.name());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.byName("cuda"));
        assertTrue(e.getMessage().contains(p.reason()), e.getMessage());
    }

    @Test
    void withoutDriverTheReasonNamesLibcuda() {
        assumeTrue(CudaLibraries.system().find(List.of("libcuda.so.1")).isEmpty(), "libcuda.so.1 is installed here");
        assumeFalse(Boolean.getBoolean("fedbiot.cuda.disable"), "the GPU is disabled by property, the driver is never touched");
        CudaProbe p = CudaProbe.run();
        assertFalse(p.usable());
        assertTrue(p.reason().contains("libcuda.so.1"), p.reason());
    }

    @Test
    void withGpuAutoIsCuda() {
        CudaProbe p = CudaProbe.get();
        assumeTrue(p.usable(), () -> "no usable GPU: " + p.reason());
        assertEquals("cuda", Backends.byName("auto").name());
        assertEquals("cuda", Backends.byName("CUDA").name());
    }

    @Test
    void disablePropertyTurnsTheGpuOff() {
        System.setProperty("fedbiot.cuda.disable", "true");
        try {
            CudaProbe p = CudaProbe.run();
            assertFalse(p.usable());
            assertTrue(p.reason().contains("fedbiot.cuda.disable"), p.reason());
        } finally {
            System.clearProperty("fedbiot.cuda.disable");
        }
    }
}
