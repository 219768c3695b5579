package io.fedbiot.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Tokenized rows stored flat: all ids in one int[], the masks in one byte[] beside them, and
 * row i at {@code [offsets[i], offsets[i+1])}. Keeps each row's source row number and the
 * examples' extra fields (one String column per name, null where a row lacks it). Immutable.
 */
public final class TokenizedDataset {
    private final String source;
    private final int[] ids;
    private final byte[] mask;
    private final int[] offsets;
    private final int[] sourceRows;
    private final Map<String, String[]> fields;
    private final Map<BadRowReason, Integer> badRows;

    TokenizedDataset(String source, int[] ids, byte[] mask, int[] offsets, int[] sourceRows,
                     Map<String, String[]> fields, Map<BadRowReason, Integer> badRows) {
        if (ids.length != mask.length || offsets.length != sourceRows.length + 1 || offsets[offsets.length - 1] != ids.length)
            throw new IllegalArgumentException("inconsistent dataset arrays");
        for (String[] column : fields.values())
            if (column.length != sourceRows.length) throw new IllegalArgumentException("field column of the wrong length");
        this.source = source;
        this.ids = ids;
        this.mask = mask;
        this.offsets = offsets;
        this.sourceRows = sourceRows;
        this.fields = Collections.unmodifiableMap(new TreeMap<>(fields));
        EnumMap<BadRowReason, Integer> b = new EnumMap<>(BadRowReason.class);
        b.putAll(badRows);
        this.badRows = Collections.unmodifiableMap(b);
    }

    public static Builder builder(String source) {
        return new Builder(source);
    }

    /** The file the rows came from. */
    public String source() {
        return source;
    }

    public int size() {
        return sourceRows.length;
    }

    public int length(int row) {
        return offsets[row + 1] - offsets[row];
    }

    public int[] ids(int row) {
        return Arrays.copyOfRange(ids, offsets[row], offsets[row + 1]);
    }

    public byte[] mask(int row) {
        return Arrays.copyOfRange(mask, offsets[row], offsets[row + 1]);
    }

    public TokenizedRow row(int row) {
        return new TokenizedRow(ids(row), mask(row));
    }

    /** Token j of row i, without copying. */
    public int id(int row, int j) {
        return ids[offsets[row] + j];
    }

    public byte maskAt(int row, int j) {
        return mask[offsets[row] + j];
    }

    /** The 1-based row number in the source file. */
    public int sourceRow(int row) {
        return sourceRows[row];
    }

    public long tokenCount() {
        return ids.length;
    }

    public int maxLength() {
        int m = 0;
        for (int i = 0; i < size(); i++) m = Math.max(m, length(i));
        return m;
    }

    public Set<String> fieldNames() {
        return fields.keySet();
    }

    /** Extra field {@code name} of row i, or null. */
    public String field(String name, int row) {
        String[] column = fields.get(name);
        return column == null ? null : column[row];
    }

    /** A copy of the column of field {@code name} (one value per row). */
    public String[] column(String name) {
        String[] column = fields.get(name);
        if (column == null) throw new IllegalArgumentException(source + " has no field \"" + name + "\"; it has " + fieldNames());
        return column.clone();
    }

    /** Rows dropped while building, by reason (as recorded in the cache manifest). */
    public Map<BadRowReason, Integer> badRows() {
        return badRows;
    }

    // for the cache writer, no copies
    int[] allIds() { return ids; }
    byte[] allMask() { return mask; }
    int[] offsets() { return offsets; }
    int[] sourceRows() { return sourceRows; }
    String[] columnView(String name) { return fields.get(name); }

    @Override
    public String toString() {
        return "TokenizedDataset[" + source + ", " + size() + " rows, " + ids.length + " tokens, fields " + fieldNames() + "]";
    }

    /** Accumulates rows; not thread-safe. */
    public static final class Builder {
        private final String source;
        private int[] ids = new int[1 << 16];
        private byte[] mask = new byte[1 << 16];
        private int tokens;
        private final IntBuffer offsets = new IntBuffer();
        private final IntBuffer rows = new IntBuffer();
        private final Map<String, List<String>> fields = new TreeMap<>();

        private Builder(String source) {
            this.source = Objects.requireNonNull(source);
            offsets.add(0);
        }

        public Builder add(TokenizedRow r, int sourceRow, Map<String, String> extra) {
            int n = r.length();
            if (tokens + n > ids.length) {
                int cap = Math.max(tokens + n, (int) Math.min(Integer.MAX_VALUE - 8, ids.length * 2L));
                ids = Arrays.copyOf(ids, cap);
                mask = Arrays.copyOf(mask, cap);
            }
            System.arraycopy(r.ids(), 0, ids, tokens, n);
            System.arraycopy(r.mask(), 0, mask, tokens, n);
            tokens += n;
            int index = rows.size;
            for (Map.Entry<String, String> f : extra.entrySet()) {
                List<String> column = fields.computeIfAbsent(f.getKey(), k -> new ArrayList<>());
                while (column.size() < index) column.add(null);
                column.add(f.getValue());
            }
            offsets.add(tokens);
            rows.add(sourceRow);
            return this;
        }

        public TokenizedDataset build(Map<BadRowReason, Integer> badRows) {
            Map<String, String[]> columns = new TreeMap<>();
            for (Map.Entry<String, List<String>> f : fields.entrySet()) {
                List<String> column = f.getValue();
                while (column.size() < rows.size) column.add(null);
                columns.put(f.getKey(), column.toArray(String[]::new));
            }
            return new TokenizedDataset(source, Arrays.copyOf(ids, tokens), Arrays.copyOf(mask, tokens),
                    offsets.toArray(), rows.toArray(), columns, badRows);
        }
    }

    private static final class IntBuffer {
        int[] a = new int[1024];
        int size;

        void add(int v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2);
            a[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
