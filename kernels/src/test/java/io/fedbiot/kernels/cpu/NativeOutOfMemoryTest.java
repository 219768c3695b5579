package io.fedbiot.kernels.cpu;

import io.fedbiot.kernels.Rows;
import io.fedbiot.kernels.Classifier;
import io.fedbiot.kernels.AttentionIo;
import io.fedbiot.kernels.AttentionGrads;
import io.fedbiot.kernels.Attention;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A failed C allocation (forced through fb_test_fail_alloc_after) becomes OutOfMemoryError naming
 * the op and the bytes asked, on the calling thread's path and from inside pool chunks; the call
 * after it runs normally (bit for bit what a call without the failure gives) and the error record
 * is consumed.
 */
class NativeOutOfMemoryTest {
    private static final Pattern MESSAGE = Pattern.compile("native (\\w+): could not allocate (\\d+) bytes");

    @BeforeAll
    static void libraryBuilt() {
        assumeTrue(NativeLibrary.get() != null, "native library not available: " + NativeLibrary.unavailableReason());
    }

    @AfterEach
    void disarm() {
        NativeLibrary.get().failAllocAfter(-1);
    }

    /** cross_entropy_forward allocates its row scratch (8 bytes a row) on the calling thread. */
    @Test
    void callingThreadAllocation() {
        int N = 37, V = 50;
        Random r = new Random(1);
        for (Backend be : nativeBackends()) {
            try (Arena a = Arena.ofShared()) {
                Buf logits = upload(be, randn(r, N * V, 1), a), tg = uploadInts(be, r.ints(N, 0, V).toArray(), a);
                Buf loss = be.allocate(4, a), lse = be.allocate(4L * N, a);
                Supplier<float[]> run = () -> {
                    be.crossEntropyForward(new Rows(N, V), loss, lse, logits, tg, null);
                    return concat(download(loss), download(lse));
                };
                float[] want = run.get();
                long bytes = failOnce(be, "cross_entropy_forward", 0, run);
                assertEquals(8L * N, bytes);
                assertArrayEquals(want, run.get(), "the call after the failure");
            }
        }
    }

    /**
     * attention_backward allocates 9 scratch buffers inside each pool chunk, one chunk per (b, g)
     * at most; with at least min(B G, threads) chunks, failing each allocation in turn hits chunks
     * the workers run (the chunks are long enough that the workers are awake for them).
     */
    @Test
    void poolChunkAllocation() {
        int B = 2, T = 256, H = 4, G = 2, D = 32, rows = H / G * 16;
        List<Long> sizes = List.of(4L * rows * D, 4L * rows * D * 16, 4L * rows, 4L * D * 64);
        Random r = new Random(2);
        for (Backend be : nativeBackends()) {
            try (Arena a = Arena.ofShared()) {
                int nq = B * T * H * D, nkv = B * T * G * D;
                Buf q = upload(be, randn(r, nq, 1), a), k = upload(be, randn(r, nkv, 1), a), v = upload(be, randn(r, nkv, 1), a);
                Buf out = be.allocate(4L * nq, a), lse = be.allocate(4L * B * H * T, a), dOut = upload(be, randn(r, nq, 1), a);
                be.attentionForward(new Attention(B, T, T, H, G, D, 0.25f), new AttentionIo(q, k, v, out, lse));
                Buf dq = be.allocate(4L * nq, a), dk = be.allocate(4L * nkv, a), dv = be.allocate(4L * nkv, a);
                Supplier<float[]> run = () -> {
                    for (Buf g : new Buf[]{dq, dk, dv}) be.fill(g, g.byteSize() / 4, 0f);
                    be.attentionBackward(new Attention(B, T, T, H, G, D, 0.25f), new AttentionIo(q, k, v, out, lse), dOut, new AttentionGrads(dq, dk, dv));
                    return concat(download(dq), download(dk), download(dv));
                };
                float[] want = run.get();
                for (int after = 0; after < 9 * Math.min(B * G, be.threads()); after++) {
                    long bytes = failOnce(be, "attention_backward", after, run);
                    assertTrue(sizes.contains(bytes), be + ": " + bytes + " bytes is none of the scratch sizes " + sizes);
                    assertArrayEquals(want, run.get(), be + ": the call after failing allocation " + after);
                }
            }
        }
    }

    /** linear_cross_entropy: scratch on the caller, then per chunk, including its nested GEMMs. */
    @Test
    void fusedKernelAllocations() {
        int N = 1100, C = 48, V = 700;
        Random r = new Random(3);
        for (Backend be : nativeBackends()) {
            try (Arena a = Arena.ofShared()) {
                Buf h = upload(be, randn(r, N * C, 1), a), W = upload(be, randn(r, V * C, 0.5), a);
                Buf tg = uploadInts(be, r.ints(N, 0, V).toArray(), a), loss = be.allocate(4, a), gh = be.allocate(4L * N * C, a);
                Supplier<float[]> run = () -> {
                    be.linearCrossEntropy(new Classifier(N, C, V), loss, gh, null, h, W, tg, null);
                    return concat(download(loss), download(gh));
                };
                float[] want = run.get();
                assertEquals(8L * N, failOnce(be, "linear_cross_entropy", 0, run));
                assertEquals(4L * N, failOnce(be, "linear_cross_entropy", 1, run));
                for (int after = 2; after < 6; after++) failOnce(be, "linear_cross_entropy", after, run);
                assertArrayEquals(want, run.get(), be + ": the call after the failures");
            }
        }
    }

    /** Arms the hook, expects OutOfMemoryError from run naming op; returns the bytes it names. */
    private static long failOnce(Backend be, String op, int after, Supplier<float[]> run) {
        NativeLibrary lib = NativeLibrary.get();
        lib.failAllocAfter(after);
        OutOfMemoryError e;
        try {
            e = assertThrows(OutOfMemoryError.class, run::get, be + ": allocation " + after + " of " + op);
        } finally {
            lib.failAllocAfter(-1);
        }
        Matcher m = MESSAGE.matcher(e.getMessage());
        assertTrue(m.matches(), e.getMessage());
        assertEquals(op, m.group(1), e.getMessage());
        assertEquals(0, lib.lastError()[0], "the error record was consumed");
        return Long.parseLong(m.group(2));
    }

    private static float[] concat(float[]... parts) {
        float[] out = new float[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
