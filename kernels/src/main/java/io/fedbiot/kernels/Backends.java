package io.fedbiot.kernels;

import io.fedbiot.kernels.cpu.CpuBackend;
import io.fedbiot.kernels.cpu.Isa;
import io.fedbiot.kernels.cpu.NativeLibrary;
import io.fedbiot.kernels.cuda.CudaBackend;
import io.fedbiot.kernels.cuda.CudaProbe;
import io.fedbiot.kernels.jvm.JavaBackend;

import java.util.List;
import java.util.Locale;

/**
 * Finds backends by name: java, native (C kernels through FFM, optionally forced onto an ISA),
 * cuda or its alias gpu (a GPU through JCuda and cuBLAS) and auto (the best available, logged once).
 */
public final class Backends {
    private static volatile Backend java;
    private static volatile Backend cuda;
    private static volatile Backend auto;

    private Backends() {}

    /** The shared pure-Java backend (one thread pool per process). */
    public static Backend java() {
        Backend b = java;
        if (b == null) {
            synchronized (Backends.class) {
                if (java == null) java = new JavaBackend();
                b = java;
            }
        }
        return b;
    }

    /**
     * The shared CUDA backend on GPU 0; an IllegalStateException naming the reason (no driver,
     * no device, too old a GPU, no cuBLAS) when this machine cannot run it.
     */
    public static Backend cuda() {
        Backend b = cuda;
        if (b == null) {
            synchronized (Backends.class) {
                if (cuda == null) cuda = CudaBackend.create();
                b = cuda;
            }
        }
        return b;
    }

    /** Names accepted by {@link #byName}. */
    public static List<String> names() {
        return List.of("java", "native", "native-avx512", "native-avx2", "native-generic", "cuda", "gpu", "auto");
    }

    /** A backend by its command-line name; {@code auto} is {@link #auto()}. */
    public static Backend byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "java" -> java();
            case "native" -> CpuBackend.best().orElseThrow(() -> unavailable("native"));
            case "native-avx512" -> CpuBackend.of(Isa.AVX512).orElseThrow(() -> unavailable(name));
            case "native-avx2" -> CpuBackend.of(Isa.AVX2).orElseThrow(() -> unavailable(name));
            case "native-generic" -> CpuBackend.of(Isa.GENERIC).orElseThrow(() -> unavailable(name));
            case "cuda", "gpu" -> cuda(); // gpu: the name users type first
            case "auto" -> auto();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "'; available: " + names());
        };
    }

    /**
     * The best available backend, chosen once and logged: cuda when the probe found a usable GPU
     * and the backend starts, else native when its library loads, else java.
     */
    public static Backend auto() {
        Backend b = auto;
        if (b == null) {
            synchronized (Backends.class) {
                if (auto == null) {
                    auto = gpuOrNull();
                    if (auto == null) auto = CpuBackend.best().map(Backend.class::cast).orElseGet(Backends::java);
                    System.err.println("[backend] auto selected " + auto.name() + " (" + auto.threads() + " threads)");
                }
                b = auto;
            }
        }
        return b;
    }

    private static Backend gpuOrNull() {
        if (!CudaProbe.get().usable()) return null;
        try {
            return cuda();
        } catch (RuntimeException e) {
            System.err.println("[cuda] auto: the GPU was found but the cuda backend did not start: " + e.getMessage());
            return null;
        }
    }

    private static IllegalArgumentException unavailable(String name) {
        String why = NativeLibrary.unavailableReason();
        return new IllegalArgumentException("backend '" + name + "' is unavailable: "
                + (why != null ? why : "this CPU lacks that instruction set"));
    }
}
