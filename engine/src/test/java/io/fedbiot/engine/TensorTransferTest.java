package io.fedbiot.engine;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@link Tensor#to} is a byte-exact copy for every dtype, every pair of host backends and odd and
 * even element counts (a 2-byte dtype with an odd count once lost its last element), and
 * {@link Tensor#toF32} converts every element, checked against a conversion written here.
 */
class TensorTransferTest {
    static final int[] COUNTS = {1, 2, 7, 8, 1001};

    static List<Backend> hostBackends() {
        List<Backend> out = new ArrayList<>(List.of(Backends.java()));
        CpuBackend.best().ifPresent(out::add);
        return out;
    }

    static Stream<Arguments> copies() {
        List<Arguments> cases = new ArrayList<>();
        for (DType dt : DType.values())
            for (Backend from : hostBackends())
                for (Backend to : hostBackends())
                    for (int n : COUNTS) cases.add(Arguments.of(dt, from, to, n));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}->{2} n={3}")
    @MethodSource("copies")
    void copyKeepsEveryByte(DType dt, Backend from, Backend to, int n) {
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = randomBytes(n * dt.bytes(), n * 31L + dt.ordinal());
            Tensor src = Tensor.zeros(from, dt, arena, n);
            from.fromHost(MemorySegment.ofArray(bytes), src.buf());
            Tensor dst = src.to(to, arena);
            assertEquals(dt, dst.dtype());
            assertArrayEquals(src.shape(), dst.shape());
            MemorySegment back = arena.allocate(dst.buf().byteSize(), 64);
            to.toHost(dst.buf(), back);
            assertArrayEquals(bytes, back.asSlice(0, bytes.length).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    static Stream<Arguments> halfPrecision() {
        List<Arguments> cases = new ArrayList<>();
        for (DType dt : List.of(DType.BF16, DType.F16))
            for (Backend be : hostBackends())
                for (int n : COUNTS) cases.add(Arguments.of(dt, be, n));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} on {1} n={2}")
    @MethodSource("halfPrecision")
    void toF32ConvertsEveryElement(DType dt, Backend be, int n) {
        try (Arena arena = Arena.ofConfined()) {
            Random r = new Random(n);
            short[] bits = new short[n];
            float[] want = new float[n];
            for (int i = 0; i < n; i++) {
                float v = (float) r.nextGaussian() * 8;
                // Independent conversions: bf16 is the float's top 16 bits; f16 through the JDK.
                bits[i] = dt == DType.BF16 ? (short) (Float.floatToRawIntBits(v) >>> 16) : Float.floatToFloat16(v);
                want[i] = dt == DType.BF16 ? Float.intBitsToFloat((bits[i] & 0xFFFF) << 16) : Float.float16ToFloat(bits[i]);
            }
            Tensor t = Tensor.zeros(be, dt, arena, n);
            be.fromHost(MemorySegment.ofArray(bits), t.buf());
            assertArrayEquals(want, t.toF32(arena).toFloatArray());
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
