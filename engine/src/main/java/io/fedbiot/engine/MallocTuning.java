package io.fedbiot.engine;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Keeps freed tensor memory from lingering. glibc raises its mmap threshold each time a large
 * mmapped block is freed (up to 32 MiB); from then on, blocks of that size come from the brk heap,
 * where freeing one leaves it resident and fragmented. A training step frees hundreds of MiB every
 * step, so that doubles the resident set. Setting the threshold explicitly (to glibc's own default,
 * 128 KiB) switches the adjustment off: every large buffer is mmapped and goes back to the OS when
 * freed. Applied once, on glibc only; {@code -Dfedbiot.malloc.fixedMmapThreshold=false} leaves
 * malloc alone.
 */
final class MallocTuning {
    private static final int M_MMAP_THRESHOLD = -3;   // glibc malloc.h
    private static final int THRESHOLD = 128 << 10;
    private static final boolean APPLIED = apply();

    private MallocTuning() {}

    /** Whether the threshold is fixed in this process. */
    static boolean applied() {
        return APPLIED;
    }

    private static boolean apply() {
        if (!Boolean.parseBoolean(System.getProperty("fedbiot.malloc.fixedMmapThreshold", "true"))) return false;
        Linker linker = Linker.nativeLinker();
        Optional<MethodHandle> mallopt = linker.defaultLookup().find("mallopt").map(addr ->
                linker.downcallHandle(addr, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)));
        if (mallopt.isEmpty()) return false;   // not glibc
        try {
            return (int) mallopt.get().invokeExact(M_MMAP_THRESHOLD, THRESHOLD) == 1;
        } catch (Throwable t) {
            return false;
        }
    }
}
