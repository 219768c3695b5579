package io.fedbiot.kernels;

import io.fedbiot.kernels.jvm.JavaBackend;

import java.util.List;
import java.util.Locale;

/** Finds backends by name. Only {@code java} exists yet; native and cuda come with their issues. */
public final class Backends {
    private static volatile Backend java;

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

    /** Names accepted by {@link #byName}. */
    public static List<String> names() {
        return List.of("java", "auto");
    }

    /** {@code java} or {@code auto} (the best available: java for now). */
    public static Backend byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "java", "auto" -> java();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "'; available: " + names());
        };
    }
}
