package io.fedbiot.kernels;

import io.fedbiot.kernels.testing.KernelTesting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel on every backend against the float64 references (io.fedbiot.kernels.ref), one
 * parameterized suite over (case, backend): java, the native backend on each ISA variant, cuda.
 * A backend this machine lacks skips with the reason. Backward kernels are checked against
 * finite differences of the reference forward on small shapes and the analytic reference on
 * large ones. {@link #everyKernelMethodHasACase} fails when a kernel method has no case.
 */
class KernelParityTest {

    static List<ParityCase> cases() {
        List<ParityCase> all = new ArrayList<>();
        all.addAll(GemmCases.all());
        all.addAll(ElementwiseCases.all());
        all.addAll(NormCases.all());
        all.addAll(AttentionCases.all());
        all.addAll(LossCases.all());
        all.addAll(OptimizerCases.all());
        all.addAll(ClassifierCases.all());
        return all;
    }

    static Stream<Arguments> casesOnBackends() {
        return cases().stream().flatMap(c -> KernelTesting.backendNames().stream().map(b -> Arguments.of(c, b)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("casesOnBackends")
    void matchesReference(ParityCase c, String backend) {
        c.check().accept(KernelTesting.backendOrSkip(backend));
    }

    /** The kernel methods: all of Kernels, and Backend's default methods that take buffers (linearCrossEntropy). */
    static Set<String> kernelMethods() {
        Set<String> names = new TreeSet<>();
        for (Method m : Kernels.class.getDeclaredMethods()) if (!Modifier.isStatic(m.getModifiers())) names.add(m.getName());
        for (Method m : Backend.class.getDeclaredMethods())
            if (m.isDefault() && Arrays.asList(m.getParameterTypes()).contains(Buf.class)) names.add(m.getName());
        return names;
    }

    @Test
    void everyKernelMethodHasACase() {
        Set<String> covered = cases().stream().map(ParityCase::method).collect(Collectors.toSet());
        Set<String> missing = new TreeSet<>(kernelMethods());
        missing.removeAll(covered);
        assertTrue(missing.isEmpty(), "kernel methods without a parity case: " + missing);
        Set<String> unknown = new TreeSet<>(covered);
        unknown.removeAll(kernelMethods());
        assertTrue(unknown.isEmpty(), "parity cases name methods that are not kernels: " + unknown);
        assertTrue(kernelMethods().contains("linearCrossEntropy"), "Backend's default kernels are found too");
    }
}
