package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.Rows;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/** The Java backend's losses give the same bits on any thread count (parity: LossCases). */
class LossKernelsTest {
    @Test
    void lossesDoNotDependOnThreadCount() {
        int N = 37, V = 1000;
        Random r = new Random(12);
        float[] x = randn(r, N * V, 2), y = randn(r, N * V, 2);
        int[] t = new int[N];
        for (int n = 0; n < N; n++) t[n] = r.nextInt(V);
        float[][] res = new float[2][];
        int i = 0;
        for (Backend be : List.<Backend>of(new JavaBackend(1), new JavaBackend(3))) {
            try (Arena arena = Arena.ofShared()) {
                Buf xb = upload(be, x, arena), yb = upload(be, y, arena), tb = uploadInts(be, t, arena);
                Buf ce = poisoned(be, 1, arena), lse = poisoned(be, N, arena), kl = poisoned(be, 1, arena), nm = poisoned(be, 1, arena);
                be.crossEntropyForward(new Rows(N, V), ce, lse, xb, tb, null);
                be.klForward(new Rows(N, V), kl, xb, yb, null);
                be.nmseForward(new Rows(N, V), nm, xb, yb, null);
                res[i++] = new float[]{download(ce)[0], download(kl)[0], download(nm)[0]};
            }
        }
        assertArrayEquals(res[0], res[1]);
    }
}
