package io.fedbiot.kernels.cpu;

import io.fedbiot.kernels.RmsNorm;
import io.fedbiot.kernels.GemmShape;
import io.fedbiot.kernels.Classifier;
import io.fedbiot.kernels.AttentionIo;
import io.fedbiot.kernels.AttentionGrads;
import io.fedbiot.kernels.Attention;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.testing.KernelTesting;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.fedbiot.kernels.testing.KernelTesting.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The native results do not depend on the thread count. The C pool is sized once per process
 * ({@code fedbiot.native.threads}), so each count runs in its own JVM: {@link Probe} runs the
 * threaded kernels (GEMM in every transpose, attention both ways, RMSNorm both ways, both
 * classifier cross-entropy paths) on every ISA variant and prints a hash of every output's bits.
 */
class NativeThreadCountTest {

    @Test
    void outputsAreBitwiseTheSameForOneTwoAndThreeThreads() throws Exception {
        assumeTrue(!KernelTesting.nativeBackends().isEmpty(), "the native library was not built (NativeBackendTest says why)");
        String one = probe(1), two = probe(2), three = probe(3);
        assertTrue(one.lines().count() > 10, "the probe printed too little:\n" + one);
        assertEquals(one, two, "2 threads vs 1");
        assertEquals(one, three, "3 threads vs 1");
    }

    private static String probe(int threads) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!a.startsWith("-Dfedbiot.native.threads") && !a.startsWith("-agentlib") && !a.startsWith("-javaagent")) cmd.add(a);
        cmd.add("-Dfedbiot.native.threads=" + threads);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Probe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe with " + threads + " threads timed out");
        assertEquals(0, p.exitValue(), "probe with " + threads + " threads failed:\n" + err);
        assertTrue(out.contains("threads=" + threads), "the probe did not run with " + threads + " threads:\n" + out);
        return out.replace("threads=" + threads, "threads=N");
    }

    /** Prints "variant op hash" per output; shapes big enough that every kernel splits its work. */
    public static final class Probe {
        public static void main(String[] args) {
            for (Backend be : KernelTesting.nativeBackends()) {
                System.out.println(be.name() + " threads=" + be.threads());
                try (Arena a = Arena.ofShared()) {
                    Random r = new Random(7);
                    int M = 300, N = 260, K = 190;
                    for (boolean ta : new boolean[]{false, true})
                        for (boolean tb : new boolean[]{false, true}) {
                            Buf c = upload(be, randn(r, M * N, 1), a);
                            be.gemm(new GemmShape(1, ta, tb, M, N, K, 0, 0, 0), 1f, upload(be, randn(r, M * K, 1), a), upload(be, randn(r, K * N, 1), a), 0.5f, c);
                            print(be, "gemm ta=" + ta + " tb=" + tb, c);
                        }
                    int B = 2, T = 70, H = 4, G = 2, D = 16;
                    Buf q = upload(be, randn(r, B * T * H * D, 1), a), k = upload(be, randn(r, B * T * G * D, 1), a);
                    Buf v = upload(be, randn(r, B * T * G * D, 1), a), out = be.allocate(4L * B * T * H * D, a);
                    Buf lse = be.allocate(4L * B * H * T, a);
                    be.attentionForward(new Attention(B, T, T, H, G, D, 0.25f), new AttentionIo(q, k, v, out, lse));
                    Buf dq = be.allocate(4L * B * T * H * D, a), dk = be.allocate(4L * B * T * G * D, a), dv = be.allocate(4L * B * T * G * D, a);
                    be.attentionBackward(new Attention(B, T, T, H, G, D, 0.25f), new AttentionIo(q, k, v, out, lse), upload(be, randn(r, B * T * H * D, 1), a), new AttentionGrads(dq, dk, dv));
                    print(be, "attention out", out);
                    print(be, "attention lse", lse);
                    print(be, "attention dq", dq);
                    print(be, "attention dk", dk);
                    print(be, "attention dv", dv);
                    int R = 700, C = 48;
                    Buf x = upload(be, randn(r, R * C, 1), a), w = upload(be, randn(r, C, 1), a);
                    Buf y = be.allocate(4L * R * C, a), rstd = be.allocate(4L * R, a), dx = be.allocate(4L * R * C, a), dw = be.allocate(4L * C, a);
                    be.rmsnormForward(new RmsNorm(R, C, 1e-5f), y, rstd, x, w);
                    be.rmsnormBackward(new RmsNorm(R, C, 1e-5f), dx, dw, upload(be, randn(r, R * C, 1), a), x, w, rstd);
                    print(be, "rmsnorm y", y);
                    print(be, "rmsnorm dx", dx);
                    print(be, "rmsnorm dw", dw);
                    int V = 1500;
                    Buf h = upload(be, randn(r, R * C, 1), a), W = upload(be, randn(r, V * C, 0.5), a);
                    Buf tg = uploadInts(be, r.ints(R, 0, V).toArray(), a);
                    Buf loss = be.allocate(4, a), gh = be.allocate(4L * R * C, a), gW = be.allocate(4L * V * C, a);
                    be.linearCrossEntropy(new Classifier(R, C, V), loss, gh, null, h, W, tg, null);
                    print(be, "linearCrossEntropy fused loss", loss);
                    print(be, "linearCrossEntropy fused gh", gh);
                    be.linearCrossEntropy(new Classifier(R, C, V), loss, gh, gW, h, W, tg, null);
                    print(be, "linearCrossEntropy with gW loss", loss);
                    print(be, "linearCrossEntropy with gW gh", gh);
                    print(be, "linearCrossEntropy with gW gW", gW);
                }
            }
        }

        private static void print(Backend be, String what, Buf b) {
            float[] v = download(b);
            int[] bits = new int[v.length];
            for (int i = 0; i < v.length; i++) bits[i] = Float.floatToRawIntBits(v[i]);
            System.out.println(be.name() + " " + what + " " + Arrays.hashCode(bits));
        }
    }
}
