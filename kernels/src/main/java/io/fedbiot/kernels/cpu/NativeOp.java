package io.fedbiot.kernels.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;

/**
 * Every C function the Java side binds, with its C signature as an FFM descriptor: the one table
 * native/c/fedbiot_kernels.h is checked against (NativeHeaderTest). Kernels exist once per
 * instruction set ({@code fb_<isa>_<name>}, FN(name) in C) and return a status that
 * {@link NativeKernels#call} turns into an exception; the library-wide functions
 * ({@code fb_<name>}) are called by {@link NativeLibrary}. Arguments in C order.
 */
enum NativeOp {
    // ---- library-wide: fb_pool.c, fb_error.c
    INIT(L.I, "init", L.I),
    BEST_ISA(L.I, "best_isa"),
    LAST_ERROR(L.I, "last_error", L.P),
    TEST_FAIL_ALLOC_AFTER(L.VOID, "test_fail_alloc_after", L.I),

    // ---- kernels
    GEMM("gemm", L.I, L.I, L.I, L.I, L.I, L.I, L.F, L.P, L.J, L.P, L.J, L.F, L.P, L.J),
    GEMM_BLOCKING("gemm_blocking", L.P),
    FILL("fill", L.P, L.J, L.F),
    COPY("copy", L.P, L.P, L.J),
    ADD("add", L.P, L.P, L.P, L.J),
    MUL("mul", L.P, L.P, L.P, L.J),
    MUL_ACC("mul_acc", L.P, L.P, L.P, L.J),
    SCALE("scale", L.P, L.P, L.F, L.J),
    AXPY("axpy", L.P, L.F, L.P, L.J),
    ADD_SCALAR("add_scalar", L.P, L.P, L.F, L.J),
    SUM("sum", L.P, L.P, L.J),
    SUM_SQUARES("sum_squares", L.P, L.P, L.J),
    SWIGLU_FORWARD("swiglu_forward", L.P, L.P, L.P, L.J),
    SWIGLU_BACKWARD("swiglu_backward", L.P, L.P, L.P, L.P, L.P, L.J),
    DROPOUT("dropout", L.P, L.P, L.P, L.J, L.F, L.J),
    ADAMW("adamw", L.P, L.P, L.P, L.P, L.J, L.F, L.F, L.F, L.F, L.F, L.I),
    SGD("sgd", L.P, L.P, L.P, L.J, L.F, L.F, L.F),
    EMBEDDING_FORWARD("embedding_forward", 2, 5, L.P, L.P, L.P, L.I, L.I, L.I),
    EMBEDDING_BACKWARD("embedding_backward", 2, 5, L.P, L.P, L.P, L.I, L.I, L.J),
    RMSNORM_FORWARD("rmsnorm_forward", L.P, L.P, L.P, L.P, L.I, L.I, L.F),
    RMSNORM_BACKWARD("rmsnorm_backward", L.P, L.P, L.P, L.P, L.P, L.P, L.I, L.I),
    ROPE("rope", L.P, L.P, L.I, L.I, L.I, L.I, L.I, L.F, L.I, L.I),
    ATTENTION_FORWARD("attention_forward", L.P, L.P, L.P, L.P, L.P, L.I, L.I, L.I, L.I, L.I, L.I, L.F),
    ATTENTION_BACKWARD("attention_backward", L.P, L.P, L.P, L.P, L.P, L.P, L.P, L.P, L.P,
            L.I, L.I, L.I, L.I, L.I, L.I, L.F),
    CROSS_ENTROPY_FORWARD("cross_entropy_forward", 3, 6, L.P, L.P, L.P, L.P, L.P, L.I, L.I),
    CROSS_ENTROPY_BACKWARD("cross_entropy_backward", 4, 7, L.P, L.P, L.P, L.P, L.P, L.P, L.I, L.I),
    KL_FORWARD("kl_forward", L.P, L.P, L.P, L.P, L.I, L.I),
    KL_BACKWARD("kl_backward", L.P, L.P, L.P, L.P, L.P, L.P, L.I, L.I),
    NMSE_FORWARD("nmse_forward", L.P, L.P, L.P, L.P, L.I, L.I),
    NMSE_BACKWARD("nmse_backward", L.P, L.P, L.P, L.P, L.P, L.P, L.I, L.I),
    LINEAR_CROSS_ENTROPY("linear_cross_entropy", 5, 9, L.P, L.P, L.P, L.P, L.P, L.P, L.P, L.I, L.I, L.I);

    /** Layout shorthands (a nested class: enum constants cannot read the enum's own statics). */
    static final class L {
        static final ValueLayout P = ValueLayout.ADDRESS, I = ValueLayout.JAVA_INT, J = ValueLayout.JAVA_LONG,
                F = ValueLayout.JAVA_FLOAT;
        static final MemoryLayout VOID = null;
    }

    /** C name without the prefix: fb_ + base, or fb_<isa>_ + base for a kernel. */
    final String base;
    final boolean perIsa;
    final FunctionDescriptor descriptor;
    /** For ops that check ids: argument positions of the int32 ids (or targets) and of V; else -1. */
    final int idsArg, vocabArg;

    /** A kernel: returns an int32 status. */
    NativeOp(String base, MemoryLayout... args) {
        this(base, -1, -1, args);
    }

    /** A kernel that rejects ids (or targets) outside [0, V). */
    NativeOp(String base, int idsArg, int vocabArg, MemoryLayout... args) {
        this.base = base;
        this.perIsa = true;
        this.descriptor = FunctionDescriptor.of(L.I, args);
        this.idsArg = idsArg;
        this.vocabArg = vocabArg;
    }

    /** A library-wide function; ret VOID for void. */
    NativeOp(MemoryLayout ret, String base, MemoryLayout... args) {
        this.base = base;
        this.perIsa = false;
        this.descriptor = ret == null ? FunctionDescriptor.ofVoid(args) : FunctionDescriptor.of(ret, args);
        this.idsArg = -1;
        this.vocabArg = -1;
    }

    /** The symbol in the library: fb_init, fb_avx2_gemm, ... */
    String symbol(Isa isa) {
        return perIsa ? isa.prefix() + base : "fb_" + base;
    }
}
