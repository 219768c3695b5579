package io.fedbiot.kernels.testing;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.Buf;
import io.fedbiot.kernels.cpu.CpuBackend;
import io.fedbiot.kernels.cpu.Isa;
import io.fedbiot.kernels.cpu.NativeLibrary;
import org.opentest4j.TestAbortedException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every kernel test needs: the backends under test, host<->backend copies, NaN-poisoned
 * outputs, float64 comparison and central finite differences.
 */
public final class KernelTesting {
    private KernelTesting() {}

    /**
     * Every backend available on this machine; each kernel test runs on all of them: java, and the
     * native backend on each ISA variant this CPU runs (when its library was built; see
     * NativeBackendTest for the skip reason otherwise), and cuda where a GPU is usable.
     */
    public static List<Backend> backends() {
        List<Backend> all = new java.util.ArrayList<>();
        all.add(Backends.java());
        all.addAll(nativeBackends());
        // cuda joins only where the probe found a usable GPU (CudaKernelsTest says when it did not).
        if (io.fedbiot.kernels.cuda.CudaProbe.get().usable()) all.add(Backends.cuda());
        return all;
    }

    /** The native backend on every ISA variant this CPU runs, best first; empty without the library. */
    public static List<Backend> nativeBackends() {
        List<Backend> out = new java.util.ArrayList<>();
        for (int i = Isa.values().length - 1; i >= 0; i--) CpuBackend.of(Isa.values()[i]).ifPresent(out::add);
        return out;
    }

    /**
     * Every backend a parity test names, whether or not this machine has it: java, the native
     * backend on each ISA variant (best first), cuda. {@link #backendOrSkip} turns a name into
     * the backend or a skip naming the reason.
     */
    public static List<String> backendNames() {
        List<String> names = new java.util.ArrayList<>(List.of("java"));
        for (int i = Isa.values().length - 1; i >= 0; i--) names.add("native-" + Isa.values()[i].label());
        names.add("cuda");
        return names;
    }

    /** The backend {@link #backendNames} calls {@code name}; skips the calling test when this machine lacks it. */
    public static Backend backendOrSkip(String name) {
        if (name.equals("java")) return Backends.java();
        if (name.equals("cuda")) {
            io.fedbiot.kernels.cuda.CudaProbe p = io.fedbiot.kernels.cuda.CudaProbe.get();
            assumeTrue(p.usable(), () -> "no usable GPU: " + p.reason());
            return Backends.cuda();
        }
        for (Isa isa : Isa.values()) {
            if (!name.equals("native-" + isa.label())) continue;
            assumeTrue(NativeLibrary.get() != null, () -> "native library not available: " + NativeLibrary.unavailableReason());
            return CpuBackend.of(isa).orElseThrow(() -> new TestAbortedException("this CPU lacks " + isa.label()));
        }
        throw new IllegalArgumentException("unknown backend name " + name);
    }

    public static Buf upload(Backend be, float[] data, Arena arena) {
        Buf b = be.allocate(4L * data.length, arena);
        be.fromHost(MemorySegment.ofArray(data), b);
        return b;
    }

    public static Buf uploadInts(Backend be, int[] data, Arena arena) {
        Buf b = be.allocate(4L * data.length, arena);
        be.fromHost(MemorySegment.ofArray(data), b);
        return b;
    }

    public static Buf upload(Backend be, double[] data, Arena arena) {
        return upload(be, toFloat(data), arena);
    }

    /** A buffer of n floats, every one NaN: an element the kernel forgets to write stays NaN. */
    public static Buf poisoned(Backend be, long n, Arena arena) {
        float[] nan = new float[Math.toIntExact(n)];
        java.util.Arrays.fill(nan, Float.NaN);
        return upload(be, nan, arena);
    }

    public static float[] download(Buf b) {
        float[] out = new float[Math.toIntExact(b.byteSize() / 4)];
        MemorySegment host = Arena.ofAuto().allocate(b.byteSize(), 64);
        b.backend().toHost(b, host);
        MemorySegment.copy(host, ValueLayout.JAVA_FLOAT, 0, out, 0, out.length);
        return out;
    }

    public static float[] randn(Random r, int n, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * std);
        return x;
    }

    /** Uniform in [lo, hi). */
    public static float[] uniform(Random r, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return x;
    }

    public static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    public static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }

    /**
     * Fails naming the first element where |actual - expected| > atol + rtol * |expected|,
     * or where actual is NaN/Inf.
     */
    public static void assertClose(String what, double[] expected, float[] actual, double rtol, double atol) {
        if (expected.length != actual.length)
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (!Double.isFinite(a) || Math.abs(a - e) > atol + rtol * Math.abs(e))
                fail(String.format("%s: element %d of %d is %s, expected %s (rtol %g, atol %g)",
                        what, i, expected.length, a, e, rtol, atol));
        }
    }

    public static void assertClose(String what, double expected, float actual, double rtol, double atol) {
        assertClose(what, new double[]{expected}, new float[]{actual}, rtol, atol);
    }

    /** Central finite differences of a float64 scalar function: (f(x+h) - f(x-h)) / 2h per element. */
    public static double[] finiteDiff(ToDoubleFunction<double[]> f, double[] x, double h) {
        double[] g = new double[x.length];
        double[] xp = x.clone();
        for (int i = 0; i < x.length; i++) {
            double orig = xp[i];
            xp[i] = orig + h;
            double fp = f.applyAsDouble(xp);
            xp[i] = orig - h;
            double fm = f.applyAsDouble(xp);
            xp[i] = orig;
            g[i] = (fp - fm) / (2 * h);
        }
        return g;
    }

    /** Σ r_i y_i: turns a tensor-valued reference into the scalar whose gradient is checked. */
    public static double dot(double[] r, double[] y) {
        double s = 0;
        for (int i = 0; i < r.length; i++) s += r[i] * y[i];
        return s;
    }
}
