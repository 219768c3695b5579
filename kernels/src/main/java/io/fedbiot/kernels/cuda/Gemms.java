package io.fedbiot.kernels.cuda;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Picks the cuBLAS binding: JCublas where libcublas.so.12 loads (CUDA 12 hosts), else FFM on
 * libcublas.so.13 or .so.12 as {@link CudaLibraries} finds it. {@code -Dfedbiot.cuda.cublas=jcublas|ffm}
 * forces one. The choice, and why the other was not taken, is logged once.
 */
final class Gemms {
    private Gemms() {}

    /** A binding that loaded ({@code gemm} set) or the reason it did not. */
    record Attempt(String binding, Gemm gemm, String failure) {
        boolean loaded() {
            return gemm != null;
        }
    }

    static Attempt tryJcublas(RawHandles.Stream stream) {
        try {
            return new Attempt("JCublas", new JcublasGemm(stream), null);
        } catch (LinkageError | CudaException e) {
            return new Attempt("JCublas", null, "JCublas did not load libcublas.so.12 (" + Ffm.firstLine(e) + ")");
        }
    }

    static Attempt tryFfm(CudaLibraries libs, long stream) {
        List<String> names = List.of("libcublas.so.13", "libcublas.so.12");
        Optional<Path> lib = libs.find(names);
        if (lib.isEmpty()) return new Attempt("FFM cuBLAS", null, libs.notFoundMessage("cuBLAS", names));
        try {
            return new Attempt("FFM cuBLAS", new FfmCublasGemm(lib.get(), stream), null);
        } catch (IllegalArgumentException | CudaException | LinkageError e) {
            return new Attempt("FFM cuBLAS", null, "FFM could not use " + lib.get() + " (" + Ffm.firstLine(e) + ")");
        }
    }

    static Gemm choose(CudaDevice dev) {
        String force = System.getProperty("fedbiot.cuda.cublas", "auto");
        Attempt first, second = null;
        switch (force) {
            case "jcublas" -> first = tryJcublas(dev.stream());
            case "ffm" -> first = tryFfm(CudaLibraries.system(), dev.streamAddress());
            case "auto" -> {
                first = tryJcublas(dev.stream());
                if (!first.loaded()) second = tryFfm(CudaLibraries.system(), dev.streamAddress());
            }
            default -> throw new IllegalArgumentException("fedbiot.cuda.cublas must be jcublas, ffm or auto, got '" + force + "'");
        }
        Attempt chosen = second != null ? second : first;
        if (!chosen.loaded())
            throw new CudaException("no cuBLAS binding loaded: " + first.failure() + (second == null ? "" : "; " + second.failure()));
        CudaLog.info("cuBLAS: " + chosen.gemm().description() + (second != null ? " (" + first.failure() + ")" : ""));
        return chosen.gemm();
    }
}
