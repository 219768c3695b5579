package io.fedbiot.kernels.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Finds and loads {@code libfedbiot_cpu.so} (built from native/c by the kernels module's Maven
 * build) once per process: the path in system property {@code fedbiot.native.lib}, else the copy
 * on the class path (extracted to a temporary file when it sits inside a jar). When it cannot be
 * loaded, {@link #unavailableReason()} says why, once, on stderr. Binds the library-wide functions
 * of {@link NativeOp} (pool, ISA, error record); {@link NativeKernels} binds the kernels.
 */
public final class NativeLibrary {
    /** Class-path location the build writes the library to. */
    static final String RESOURCE = "/io/fedbiot/kernels/cpu/libfedbiot_cpu.so";

    private static final Linker LINKER = Linker.nativeLinker();
    private static volatile NativeLibrary instance;
    private static volatile String failure;

    private final SymbolLookup lookup;
    private final Path path;
    private final int bestIsa;
    private final MethodHandle init, lastError, failAllocAfter;

    private NativeLibrary(SymbolLookup lookup, Path path) {
        this.lookup = lookup;
        this.path = path;
        init = handle(NativeOp.INIT);
        lastError = handle(NativeOp.LAST_ERROR);
        failAllocAfter = handle(NativeOp.TEST_FAIL_ALLOC_AFTER);
        try {
            this.bestIsa = (int) handle(NativeOp.BEST_ISA).invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("fb_best_isa failed", t);
        }
    }

    private MethodHandle handle(NativeOp op) {
        return handle(op.symbol(null), op.descriptor);
    }

    /** The loaded library, or null when it is not available (the reason is logged once). */
    public static NativeLibrary get() {
        NativeLibrary lib = instance;
        if (lib != null || failure != null) return lib;
        synchronized (NativeLibrary.class) {
            if (instance == null && failure == null) {
                try {
                    instance = load();
                } catch (Throwable t) {
                    failure = t.getMessage() == null ? t.toString() : t.getMessage();
                    System.err.println("[native] backend unavailable, the Java backend is used: " + failure);
                }
            }
            return instance;
        }
    }

    /** Why the library could not be loaded; null when it is loaded (or not tried yet). */
    public static String unavailableReason() {
        get();
        return failure;
    }

    private static NativeLibrary load() throws IOException, URISyntaxException {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        if (!os.contains("linux"))
            throw new IOException("the native library is built for Linux only (os.name=" + os + ")");
        String prop = System.getProperty("fedbiot.native.lib");
        Path p;
        if (prop != null && !prop.isBlank()) {
            p = Path.of(prop);
            if (!Files.isRegularFile(p)) throw new IOException("fedbiot.native.lib=" + prop + " is not a file");
        } else {
            URL url = NativeLibrary.class.getResource(RESOURCE);
            if (url == null)
                throw new IOException("libfedbiot_cpu.so is not on the class path (no C compiler at build time?)");
            if (url.getProtocol().equals("file")) {
                p = Path.of(url.toURI());
            } else {
                p = Files.createTempFile("libfedbiot_cpu", ".so");
                p.toFile().deleteOnExit();
                try (InputStream in = url.openStream()) {
                    Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return new NativeLibrary(SymbolLookup.libraryLookup(p, Arena.global()), p);
    }

    /** A downcall handle for symbol {@code name}; made once per kernel set, reused for every call. */
    MethodHandle handle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(lookup.find(name).orElseThrow(
                () -> new IllegalStateException(path + " has no symbol " + name + " (stale library?)")), fd);
    }

    /** Starts the C thread pool once (threads includes the caller); returns the size it has. */
    int init(int threads) {
        try {
            return (int) init.invokeExact(threads);
        } catch (Throwable t) {
            throw new IllegalStateException("fb_init failed", t);
        }
    }

    /**
     * {code, bytes asked, row} of the last failed kernel call on this thread, read once (the C
     * record is per thread and cleared by the read): call it right after the failed call.
     */
    long[] lastError() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 2);
            int code = (int) lastError.invokeExact(out);
            return new long[]{code, out.getAtIndex(ValueLayout.JAVA_LONG, 0), out.getAtIndex(ValueLayout.JAVA_LONG, 1)};
        } catch (Throwable t) {
            throw new IllegalStateException("fb_last_error failed", t);
        }
    }

    /** Tests only: the C allocation after the next n (any thread) fails, once; n < 0 disables. */
    void failAllocAfter(int n) {
        try {
            failAllocAfter.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException("fb_test_fail_alloc_after failed", t);
        }
    }

    /** Best instruction set of this CPU: see {@link Isa}. */
    public Isa bestIsa() {
        return Isa.values()[bestIsa];
    }

    public Path path() {
        return path;
    }
}
