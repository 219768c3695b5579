package io.fedbiot.method;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a model of L layers is cut (ALGORITHM.md §2): the teacher window [l, r) is compressed into
 * the emulator by uniform layer drop; the layers outside it are the adapter. The compressed model
 * runs adapter-bottom, emulator, adapter-top, in base-layer indices.
 *
 * @param teacherFrom l, the first teacher layer
 * @param teacherTo   r, one past the last teacher layer
 * @param kept        the teacher layers the emulator keeps (ascending)
 * @param adapter     the adapter layers (ascending; bottom then top)
 */
public record Split(Method method, int layers, double drop, int teacherFrom, int teacherTo, int[] kept, int[] adapter) {

    /** The split of {@code method} for L layers, adapter size a (FedBiOT's top layers) and drop rate β. */
    public static Split of(Method method, int L, int a, double beta) {
        if (!(beta >= 0 && beta < 1)) throw new IllegalArgumentException("drop rate must be in [0, 1), got " + beta);
        return switch (method) {
            case FEDBIOT -> {
                if (a < 1 || a >= L) throw new IllegalArgumentException("FedBiOT needs 1 <= adapter < layers (" + L + "), got " + a);
                yield window(method, L, beta, 0, L - a);
            }
            case FEDOT, OFFSITE_TUNING -> {
                if (L < 5) throw new IllegalArgumentException(method.label() + " needs at least 5 layers (2 + 2 adapter), got " + L);
                yield window(method, L, beta, 2, L - 2);
            }
            case FEDLORA -> new Split(method, L, 0, 0, 0, new int[0], range(0, L));
        };
    }

    private static Split window(Method m, int L, double beta, int l, int r) {
        int[] adapter = new int[l + (L - r)];
        for (int i = 0; i < l; i++) adapter[i] = i;
        for (int i = r; i < L; i++) adapter[l + i - r] = i;
        return new Split(m, L, beta, l, r, keptLayers(l, r, beta), adapter);
    }

    /**
     * Uniform layer drop of the window [l, r) at rate β, exactly as specified: k = rint(n(1-β))
     * (half to even, at least 1), stride = (n-1)/(k-1) in double, kept_i = l + (int)(i·stride).
     */
    public static int[] keptLayers(int l, int r, double beta) {
        int n = r - l;
        if (n < 1) throw new IllegalArgumentException("empty teacher window [" + l + ", " + r + ")");
        int k = Math.max(1, (int) Math.rint(n * (1 - beta)));
        if (k == 1) return new int[]{l};
        double stride = (n - 1) / (double) (k - 1);
        int[] kept = new int[k];
        for (int i = 0; i < k; i++) kept[i] = l + (int) (i * stride);
        return kept;
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    /** Base-layer indices of the compressed model, bottom to top: adapter-bottom, kept, adapter-top. */
    public int[] compressed() {
        if (method == Method.FEDLORA) return adapter.clone();
        List<Integer> out = new ArrayList<>();
        for (int a : adapter) if (a < teacherFrom) out.add(a);
        for (int k : kept) out.add(k);
        for (int a : adapter) if (a >= teacherTo) out.add(a);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Positions [from, to) of the emulator inside {@link #compressed()}. */
    public int emulatorStart() {
        return teacherFrom;
    }

    public int emulatorEnd() {
        return teacherFrom + kept.length;
    }

    /** Teacher layers the emulator dropped: what must never leave the server. */
    public int[] dropped() {
        return Arrays.stream(range(teacherFrom, teacherTo)).filter(t -> Arrays.binarySearch(kept, t) < 0).toArray();
    }

    /**
     * The teacher layers emulator layer i stands for: [kept_i, kept_{i+1}) and, for the last one,
     * [kept_last, r). Layer-wise NMSE compares emulator layer i with the end of this segment.
     */
    public int[] segment(int i) {
        int from = kept[i], to = i + 1 < kept.length ? kept[i + 1] : teacherTo;
        return new int[]{from, to};
    }

    public boolean hasEmulator() {
        return kept.length > 0;
    }

    @Override
    public String toString() {
        return method.label() + " L=" + layers + " β=" + drop + " adapter=" + Arrays.toString(adapter)
                + " emulator(teacher " + teacherFrom + ".." + (teacherTo - 1) + ")=" + Arrays.toString(kept);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Split s && method == s.method && layers == s.layers && drop == s.drop
                && teacherFrom == s.teacherFrom && teacherTo == s.teacherTo && Arrays.equals(kept, s.kept)
                && Arrays.equals(adapter, s.adapter);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(kept) + Arrays.hashCode(adapter) + method.hashCode();
    }
}
