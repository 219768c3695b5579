package io.fedbiot.secagg;

/**
 * Real values to the ring Z/2^64 (Java's wrapping {@code long} arithmetic) and back: v becomes
 * round(v · 2^f) for f = {@code fractionBits}. A sum of n encoded values decodes exactly as long as
 * the true sum stays below 2^63 in magnitude, so each value must satisfy |v| ≤ {@link #maxAbs()} =
 * 2^(63 − f − ⌈log2 n⌉) − 1; larger values are refused, not wrapped. Rounding adds at most 2^−(f+1)
 * per client to a sum; a weighted mean Σ w_k x_k / Σ w_k with integer weights w_k ≥ 1 is then off
 * by at most n · 2^−(f+1) / Σ w_k ≤ 2^−(f+1).
 */
public final class FixedPoint {
    /** Below this many integer bits (|v| < 2^16) a weighted LoRA update would not fit: refused. */
    public static final int MIN_INTEGER_BITS = 16;
    public static final int MIN_FRACTION_BITS = 8, MAX_FRACTION_BITS = 40;

    private final int fractionBits, clients;
    private final double scale, maxAbs;

    public FixedPoint(int fractionBits, int clients) {
        String p = problem(fractionBits, clients);
        if (p != null) throw new IllegalArgumentException(p);
        this.fractionBits = fractionBits;
        this.clients = clients;
        this.scale = Math.scalb(1.0, fractionBits);
        this.maxAbs = Math.scalb(1.0, integerBits(fractionBits, clients)) - 1;
    }

    /** Why {@code fractionBits} and {@code clients} cannot be used together, or null when they can. */
    public static String problem(int fractionBits, int clients) {
        if (fractionBits < MIN_FRACTION_BITS || fractionBits > MAX_FRACTION_BITS)
            return "fixed-point fraction bits must be in [" + MIN_FRACTION_BITS + ", " + MAX_FRACTION_BITS + "], got " + fractionBits;
        if (clients < 1) return "secure aggregation needs at least one client, got " + clients;
        int ib = integerBits(fractionBits, clients);
        if (ib < MIN_INTEGER_BITS)
            return "fixed-point with " + fractionBits + " fraction bits over " + clients + " clients leaves " + ib
                    + " integer bits (values up to 2^" + ib + "); at least " + MIN_INTEGER_BITS + " are needed: use fewer fraction bits";
        return null;
    }

    /** 63 − f − ⌈log2 n⌉: the magnitude bits one client's value may use so that n of them sum without overflow. */
    static int integerBits(int fractionBits, int clients) {
        int log2n = clients <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(clients - 1);
        return 63 - fractionBits - log2n;
    }

    public int fractionBits() { return fractionBits; }
    public int clients() { return clients; }

    /** The largest |value| one client may encode. */
    public double maxAbs() { return maxAbs; }

    /** The worst error of a decoded weighted mean over at most {@link #clients()} clients. */
    public double meanError() { return Math.scalb(0.5, -fractionBits); }

    /**
     * {@code weight · values[j]} for each j, then {@code weight} itself in the last slot, so the
     * server's one masked sum carries Σ w x and Σ w together (weighted FedAvg).
     */
    public long[] encodeWeighted(float[] values, long weight) {
        if (weight < 1) throw new IllegalArgumentException("a client's weight (its sample count) must be >= 1, got " + weight);
        long[] out = new long[values.length + 1];
        for (int j = 0; j < values.length; j++) out[j] = encode(j, (double) weight * values[j]);
        out[values.length] = encode(values.length, weight);
        return out;
    }

    long encode(int index, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException("value " + index + " is " + v + ": not encodable");
        if (Math.abs(v) > maxAbs)
            throw new IllegalArgumentException("value " + index + " is " + v + ", beyond the fixed-point bound ±" + maxAbs
                    + " (" + fractionBits + " fraction bits, " + clients + " clients)");
        return Math.round(v * scale);
    }

    /** The ring sum as reals (signed two's complement, divided by 2^f). */
    public double decode(long sum) {
        return sum / scale;
    }

    /** Σ w x / Σ w from a sum of {@link #encodeWeighted} vectors; the total weight is the last slot. */
    public float[] decodeMean(long[] sum) {
        double total = decode(sum[sum.length - 1]);
        if (!(total >= 1)) throw new SecAggException("the aggregated weight is " + total + ", expected a positive sample count");
        float[] out = new float[sum.length - 1];
        for (int j = 0; j < out.length; j++) out[j] = (float) (decode(sum[j]) / total);
        return out;
    }

    /** The total weight Σ w in a summed vector. */
    public long totalWeight(long[] sum) {
        return Math.round(decode(sum[sum.length - 1]));
    }
}
