package io.fedbiot.engine;

import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The step pool, Scratch scopes and the autograd's early frees. */
class StepPoolTest {
    final Backend be = Backends.java();

    @Test
    void releasedMemoryIsReusedZeroFilled() {
        try (var s = StepScope.open()) {
            Tensor a = Tensor.of(be, new float[]{1, 2, 3, 4}, 4);
            long held = s.heldBytes();
            a.release();
            assertEquals(0, s.liveBytes());
            IllegalStateException e = assertThrows(IllegalStateException.class, a::toFloatArray);
            assertTrue(e.getMessage().contains("was freed"), e.getMessage());
            Tensor b = Tensor.zeros(be, 2, 2);                  // same byte size: the same buffer, zeroed
            assertArrayEquals(new float[4], b.toFloatArray());
            assertEquals(held, s.heldBytes());
            Tensor c = Tensor.zeros(be, 3);                     // another size: new memory
            assertEquals(held + 12, s.heldBytes());
            assertEquals(28, s.liveBytes());
            assertEquals(28, s.peakBytes());
            c.release();
            b.release();
            assertEquals(0, s.liveBytes());
        }
    }

    @Test
    void scratchFreesWhatNothingSavedAndKeepsWhatIsReturned() {
        try (var s = StepScope.open()) {
            Tensor w = Tensor.of(be, new float[]{1, -2, 3}, 3).requiresGrad(true);
            Tensor kept, dropped, saved;
            try (var sc = Scratch.open()) {
                dropped = Ops.scale(w, 2f);                     // scale's backward reads nothing
                saved = Ops.add(w, w);                          // mul below saves it
                kept = sc.keep(Ops.mul(saved, saved));
            }
            assertThrows(IllegalStateException.class, dropped::toFloatArray);
            assertArrayEquals(new float[]{2, -4, 6}, saved.toFloatArray());   // alive: a node holds it
            assertArrayEquals(new float[]{4, 16, 36}, kept.toFloatArray());
            Autograd.backward(Ops.sum(kept));
            assertThrows(IllegalStateException.class, saved::toFloatArray);  // its node ran: freed
            assertArrayEquals(new float[]{8, -16, 24}, w.grad().toFloatArray()); // d/dw Σ(2w)² = 8w
            assertArrayEquals(new float[]{4, 16, 36}, kept.toFloatArray());
        }
    }

    @Test
    void theNextStepReusesTheLastOnesBuffers() {
        StepScope.trimCache();
        long base = be.liveBytes();
        Tensor stale;
        try (var s = StepScope.open()) {
            stale = Tensor.of(be, new float[]{1, 2, 3}, 3);
            Tensor.zeros(be, 5);
        }
        assertEquals(32, StepScope.cachedBytes());
        assertEquals(base + 32, be.liveBytes());
        IllegalStateException e = assertThrows(IllegalStateException.class, stale::toFloatArray);
        assertTrue(e.getMessage().contains("StepScope closed"), e.getMessage());
        try (var s = StepScope.open()) {
            assertArrayEquals(new float[3], Tensor.zeros(be, 3).toFloatArray());   // the cached one, zeroed
            Tensor.zeros(be, 7);                                                   // new
            assertEquals(base + 60, be.liveBytes());
            assertEquals(20, StepScope.cachedBytes());                             // [5] still cached
        }
        assertEquals(40, StepScope.cachedBytes());          // the [5] block was not reused: freed
        assertEquals(base + 40, be.liveBytes());
        StepScope.trimCache();
        assertEquals(base, be.liveBytes());
    }

    @Test
    void aGraphGoesBackwardOnce() {
        try (var s = StepScope.open()) {
            Tensor w = Tensor.of(be, new float[]{1, 2}, 2).requiresGrad(true);
            Tensor loss = Ops.sum(Ops.mul(w, w));
            Autograd.backward(loss);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Autograd.backward(loss));
            assertTrue(e.getMessage().contains("already ran"), e.getMessage());
        }
    }

    @Test
    void tensorsOutsideAStepAreNotPooled() {
        Tensor t = Tensor.zeros(be, 4);
        assertFalse(t.storage().pooled());
        t.release();                                            // no-op: the GC owns it
        assertArrayEquals(new float[4], t.toFloatArray());
    }
}
