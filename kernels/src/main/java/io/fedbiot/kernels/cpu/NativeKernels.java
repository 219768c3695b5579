package io.fedbiot.kernels.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.EnumMap;
import java.util.Map;

/**
 * The downcall handles of one instruction-set variant of the native kernels, made once per
 * variant and process. Pointers are {@code ADDRESS} (MemorySegment), C {@code long} is 64 bits.
 */
final class NativeKernels {
    private static final ValueLayout P = ValueLayout.ADDRESS, I = ValueLayout.JAVA_INT, J = ValueLayout.JAVA_LONG,
            F = ValueLayout.JAVA_FLOAT;
    private static final Map<Isa, NativeKernels> CACHE = new EnumMap<>(Isa.class);

    final MethodHandle gemm, gemmBlocking, fill, copy, add, mul, mulAcc, scale, axpy, addScalar, sum, sumSquares,
            embeddingForward, embeddingBackward, rmsnormForward, rmsnormBackward, rope,
            attentionForward, attentionBackward, swigluForward, swigluBackward,
            crossEntropyForward, crossEntropyBackward, klForward, klBackward, nmseForward, nmseBackward,
            dropout, adamw, sgd, linearCrossEntropy;
    final MethodHandle init;

    private NativeKernels(NativeLibrary lib, Isa isa) {
        String x = isa.prefix();
        init = lib.handle("fb_init", FunctionDescriptor.of(I, I));
        gemm = lib.handle(x + "gemm", v(I, I, I, I, I, I, F, P, J, P, J, F, P, J));
        gemmBlocking = lib.handle(x + "gemm_blocking", v(P));
        fill = lib.handle(x + "fill", v(P, J, F));
        copy = lib.handle(x + "copy", v(P, P, J));
        add = lib.handle(x + "add", v(P, P, P, J));
        mul = lib.handle(x + "mul", v(P, P, P, J));
        mulAcc = lib.handle(x + "mul_acc", v(P, P, P, J));
        scale = lib.handle(x + "scale", v(P, P, F, J));
        axpy = lib.handle(x + "axpy", v(P, F, P, J));
        addScalar = lib.handle(x + "add_scalar", v(P, P, F, J));
        sum = lib.handle(x + "sum", v(P, P, J));
        sumSquares = lib.handle(x + "sum_squares", v(P, P, J));
        embeddingForward = lib.handle(x + "embedding_forward", FunctionDescriptor.of(I, P, P, P, I, I, I));
        embeddingBackward = lib.handle(x + "embedding_backward", FunctionDescriptor.of(I, P, P, P, I, I, J));
        rmsnormForward = lib.handle(x + "rmsnorm_forward", v(P, P, P, P, I, I, F));
        rmsnormBackward = lib.handle(x + "rmsnorm_backward", v(P, P, P, P, P, P, I, I));
        rope = lib.handle(x + "rope", v(P, P, I, I, I, I, I, F, I, I));
        attentionForward = lib.handle(x + "attention_forward", v(P, P, P, P, P, I, I, I, I, I, I, F));
        attentionBackward = lib.handle(x + "attention_backward", v(P, P, P, P, P, P, P, P, P, I, I, I, I, I, I, F));
        swigluForward = lib.handle(x + "swiglu_forward", v(P, P, P, J));
        swigluBackward = lib.handle(x + "swiglu_backward", v(P, P, P, P, P, J));
        crossEntropyForward = lib.handle(x + "cross_entropy_forward", FunctionDescriptor.of(I, P, P, P, P, P, I, I));
        crossEntropyBackward = lib.handle(x + "cross_entropy_backward", FunctionDescriptor.of(I, P, P, P, P, P, P, I, I));
        klForward = lib.handle(x + "kl_forward", v(P, P, P, P, I, I));
        klBackward = lib.handle(x + "kl_backward", v(P, P, P, P, P, P, I, I));
        nmseForward = lib.handle(x + "nmse_forward", v(P, P, P, P, I, I));
        nmseBackward = lib.handle(x + "nmse_backward", v(P, P, P, P, P, P, I, I));
        dropout = lib.handle(x + "dropout", v(P, P, P, J, F, J));
        adamw = lib.handle(x + "adamw", v(P, P, P, P, J, F, F, F, F, F, I));
        sgd = lib.handle(x + "sgd", v(P, P, P, J, F, F, F));
        linearCrossEntropy = lib.handle(x + "linear_cross_entropy", FunctionDescriptor.of(I, P, P, P, P, P, P, P, I, I, I));
    }

    private static FunctionDescriptor v(MemoryLayout... args) {
        return FunctionDescriptor.ofVoid(args);
    }

    static synchronized NativeKernels of(NativeLibrary lib, Isa isa) {
        return CACHE.computeIfAbsent(isa, i -> new NativeKernels(lib, i));
    }
}
