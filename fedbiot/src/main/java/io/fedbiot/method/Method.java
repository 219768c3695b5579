package io.fedbiot.method;

import java.util.Locale;

/** The method and its baselines (ALGORITHM.md §2). */
public enum Method {
    /** Top-a adapter, layer-dropped bottom emulator re-aligned every round. */
    FEDBIOT,
    /** Bottom 2 + top 2 adapter, layer-dropped fixed middle emulator. */
    FEDOT,
    /** FedOT's split with a single client holding every client's data. */
    OFFSITE_TUNING,
    /** The full model on every client, LoRA on every layer: no IP protection, the upper bound. */
    FEDLORA;

    public static Method parse(String s) {
        String k = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (k.equals("OFFSITE")) k = "OFFSITE_TUNING";
        try {
            return valueOf(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown method '" + s + "'; use fedbiot, fedot, offsite-tuning or fedlora");
        }
    }

    /** True when {@code s} names a method, in any spelling {@link #parse} takes. */
    public static boolean isMethod(String s) {
        try {
            parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The name in configs: fedbiot, fedot, offsite-tuning, fedlora. */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String label() {
        return switch (this) {
            case FEDBIOT -> "FedBiOT";
            case FEDOT -> "FedOT";
            case OFFSITE_TUNING -> "Offsite-Tuning";
            case FEDLORA -> "FedLoRA";
        };
    }
}
