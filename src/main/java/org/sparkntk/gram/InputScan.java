package org.sparkntk.gram;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.sparkntk.io.HadoopConf;
import org.sparkntk.io.KernelManifest.FileFingerprint;

/**
 * A gram input's indexed rows read by {@link ParquetScan} (parquet-hadoop, no Spark SQL), one
 * partition per row group (docs/design.md, "Reading without Spark SQL"): by tasks, or in local
 * mode taken from the driver's {@link #prefetch}. The rows (index, id, features, problem) are the
 * ones {@link InputTable}'s Spark SQL route builds ({@code InputScanTest} compares them).
 */
final class InputScan {

    private InputScan() {
    }

    /** How an input's rows were read, for the log and tests. */
    static final String SPARK = "Spark SQL";
    static final String TASKS = "parquet-hadoop tasks";
    static final String PREFETCHED = "the driver's prefetch";

    /** The columns read: the array features (float32 when stored as float) and the id column (or null) with Spark's type. */
    record Columns(String features, boolean f32, String id, DataType idType) implements Serializable {

        List<String> names() {
            return id == null ? List.of(features) : List.of(features, id);
        }
    }

    /** The columns to read for Spark's types of them, or null when {@link ParquetScan} does not cover them (Spark SQL reads the input). */
    static Columns columns(InputFooters footers, String features, DataType featureType, String id, DataType idType) {
        if (!ParquetScan.covers(footers, features, featureType, id == null ? List.of() : List.of(id),
                id == null ? List.of() : List.of(idType))) {
            return null;
        }
        boolean f32 = ((ArrayType) featureType).elementType().equals(DataTypes.FloatType);
        return new Columns(features, f32, id, id == null ? null : idType);
    }

    /** Reads one row group's rows, with the values and problems {@link InputTable#arrayRow} gives. */
    static List<InputRow> read(Configuration conf, ParquetScan.Split s, Columns c) throws IOException {
        try (ParquetScan.Group g = ParquetScan.Group.open(conf, s, c.names())) {
            return read(g, s, c);
        }
    }

    private static List<InputRow> read(ParquetScan.Group g, ParquetScan.Split s, Columns c) {
        int rows = (int) s.rows();
        Object[][] ids = null;
        if (c.id() != null) {
            ids = new Object[rows][1];
            g.flat(c.id(), c.idType(), ids, 0);
        }
        Object[][] idOf = ids;
        String col = c.features();
        List<InputRow> out = new ArrayList<>(rows);
        g.array(col, c.f32(), (index, x, len, firstNull) -> {
            Object id = idOf == null ? Long.valueOf(index) : idOf[(int) (index - s.start())][0];
            if (x == null) {
                out.add(new InputRow(index, id, null, "features are null (column '" + col + "'); every row needs a feature vector"));
            } else if (firstNull >= 0) {
                out.add(new InputRow(index, id, x, "features[" + firstNull + "] is null (column '" + col
                        + "'); features must be finite numbers"));
            } else {
                out.add(new InputRow(index, id, x, RowCheck.vectorProblem(x)));
            }
        });
        return out;
    }

    /**
     * The indexed rows, one partition per row group (each one run of consecutive indexes): the
     * prefetched ones served from this JVM's memory when a prefetch of exactly these files and
     * columns was started, else read by tasks and persisted.
     */
    static Read rows(SparkSession spark, String path, InputFooters footers, Columns c) {
        List<List<InputRow>> prefetched = take(path, c, footers.fingerprints());
        if (prefetched != null) {
            Prefetch.Local<InputRow> local = new Prefetch.Local<>(spark.sparkContext(), prefetched, InputRow.class);
            JavaRDD<InputRow> rows = local.toJavaRDD();
            return new Read(rows, local::release, PREFETCHED);
        }
        List<ParquetScan.Split> splits = ParquetScan.splits(footers);
        HadoopConf conf = new HadoopConf(SessionConfs.hadoop(spark));
        JavaRDD<InputRow> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(splits, Math.max(1, splits.size()))
                .flatMap(sp -> read(conf.get(), sp, c).iterator())
                .persist(StorageLevel.MEMORY_AND_DISK());
        return new Read(rows, null, TASKS);
    }

    /** What {@link #rows} gives: the rows (persisted when read by tasks), what drops prefetched rows (or null), the route. */
    record Read(JavaRDD<InputRow> rows, Runnable drop, String route) {
    }

    // ---- local mode: the driver reads an input while Spark starts ----

    /** What a prefetch was asked to read. */
    private record Key(String path, String features, String id) {
    }

    /** The prefetched rows (one list per row group) with the columns and files they were read with. */
    private record Prefetched(Columns columns, List<FileFingerprint> files, List<List<InputRow>> parts) {
    }

    /**
     * Starts reading {@code path} ({@code features} an array column, {@code id} or null) on a
     * daemon thread ({@link Prefetch}: local file system only; any failure, or a layout
     * {@link ParquetScan} does not cover, leaves nothing and the input is read as usual).
     *
     * @return the running read, or null when none was started
     */
    static CompletableFuture<?> prefetch(Configuration conf, String path, String features, String id) {
        return Prefetch.start(conf, path, new Key(path, features, id), () -> {
            InputFooters footers = InputFooters.read(conf, path);
            if (footers == null) {
                return null;
            }
            MessageType first = footers.files().get(0).schema();
            DataType ft = ParquetScan.arrayType(first, features);
            DataType idType = id == null ? null : ParquetScan.flatType(first, id);
            if (ft == null || id != null && idType == null) {
                return null;
            }
            Columns c = columns(footers, features, ft, id, idType);
            if (c == null) {
                return null;
            }
            List<List<InputRow>> parts = new ArrayList<>();
            for (ParquetScan.Split s : ParquetScan.splits(footers)) {
                parts.add(read(conf, s, c));
            }
            return new Prefetched(c, footers.fingerprints(), parts);
        });
    }

    /** Drops gram's prefetches not taken (a run that stopped before reading its inputs). */
    static void dropPrefetches() {
        Prefetch.drop(Key.class);
    }

    /**
     * The prefetched rows of {@code path} (waiting for the read to finish) when they were read with
     * exactly {@code c} (Spark's id type included) from exactly {@code files}; else null. Either way
     * the prefetch is dropped.
     */
    private static List<List<InputRow>> take(String path, Columns c, List<FileFingerprint> files) {
        Prefetched p = Prefetch.take(new Key(path, c.features(), c.id()), Prefetched.class);
        return p != null && p.columns().equals(c) && p.files().equals(files) ? p.parts() : null;
    }
}
