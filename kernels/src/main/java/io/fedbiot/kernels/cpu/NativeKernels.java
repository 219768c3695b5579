package io.fedbiot.kernels.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.util.EnumMap;
import java.util.Map;

/**
 * The kernels of one instruction-set variant, bound once per variant and process from the
 * {@link NativeOp} table. Each downcall handle is adapted once to {@code (Object[]) int} (a
 * spreader: arguments in C order, boxed; an int widens to a C int64), so every kernel goes
 * through the one path of {@link #call}.
 */
final class NativeKernels {
    private static final MethodType SPREAD = MethodType.methodType(int.class, Object[].class);
    private static final Map<Isa, NativeKernels> CACHE = new EnumMap<>(Isa.class);

    private final NativeLibrary lib;
    private final MethodHandle[] handles = new MethodHandle[NativeOp.values().length];

    private NativeKernels(NativeLibrary lib, Isa isa) {
        this.lib = lib;
        for (NativeOp op : NativeOp.values()) {
            if (!op.perIsa) continue;
            MethodHandle h = lib.handle(op.symbol(isa), op.descriptor);
            handles[op.ordinal()] = h.asSpreader(Object[].class, op.descriptor.argumentLayouts().size()).asType(SPREAD);
        }
    }

    static synchronized NativeKernels of(NativeLibrary lib, Isa isa) {
        return CACHE.computeIfAbsent(isa, i -> new NativeKernels(lib, i));
    }

    /**
     * Runs kernel op; a nonzero status becomes its exception (IllegalArgumentException for an id
     * outside the vocabulary, OutOfMemoryError when C could not allocate).
     */
    void call(NativeOp op, Object... args) {
        int status;
        try {
            status = (int) handles[op.ordinal()].invokeExact(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native " + op.base + " failed", t);
        }
        if (status != NativeStatus.OK) NativeStatus.raise(op, status, lib.lastError(), args);
    }
}
