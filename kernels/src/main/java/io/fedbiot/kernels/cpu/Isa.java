package io.fedbiot.kernels.cpu;

/** The instruction-set variants the native library is compiled in (ordinal = the C level). */
public enum Isa {
    /** Plain C, vectorised by the compiler for the baseline x86-64 (SSE2) or the host ISA. */
    GENERIC("generic"),
    /** AVX2 + FMA: 6x16 GEMM micro-kernel. */
    AVX2("avx2"),
    /** AVX-512 F/VL: 12x32 GEMM micro-kernel. */
    AVX512("avx512");

    private final String symbol;

    Isa(String symbol) {
        this.symbol = symbol;
    }

    /** Symbol prefix of this variant: fb_avx2_gemm and so on. */
    String prefix() {
        return "fb_" + symbol + "_";
    }

    public String label() {
        return symbol;
    }
}
