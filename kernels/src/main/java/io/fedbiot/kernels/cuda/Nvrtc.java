package io.fedbiot.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * NVRTC (libnvrtc.so.13 or .so.12) through FFM: compiles a kernel source to PTX at run time, for
 * machines without nvcc at build time. JCuda's own NVRTC binding links .so.12 only, hence FFM.
 */
final class Nvrtc {
    private final MethodHandle create, compile, ptxSize, ptx, logSize, log, destroy, errorString;
    final Path library;
    final String version;

    private Nvrtc(Path library, SymbolLookup lib) {
        this.library = library;
        create = fn(lib, "nvrtcCreateProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compile = fn(lib, "nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        ptxSize = fn(lib, "nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        ptx = fn(lib, "nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        logSize = fn(lib, "nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        log = fn(lib, "nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        destroy = fn(lib, "nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorString = fn(lib, "nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        MethodHandle ver = fn(lib, "nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT), minor = a.allocate(JAVA_INT);
            check((int) ver.invokeExact(major, minor), "nvrtcVersion");
            version = major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** Loads the newest NVRTC that {@code libs} finds; a clear error when there is none. */
    static Nvrtc load(CudaLibraries libs) {
        Path p = libs.require("NVRTC (to compile the CUDA kernels at run time)", List.of("libnvrtc.so.13", "libnvrtc.so.12"));
        // NVRTC dlopens its builtins library by name; loading it first from the same folder
        // makes that work when the folder is not on the loader's path (Python wheels).
        for (Path b : CudaLibraries.filesMatching(p.getParent(), "libnvrtc-builtins.so.*")) {
            SymbolLookup.libraryLookup(b, Arena.global());
            break;
        }
        return new Nvrtc(p, SymbolLookup.libraryLookup(p, Arena.global()));
    }

    /** PTX (NUL-terminated, ready for cuModuleLoadData) of {@code source}; the log on failure. */
    byte[] compileToPtx(String name, String source, Map<String, String> headers, List<String> options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment prog = a.allocate(ADDRESS);
            List<String> hNames = List.copyOf(headers.keySet());
            MemorySegment hSrc = a.allocate(ADDRESS, Math.max(1, hNames.size()));
            MemorySegment hInc = a.allocate(ADDRESS, Math.max(1, hNames.size()));
            for (int i = 0; i < hNames.size(); i++) {
                hSrc.setAtIndex(ADDRESS, i, a.allocateFrom(headers.get(hNames.get(i))));
                hInc.setAtIndex(ADDRESS, i, a.allocateFrom(hNames.get(i)));
            }
            check((int) create.invokeExact(prog, a.allocateFrom(source), a.allocateFrom(name), hNames.size(), hSrc, hInc),
                    "nvrtcCreateProgram(" + name + ")");
            MemorySegment handle = prog.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) opts.setAtIndex(ADDRESS, i, a.allocateFrom(options.get(i)));
                int rc = (int) compile.invokeExact(handle, options.size(), opts);
                if (rc != 0)
                    throw new CudaException("nvrtcCompileProgram(" + name + ") failed: " + message(rc) + "\n" + programLog(handle, a));
                MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
                check((int) ptxSize.invokeExact(handle, size), "nvrtcGetPTXSize");
                MemorySegment out = a.allocate(size.get(ValueLayout.JAVA_LONG, 0));
                check((int) ptx.invokeExact(handle, out), "nvrtcGetPTX");
                return out.toArray(ValueLayout.JAVA_BYTE);
            } finally {
                int ignored = (int) destroy.invokeExact(prog);
            }
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    private String programLog(MemorySegment handle, Arena a) throws Throwable {
        MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
        if ((int) logSize.invokeExact(handle, size) != 0) return "(no log)";
        MemorySegment text = a.allocate(Math.max(1, size.get(ValueLayout.JAVA_LONG, 0)));
        if ((int) log.invokeExact(handle, text) != 0) return "(no log)";
        return text.getString(0, StandardCharsets.UTF_8);
    }

    private void check(int rc, String call) throws Throwable {
        if (rc != 0) throw new CudaException(call, rc, message(rc));
    }

    private String message(int rc) throws Throwable {
        MemorySegment s = (MemorySegment) errorString.invokeExact(rc);
        return s.reinterpret(256).getString(0, StandardCharsets.US_ASCII);
    }

    private static MethodHandle fn(SymbolLookup lib, String name, FunctionDescriptor d) {
        return Ffm.downcall(lib, "NVRTC", name, d);
    }
}
