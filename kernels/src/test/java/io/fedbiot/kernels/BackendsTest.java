package io.fedbiot.kernels;

import io.fedbiot.kernels.cuda.CudaProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Backend names: gpu is cuda by another name; every listed name is known; an unknown one lists them. */
class BackendsTest {
    @Test
    void gpuIsCuda() {
        if (CudaProbe.get().usable()) {
            assertSame(Backends.byName("cuda"), Backends.byName("gpu"));
            assertSame(Backends.cuda(), Backends.byName("GPU"));
        } else {
            String cuda = assertThrows(IllegalStateException.class, () -> Backends.byName("cuda")).getMessage();
            assertEquals(cuda, assertThrows(IllegalStateException.class, () -> Backends.byName("gpu")).getMessage());
            assertTrue(cuda.contains(CudaProbe.get().reason()), cuda);
        }
    }

    @Test
    void everyListedNameIsKnown() {
        assertTrue(Backends.names().contains("gpu"));
        for (String n : Backends.names()) {
            try {
                assertNotNull(Backends.byName(n), n);
            } catch (IllegalArgumentException | IllegalStateException unavailableHere) {
                assertFalse(unavailableHere.getMessage().contains("unknown backend"), n + ": " + unavailableHere.getMessage());
            }
        }
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        String m = assertThrows(IllegalArgumentException.class, () -> Backends.byName("tpu")).getMessage();
        assertTrue(m.contains("unknown backend 'tpu'") && m.contains("gpu") && m.contains("native"), m);
    }
}
