package io.fedbiot.kernels.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/** What the FFM bindings (cuBLAS, NVRTC) share: symbol lookup with a clear error, exception unwrapping. */
final class Ffm {
    private static final Linker LINKER = Linker.nativeLinker();

    private Ffm() {}

    /** A downcall to {@code name} in {@code lib}; a CudaException naming the symbol and library when absent. */
    static MethodHandle downcall(SymbolLookup lib, String library, String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(
                () -> new CudaException("symbol " + name + " missing from " + library)), d);
    }

    /** Rethrows what a MethodHandle call threw: unchecked as it is, anything else wrapped. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new CudaException(t.toString());
    }

    /** The first line of an exception's class and message, for one-line logs and skip reasons. */
    static String firstLine(Throwable e) {
        String m = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
