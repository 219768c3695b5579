package io.fedbiot.kernels.jvm;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.Embedding;
import io.fedbiot.kernels.RmsNorm;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static io.fedbiot.kernels.testing.KernelTesting.download;
import static io.fedbiot.kernels.testing.KernelTesting.poisoned;
import static io.fedbiot.kernels.testing.KernelTesting.randn;
import static io.fedbiot.kernels.testing.KernelTesting.upload;
import static io.fedbiot.kernels.testing.KernelTesting.uploadInts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The Java backend's row sums give the same bits on any thread count (parity against the references: NormCases). */
class NormKernelsTest {
    static final float EPS = 1e-5f;

    /** Gradients summed over rows (dw, embedding scatter-add) give the same bits for any thread count. */
    @Test
    void rowSumsAreDeterministicAcrossThreadCounts() {
        Random r = new Random(35);
        int N = 1500, C = 257, V = 5;
        float[] x = randn(r, N * C, 1), w = randn(r, C, 1), up = randn(r, N * C, 1);
        int[] ids = r.ints(N, 0, V).toArray();
        float[][] dw = new float[3][], dx = new float[3][], dT = new float[3][];
        Backend[] bes = {new JavaBackend(1), new JavaBackend(4), new JavaBackend(4)};
        for (int k = 0; k < bes.length; k++) {
            Backend be = bes[k];
            try (Arena arena = Arena.ofShared()) {
                Buf X = upload(be, x, arena), W = upload(be, w, arena), R = upload(be, up, arena);
                Buf rstd = poisoned(be, N, arena);
                be.rmsnormForward(new RmsNorm(N, C, EPS), poisoned(be, (long) N * C, arena), rstd, X, W);
                Buf dX = upload(be, new float[N * C], arena), dW = upload(be, new float[C], arena);
                be.rmsnormBackward(new RmsNorm(N, C, EPS), dX, dW, R, X, W, rstd);
                dx[k] = download(dX);
                dw[k] = download(dW);
                Buf dTable = upload(be, new float[V * C], arena);
                be.embeddingBackward(new Embedding(N, C, V), dTable, R, uploadInts(be, ids, arena));
                dT[k] = download(dTable);
            }
        }
        for (int k = 1; k < 3; k++) {
            assertArrayEquals(dw[0], dw[k], "rmsnorm dw, backend " + k + " vs 1 thread");
            assertArrayEquals(dx[0], dx[k], "rmsnorm dx, backend " + k + " vs 1 thread");
            assertArrayEquals(dT[0], dT[k], "embedding dTable, backend " + k + " vs 1 thread");
        }
    }
}
