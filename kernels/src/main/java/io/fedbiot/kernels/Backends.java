package io.fedbiot.kernels;

import io.fedbiot.kernels.cuda.CudaBackend;
import io.fedbiot.kernels.cuda.CudaProbe;
import io.fedbiot.kernels.jvm.JavaBackend;

import java.util.List;
import java.util.Locale;

/** Finds backends by name: java, cuda (a GPU through JCuda and cuBLAS) and auto; native comes with its issue. */
public final class Backends {
    private static volatile Backend java;
    private static volatile Backend cuda;

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

    private static volatile boolean cudaFailed;

    /** cuda when the probe found a usable GPU and the backend starts (kernels, cuBLAS), else java. */
    private static Backend auto() {
        if (cudaFailed || !CudaProbe.get().usable()) return java();
        try {
            return cuda();
        } catch (RuntimeException e) {
            cudaFailed = true;
            System.err.println("[cuda] auto: the GPU was found but the cuda backend did not start, using java: " + e.getMessage());
            return java();
        }
    }

    /** Names accepted by {@link #byName}. */
    public static List<String> names() {
        return List.of("java", "cuda", "auto");
    }

    /** {@code java}, {@code cuda}, or {@code auto}: cuda when the probe found a usable GPU, else java. */
    public static Backend byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "java" -> java();
            case "cuda" -> cuda();
            case "auto" -> auto();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "'; available: " + names());
        };
    }
}
