package io.fedbiot.kernels.cuda;

/** One-line notes on standard error (logs never go to standard output, which carries results). */
final class CudaLog {
    private CudaLog() {}

    static void info(String line) {
        System.err.println("[cuda] " + line);
    }
}
