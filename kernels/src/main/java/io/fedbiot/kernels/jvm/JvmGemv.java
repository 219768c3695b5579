package io.fedbiot.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * GEMM for a few rows of A (decoding one token): C [M,N] = alpha A [M,K] op(B) + beta C with M
 * tiny. Streaming B once without packing is what matters here; every output element is computed
 * whole by one thread, so results do not depend on the thread count.
 */
final class JvmGemv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    /** Columns per task: a few KB of C, enough B rows streamed per task to pay for a fork. */
    private static final int CHUNK = 64;

    private JvmGemv() {}

    static void gemv(Parallel par, boolean transB, int M, int N, int K, float alpha, MemorySegment A, long aOff,
                     MemorySegment B, long bOff, float beta, MemorySegment C, long cOff) {
        int chunks = (N + CHUNK - 1) / CHUNK;
        Parallel.RangeBody body = (lo, hi) -> {
            int n0 = lo * CHUNK, n1 = Math.min(N, hi * CHUNK);
            if (transB) rowsDot(M, K, n0, n1, alpha, A, aOff, B, bOff, beta, C, cOff, N);
            else rowsAxpy(M, K, n0, n1, alpha, A, aOff, B, bOff, beta, C, cOff, N);
        };
        if (par == null) body.run(0, chunks);
        else par.forRange(chunks, 1, body);
    }

    // B stored [N,K]: C[m,n] = alpha * dot(A[m,:], B[n,:]) + beta * C[m,n]
    private static void rowsDot(int M, int K, int n0, int n1, float alpha, MemorySegment A, long aOff,
                                MemorySegment B, long bOff, float beta, MemorySegment C, long cOff, int N) {
        int kv = K - K % L;
        for (int n = n0; n < n1; n++) {
            long bRow = bOff + 4L * n * K;
            for (int m = 0; m < M; m++) {
                long aRow = aOff + 4L * m * K;
                FloatVector acc = FloatVector.zero(S);
                int k = 0;
                for (; k < kv; k += L)
                    acc = FloatVector.fromMemorySegment(S, A, aRow + 4L * k, LE)
                            .fma(FloatVector.fromMemorySegment(S, B, bRow + 4L * k, LE), acc);
                float sum = VecMath.sum(acc);
                for (; k < K; k++) sum += A.get(F, aRow + 4L * k) * B.get(F, bRow + 4L * k);
                store(C, cOff + 4L * ((long) m * N + n), alpha * sum, beta);
            }
        }
    }

    // B stored [K,N]: C[m, n0:n1] = alpha * Σ_k A[m,k] B[k, n0:n1] + beta * C[m, n0:n1]
    private static void rowsAxpy(int M, int K, int n0, int n1, float alpha, MemorySegment A, long aOff,
                                 MemorySegment B, long bOff, float beta, MemorySegment C, long cOff, int N) {
        int width = n1 - n0, wv = width - width % L;
        float[] acc = new float[width];
        for (int m = 0; m < M; m++) {
            java.util.Arrays.fill(acc, 0f);
            for (int k = 0; k < K; k++) {
                float a = A.get(F, aOff + 4L * ((long) m * K + k));
                if (a == 0f) continue;
                long bRow = bOff + 4L * ((long) k * N + n0);
                FloatVector av = FloatVector.broadcast(S, a);
                int j = 0;
                for (; j < wv; j += L)
                    FloatVector.fromMemorySegment(S, B, bRow + 4L * j, LE)
                            .fma(av, FloatVector.fromArray(S, acc, j)).intoArray(acc, j);
                for (; j < width; j++) acc[j] += a * B.get(F, bRow + 4L * j);
            }
            for (int j = 0; j < width; j++) store(C, cOff + 4L * ((long) m * N + n0 + j), alpha * acc[j], beta);
        }
    }

    private static void store(MemorySegment C, long off, float v, float beta) {
        C.set(F, off, beta == 0f ? v : v + beta * C.get(F, off));
    }
}
