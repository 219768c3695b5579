package io.fedbiot.data;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link TokenizedDataset} as an Arrow IPC file: columns {@code ids} List&lt;Int32&gt;,
 * {@code mask} List&lt;Int8&gt;, {@code row} Int32 (source row) and one Utf8 column
 * {@code field:<name>} per extra field. Written in record batches of {@link #CHUNK} rows.
 */
final class ArrowDatasetFile {
    static final int CHUNK = 4096;
    private static final String FIELD_PREFIX = "field:";

    private ArrowDatasetFile() {}

    static void write(TokenizedDataset data, Path file) throws IOException {
        List<Field> columns = new ArrayList<>(List.of(
                list("ids", new ArrowType.Int(32, true)),
                list("mask", new ArrowType.Int(8, true)),
                new Field("row", FieldType.notNullable(new ArrowType.Int(32, true)), null)));
        for (String name : data.fieldNames()) columns.add(new Field(FIELD_PREFIX + name, FieldType.nullable(ArrowType.Utf8.INSTANCE), null));
        try (BufferAllocator alloc = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(columns), alloc);
             FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
             ArrowFileWriter writer = new ArrowFileWriter(root, null, ch)) {
            writer.start();
            ListVector ids = (ListVector) root.getVector("ids");
            ListVector mask = (ListVector) root.getVector("mask");
            IntVector rows = (IntVector) root.getVector("row");
            int[] allIds = data.allIds();
            byte[] allMask = data.allMask();
            int[] offsets = data.offsets();
            for (int from = 0; from < data.size(); from += CHUNK) {
                int n = Math.min(CHUNK, data.size() - from);
                root.allocateNew();
                IntVector idData = (IntVector) ids.getDataVector();
                TinyIntVector maskData = (TinyIntVector) mask.getDataVector();
                for (int i = 0; i < n; i++) {
                    int r = from + i;
                    int a = ids.startNewValue(i);
                    mask.startNewValue(i);
                    int len = offsets[r + 1] - offsets[r];
                    for (int j = 0; j < len; j++) {
                        idData.setSafe(a + j, allIds[offsets[r] + j]);
                        maskData.setSafe(a + j, allMask[offsets[r] + j]);
                    }
                    ids.endValue(i, len);
                    mask.endValue(i, len);
                    rows.setSafe(i, data.sourceRows()[r]);
                }
                for (String name : data.fieldNames()) {
                    VarCharVector v = (VarCharVector) root.getVector(FIELD_PREFIX + name);
                    String[] column = data.columnView(name);
                    for (int i = 0; i < n; i++) {
                        String s = column[from + i];
                        if (s == null) v.setNull(i);
                        else v.setSafe(i, s.getBytes(StandardCharsets.UTF_8));
                    }
                }
                root.setRowCount(n);
                writer.writeBatch();
            }
            writer.end();
        }
    }

    static TokenizedDataset read(Path file, String source, Map<BadRowReason, Integer> badRows) throws IOException {
        TokenizedDataset.Builder out = TokenizedDataset.builder(source);
        try (BufferAllocator alloc = new RootAllocator();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(ch, alloc)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            List<String> fieldNames = new ArrayList<>();
            for (Field f : root.getSchema().getFields())
                if (f.getName().startsWith(FIELD_PREFIX)) fieldNames.add(f.getName().substring(FIELD_PREFIX.length()));
            while (reader.loadNextBatch()) {
                ListVector ids = (ListVector) root.getVector("ids");
                ListVector mask = (ListVector) root.getVector("mask");
                IntVector rows = (IntVector) root.getVector("row");
                IntVector idData = (IntVector) ids.getDataVector();
                TinyIntVector maskData = (TinyIntVector) mask.getDataVector();
                for (int i = 0; i < root.getRowCount(); i++) {
                    int a = ids.getElementStartIndex(i), len = ids.getElementEndIndex(i) - a;
                    int m = mask.getElementStartIndex(i);
                    if (mask.getElementEndIndex(i) - m != len) throw new IOException(file + ": ids and mask lengths differ in row " + i);
                    int[] rowIds = new int[len];
                    byte[] rowMask = new byte[len];
                    for (int j = 0; j < len; j++) {
                        rowIds[j] = idData.get(a + j);
                        rowMask[j] = maskData.get(m + j);
                    }
                    Map<String, String> fields = new HashMap<>();
                    for (String name : fieldNames) {
                        VarCharVector v = (VarCharVector) root.getVector(FIELD_PREFIX + name);
                        if (!v.isNull(i)) fields.put(name, new String(v.get(i), StandardCharsets.UTF_8));
                    }
                    out.add(new TokenizedRow(rowIds, rowMask), rows.get(i), fields);
                }
            }
        }
        return out.build(badRows);
    }

    private static Field list(String name, ArrowType element) {
        return new Field(name, FieldType.notNullable(ArrowType.List.INSTANCE),
                List.of(new Field("item", FieldType.notNullable(element), null)));
    }
}
