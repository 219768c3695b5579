package io.fedbiot.report;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Round records as an Arrow IPC file (one batch, one file per run) for pandas/polars: the fixed
 * columns of {@link RoundCsv}, then one nullable float64 column per metric (null: not measured).
 */
public final class RoundArrow {
    private static final ArrowType F64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);

    private RoundArrow() {}

    public static void write(Path file, List<RoundRecord> records) throws IOException {
        List<String> metrics = RoundCsv.metricNames(records);
        List<Field> fields = new ArrayList<>();
        fields.add(new Field("method", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
        fields.add(new Field("seed", FieldType.notNullable(new ArrowType.Int(64, true)), null));
        fields.add(new Field("round", FieldType.notNullable(new ArrowType.Int(32, true)), null));
        for (String f : List.of("train_loss", "align_nmse", "align_kl")) fields.add(new Field(f, FieldType.notNullable(F64), null));
        fields.add(new Field("bytes_down", FieldType.notNullable(new ArrowType.Int(64, true)), null));
        fields.add(new Field("bytes_up", FieldType.notNullable(new ArrowType.Int(64, true)), null));
        for (String f : List.of("client_flops", "server_align_seconds", "server_align_flops", "wall_seconds"))
            fields.add(new Field(f, FieldType.notNullable(F64), null));
        fields.add(new Field("clients", FieldType.notNullable(new ArrowType.Int(32, true)), null));
        fields.add(new Field("updates", FieldType.notNullable(new ArrowType.Int(32, true)), null));
        fields.add(new Field("package_bytes", FieldType.notNullable(new ArrowType.Int(64, true)), null));
        for (String f : List.of("nan_skipped", "align_nan_skipped")) fields.add(new Field(f, FieldType.notNullable(new ArrowType.Int(32, true)), null));
        for (String m : metrics) fields.add(new Field(m, FieldType.nullable(F64), null));
        Schema schema = new Schema(fields);

        AtomicFiles.write(file, os -> {
            try (BufferAllocator alloc = new RootAllocator();
                 VectorSchemaRoot root = VectorSchemaRoot.create(schema, alloc);
                 ArrowFileWriter w = new ArrowFileWriter(root, null, Channels.newChannel(os))) {
                root.allocateNew();
                int n = records.size();
                for (int i = 0; i < n; i++) {
                    RoundRecord r = records.get(i);
                    ((VarCharVector) root.getVector("method")).setSafe(i, r.method().getBytes(StandardCharsets.UTF_8));
                    ((BigIntVector) root.getVector("seed")).setSafe(i, r.seed());
                    ((IntVector) root.getVector("round")).setSafe(i, r.round());
                    f64(root, "train_loss").setSafe(i, r.trainLoss());
                    f64(root, "align_nmse").setSafe(i, r.alignNmse());
                    f64(root, "align_kl").setSafe(i, r.alignKl());
                    ((BigIntVector) root.getVector("bytes_down")).setSafe(i, r.bytesDown());
                    ((BigIntVector) root.getVector("bytes_up")).setSafe(i, r.bytesUp());
                    f64(root, "client_flops").setSafe(i, r.clientFlops());
                    f64(root, "server_align_seconds").setSafe(i, r.serverAlignSeconds());
                    f64(root, "server_align_flops").setSafe(i, r.serverAlignFlops());
                    f64(root, "wall_seconds").setSafe(i, r.wallSeconds());
                    ((IntVector) root.getVector("clients")).setSafe(i, r.clients());
                    ((IntVector) root.getVector("updates")).setSafe(i, r.updates());
                    ((BigIntVector) root.getVector("package_bytes")).setSafe(i, r.packageBytes());
                    ((IntVector) root.getVector("nan_skipped")).setSafe(i, r.nanSkipped());
                    ((IntVector) root.getVector("align_nan_skipped")).setSafe(i, r.alignNanSkipped());
                    for (String m : metrics) {
                        Double v = r.eval().get(m);
                        if (v == null) f64(root, m).setNull(i);
                        else f64(root, m).setSafe(i, v);
                    }
                }
                for (FieldVector v : root.getFieldVectors()) v.setValueCount(n);
                root.setRowCount(n);
                w.start();
                w.writeBatch();
                w.end();
            }
        });
    }

    public static List<RoundRecord> read(Path file) throws IOException {
        List<RoundRecord> out = new ArrayList<>();
        try (BufferAllocator alloc = new RootAllocator();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(ch, alloc)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            List<String> metrics = new ArrayList<>();
            for (Field f : root.getSchema().getFields()) if (!RoundCsv.FIXED.contains(f.getName())) metrics.add(f.getName());
            while (reader.loadNextBatch()) {
                for (int i = 0; i < root.getRowCount(); i++) {
                    Map<String, Double> eval = new LinkedHashMap<>();
                    for (String m : metrics) if (!f64(root, m).isNull(i)) eval.put(m, f64(root, m).get(i));
                    out.add(new RoundRecord(
                            new String(((VarCharVector) root.getVector("method")).get(i), StandardCharsets.UTF_8),
                            ((BigIntVector) root.getVector("seed")).get(i), ((IntVector) root.getVector("round")).get(i),
                            f64(root, "train_loss").get(i), f64(root, "align_nmse").get(i), f64(root, "align_kl").get(i), eval,
                            ((BigIntVector) root.getVector("bytes_down")).get(i), ((BigIntVector) root.getVector("bytes_up")).get(i),
                            f64(root, "client_flops").get(i), f64(root, "server_align_seconds").get(i),
                            f64(root, "server_align_flops").get(i), f64(root, "wall_seconds").get(i),
                            ((IntVector) root.getVector("clients")).get(i), ((IntVector) root.getVector("updates")).get(i),
                            ((BigIntVector) root.getVector("package_bytes")).get(i),
                            ((IntVector) root.getVector("nan_skipped")).get(i), ((IntVector) root.getVector("align_nan_skipped")).get(i)));
                }
            }
        }
        return out;
    }

    private static Float8Vector f64(VectorSchemaRoot root, String name) {
        return (Float8Vector) root.getVector(name);
    }
}
