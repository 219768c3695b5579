package io.fedbiot.kernels;

import java.util.function.Consumer;

/**
 * One parity check: the {@link Kernels} (or Backend kernel) method it exercises, by name, so the
 * coverage test can match cases to methods; what it varies; and the check itself, which runs the
 * kernel on one backend and compares with the float64 references.
 */
record ParityCase(String method, String variant, Consumer<Backend> check) {
    @Override
    public String toString() {
        return method + ": " + variant;
    }
}
