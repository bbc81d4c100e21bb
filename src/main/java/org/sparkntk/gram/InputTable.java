package org.sparkntk.gram;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.Footer;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.storage.StorageLevel;
import org.sparkntk.io.JobLabel;
import org.sparkntk.io.KernelManifest.FileFingerprint;
import org.sparkntk.io.KernelManifest.InputInfo;
import org.sparkntk.options.InputConfig;
import org.sparkntk.spec.UserError;
import scala.Tuple2;

/**
 * Reads one Parquet input into indexed rows and validates it (docs/design.md, "Phases"): column
 * presence and types on the driver, then one pass over the rows for nulls, NaN/Inf, lengths,
 * and duplicate ids. Rows are indexed in input order, (file path, row index in file): the index
 * is the number of rows in the files whose path sorts first plus the row's position in its file.
 */
public final class InputTable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InputTable.class);

    /** The indexed, validated rows (call {@link #release()} when done). */
    private final JavaRDD<InputRow> rows;
    private final double maxSq;
    private final String maxName;
    /** The persisted scan the rows are computed from, and any prefetched rows they are served from. */
    private final Indexed indexed;
    private final long n;
    private final int d;
    private final DataType idType;
    private final InputInfo info;
    private final long runs;
    /** How the rows were read ({@link InputScan#SPARK}, {@link InputScan#TASKS}, {@link InputScan#PREFETCHED}). */
    private final String route;

    private InputTable(Indexed indexed, long n, int d, DataType idType, InputInfo info, long runs,
                       double maxSq, String maxName, String route) {
        this.maxSq = maxSq;
        this.maxName = maxName;
        this.rows = indexed.rows();
        this.indexed = indexed;
        this.route = route;
        this.n = n;
        this.d = d;
        this.idType = idType;
        this.info = info;
        this.runs = runs;
    }

    /**
     * At most how many runs of consecutive row indexes the partitions of {@link #rows()} hold
     * (each partition's rows counted in their order): 1 per partition when each reads one piece of
     * one file. Staging writes one block segment per run (GramJob) when this is small.
     */
    public long runs() {
        return runs;
    }

    /** The rows, index order. */
    public JavaRDD<InputRow> rows() {
        return rows;
    }

    /** Row count. */
    public long n() {
        return n;
    }

    /** The largest squared norm of a row (before any --normalize). */
    public double maxSquaredNorm() {
        return maxSq;
    }

    /** The row with {@link #maxSquaredNorm()}, named for messages ("row id 'a'", "row 17"). */
    public String maxNormRow() {
        return maxName;
    }

    /** Feature dimension. */
    public int d() {
        return d;
    }

    /** Type of the id column in {@code index/} (bigint without --id-col). */
    public DataType idType() {
        return idType;
    }

    /** Path, columns and fingerprint for the plan. */
    public InputInfo info() {
        return info;
    }

    /** How the rows were read (for tests and the log). */
    String route() {
        return route;
    }

    /** Unpersists the cached rows (and drops the prefetched rows they are served from, if any). */
    public void release() {
        indexed.release();
    }

    /**
     * Reads and validates {@code path}.
     *
     * @param label how messages name this input ("input" or "input2")
     * @throws UserError for every bad-input case, naming the column / row and what is allowed
     */
    public static InputTable load(SparkSession spark, String path, InputConfig cfg, String label) {
        long t0 = System.nanoTime();
        String what = label + " '" + path + "'";
        // a plain file or folder: schema and row counts from the footers, read here, instead of
        // Spark's schema inference job and a counting pass over the scan (InputFooters)
        InputFooters footers = InputFooters.read(SessionConfs.hadoop(spark), path);
        // with footers and ParquetScan on, the columns are checked on the footers' schema and a
        // covered array input is read without Spark SQL (InputScan); anything else is scanned by Spark SQL
        boolean direct = footers != null && ParquetScan.enabled();
        Dataset<Row> df = direct ? null : open(spark, path, footers, what);
        StructType schema = direct ? schema(spark, footers, what) : df.schema();
        String idCol = cfg.idCol();
        DataType idType = idType(schema, idCol, what);
        Features features = Features.of(schema, cfg, what);
        InputScan.Columns scan = direct && features.kind() == ARRAY
                ? InputScan.columns(footers, features.cols().get(0), features.arrayType(), idCol, idType) : null;
        if (scan == null && df == null) {
            df = open(spark, path, footers, what);
        }
        List<FileFingerprint> files = footers != null ? footers.fingerprints() : fingerprint(spark, df);
        long tSchema = System.nanoTime();
        Indexed indexed;
        String route;
        if (scan != null) {
            InputScan.Read read = InputScan.rows(spark, path, footers, scan);
            indexed = new Indexed(read.rows(), read.rows(), read.drop());
            route = read.route();
        } else {
            JavaRDD<Tuple2<String, InputRow>> located = locate(df, features, idCol, idType);
            indexed = footers != null ? indexFromFooters(located, footers, what, idCol != null)
                    : indexByCounting(spark, located, what, idCol != null);
            route = InputScan.SPARK;
        }
        Checked checked;
        try {
            checked = check(spark, indexed, footers, idCol, what, label);
        } catch (RuntimeException e) {
            indexed.release(); // a failed read: drop the cache and any prefetched rows (check drops them on its own errors too)
            throw e;
        }
        long tEnd = System.nanoTime();
        LOG.info(String.format(java.util.Locale.ROOT,
                "%s: %d rows, d = %d, read and checked in %.1f s (schema and files %.1f s%s, read by %s and checks %.1f s)",
                what, checked.res().n(), checked.res().d(), (tEnd - t0) / 1e9, (tSchema - t0) / 1e9,
                footers != null ? " from the footers" : "", route, (tEnd - tSchema) / 1e9));
        InputInfo info = new InputInfo(path, cfg.featuresCols() == null ? cfg.featuresCol() : null, cfg.featuresCols(), idCol,
                idType.simpleString(), files);
        return new InputTable(indexed, checked.res().n(), checked.res().d(), idType, info,
                checked.runs(), checked.res().maxSq(), checked.res().maxName(), route);
    }

    /**
     * Local mode, before the SparkSession exists: starts reading {@code path} with {@code cfg}'s
     * array features and id column on a thread beside Spark's start-up ({@link InputScan#prefetch}); the next
     * {@link #load} of {@code path} takes the rows when its files and column types are the ones read.
     */
    static java.util.concurrent.CompletableFuture<?> prefetch(Configuration conf, String path, InputConfig cfg) {
        if (!ParquetScan.enabled() || cfg.featuresCols() != null) {
            return null;
        }
        return InputScan.prefetch(conf, path, cfg.featuresCol(), cfg.idCol());
    }

    /** The footers' schema as Spark would infer it, with {@link #open}'s message when Spark cannot convert it. */
    private static StructType schema(SparkSession spark, InputFooters footers, String what) {
        try {
            return footerSchema(spark, footers);
        } catch (Exception e) {
            throw new UserError(what + " cannot be read as Parquet: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * The column checks of {@link #load} on a schema alone (feature column(s) present and of an
     * allowed type, id column present and integral or string), for a Dataset checked before it is
     * copied to Parquet (the Java API); {@code what} names it in messages, e.g. "input Dataset".
     *
     * @throws UserError with the message {@link #load} gives for the same schema
     */
    public static void checkColumns(StructType schema, InputConfig cfg, String what) {
        idType(schema, cfg.idCol(), what);
        Features.of(schema, cfg, what);
    }

    /** The input as a DataFrame, with the footers' schema when they were read (no inference job). */
    private static Dataset<Row> open(SparkSession spark, String path, InputFooters footers, String what) {
        try {
            if (footers != null) {
                return spark.read().schema(footerSchema(spark, footers)).parquet(path);
            }
            return spark.read().parquet(path);
        } catch (Exception e) {
            throw new UserError(what + " cannot be read as Parquet: " + firstLine(e.getMessage()), e);
        }
    }

    /** The id column's type (bigint without --id-col); refuses types that cannot be ids. */
    private static DataType idType(StructType schema, String idCol, String what) {
        if (idCol == null) {
            return DataTypes.LongType;
        }
        StructField f = field(schema, idCol, "--id-col", what);
        DataType t = f.dataType();
        if (!(t.equals(DataTypes.LongType) || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType) || t.equals(DataTypes.StringType))) {
            throw new UserError("column '" + idCol + "' (--id-col) in " + what + " has type " + t.simpleString()
                    + " but must be an integer type (tinyint, smallint, int, bigint) or string");
        }
        return t;
    }

    /**
     * The feature column(s) and how they are stored.
     *
     * @param kind ARRAY, VECTOR, OLD_VECTOR or COLS
     */
    private record Features(int kind, List<String> cols, DataType arrayType) {

        /** Checks the --features-col / --features-cols of {@code cfg} against the schema. */
        static Features of(StructType schema, InputConfig cfg, String what) {
            if (cfg.featuresCols() != null) {
                for (String c : cfg.featuresCols()) {
                    StructField f = field(schema, c, "--features-cols", what);
                    if (!(f.dataType() instanceof NumericType)) {
                        throw new UserError("column '" + c + "' (--features-cols) in " + what + " has type "
                                + f.dataType().simpleString() + " but must be numeric");
                    }
                }
                return new Features(COLS, List.copyOf(cfg.featuresCols()), null);
            }
            String c = cfg.featuresCol();
            StructField f = field(schema, c, "--features-col", what);
            DataType t = f.dataType();
            if (t instanceof ArrayType at && (at.elementType().equals(DataTypes.DoubleType)
                    || at.elementType().equals(DataTypes.FloatType))) {
                return new Features(ARRAY, List.of(c), t);
            } else if (t instanceof org.apache.spark.ml.linalg.VectorUDT) {
                return new Features(VECTOR, List.of(c), t);
            } else if (t instanceof org.apache.spark.mllib.linalg.VectorUDT) {
                return new Features(OLD_VECTOR, List.of(c), t);
            }
            throw new UserError("column '" + c + "' (--features-col) in " + what + " has type " + t.simpleString()
                    + " but must be array<double>, array<float> or a Spark ML vector"
                    + (t instanceof NumericType ? "; for numeric columns use --features-cols" : ""));
        }
    }

    /**
     * Each row as (its file, the row with its position in that file as index): input order is
     * (file path, row in file), so the row index is the rows in the files sorted before this one
     * plus _metadata.row_index. No sort or shuffle of the data (Spark orders splits by size, not
     * by name) and no second scan.
     */
    private static JavaRDD<Tuple2<String, InputRow>> locate(Dataset<Row> df, Features features, String idCol, DataType idType) {
        List<Column> select = new ArrayList<>();
        select.add(col("_metadata.file_path").as("_ntk_file"));
        select.add(col("_metadata.row_index").as("_ntk_pos"));
        for (String c : features.cols()) {
            select.add(col(quote(c)));
        }
        if (idCol != null) {
            select.add(col(quote(idCol)));
        }
        final boolean hasId = idCol != null;
        final int kind = features.kind();
        final int nf = features.cols().size();
        final List<String> fcols = new ArrayList<>(features.cols());
        Dataset<Row> selected = df.select(select.toArray(new Column[0]));
        if (kind == ARRAY) {
            // Spark's internal rows: the array is copied in bulk (UnsafeArrayData.toDoubleArray) instead
            // of being converted to a Row holding d boxed numbers per row, the slowest step of the read
            ArrayType at = (ArrayType) features.arrayType();
            boolean f32 = at.elementType().equals(DataTypes.FloatType);
            boolean nulls = at.containsNull();
            String fcol = fcols.get(0);
            return selected.queryExecution().toRdd().toJavaRDD().mapPartitions(it -> {
                FileName name = new FileName();
                List<Tuple2<String, InputRow>> out = new ArrayList<>();
                while (it.hasNext()) {
                    InternalRow r = it.next();
                    out.add(new Tuple2<>(name.of(r.getUTF8String(0)),
                            arrayRow(r, r.getLong(1), f32, nulls, fcol, hasId ? idType : null)));
                }
                return out.iterator();
            }, true);
        }
        return selected.javaRDD().mapPartitions(it -> {
            List<Tuple2<String, InputRow>> out = new ArrayList<>();
            String last = null;
            while (it.hasNext()) {
                Row r = it.next();
                String f = r.getString(0);
                last = f.equals(last) ? last : f;
                out.add(new Tuple2<>(last, toInputRow(r, r.getLong(1), kind, nf, fcols, hasId)));
            }
            return out.iterator();
        }, true);
    }

    /**
     * The indexed rows, the RDD that holds them in the cache (unpersisted by {@link #release}) and
     * what drops the driver's prefetched rows they are served from (null when none).
     */
    private record Indexed(JavaRDD<InputRow> rows, JavaRDD<?> cached, Runnable drop) {

        /** Unpersists the cache and drops the prefetched rows (again: a no-op). */
        void release() {
            cached.unpersist(false);
            if (drop != null) {
                drop.run();
            }
        }
    }

    /** The footers gave every file's row count: the index is known while scanning; the one scan is cached. */
    private static Indexed indexFromFooters(JavaRDD<Tuple2<String, InputRow>> located, InputFooters footers, String what,
                                            boolean hasId) {
        java.util.HashMap<String, Long> offsets = new java.util.HashMap<>();
        long offset = 0;
        for (InputFooters.DataFile f : footers.files()) {
            offsets.put(f.uri(), offset);
            offset += f.rows();
        }
        JavaRDD<InputRow> rows = located.mapPartitions(it -> {
            List<InputRow> out = new ArrayList<>();
            String file = null;
            long first = 0;
            while (it.hasNext()) {
                Tuple2<String, InputRow> t = it.next();
                if (!t._1().equals(file)) {
                    Long o = offsets.get(InputFooters.key(t._1()));
                    if (o == null) {
                        throw new IllegalStateException("Spark read " + t._1() + ", which was not in the listing of " + what
                                + "; was the input changed while it was read?");
                    }
                    file = t._1();
                    first = o;
                }
                InputRow r = t._2();
                long index = first + r.index();
                out.add(new InputRow(index, hasId ? r.id() : Long.valueOf(index), r.x(), r.problem()));
            }
            return out.iterator();
        }, true).persist(StorageLevel.MEMORY_AND_DISK());
        return new Indexed(rows, rows, null);
    }

    /**
     * Without footers: the one Parquet scan caches (file, row in file, features) and counts the
     * rows of each file; the index is then a narrow map over the cache.
     */
    private static Indexed indexByCounting(SparkSession spark, JavaRDD<Tuple2<String, InputRow>> scanned, String what,
                                           boolean hasId) {
        JavaRDD<Tuple2<String, InputRow>> located = scanned.persist(StorageLevel.MEMORY_AND_DISK());
        List<java.util.Map<String, Long>> perPart = JobLabel.call(spark.sparkContext(), "spark-ntk: read " + what,
                () -> located.mapPartitions(it -> {
                    java.util.Map<String, Long> c = new java.util.HashMap<>();
                    while (it.hasNext()) {
                        c.merge(it.next()._1(), 1L, Long::sum);
                    }
                    return List.of(c).iterator();
                }, true).collect());
        java.util.TreeMap<String, Long> counts = new java.util.TreeMap<>();
        for (java.util.Map<String, Long> c : perPart) {
            c.forEach((f, k) -> counts.merge(f, k, Long::sum));
        }
        java.util.HashMap<String, Long> offsets = new java.util.HashMap<>();
        long offset = 0;
        for (java.util.Map.Entry<String, Long> e : counts.entrySet()) {
            offsets.put(e.getKey(), offset);
            offset += e.getValue();
        }
        JavaRDD<InputRow> rows = located.map(t -> {
            InputRow r = t._2();
            long index = offsets.get(t._1()) + r.index();
            return new InputRow(index, hasId ? r.id() : Long.valueOf(index), r.x(), r.problem());
        });
        return new Indexed(rows, located, null);
    }

    /** The checks' result and the runs of consecutive indexes the partitions hold. */
    private record Checked(RowCheck.Result res, long runs) {
    }

    /**
     * One pass over the indexed rows: lengths, nulls, non-finite values and norms (RowCheck), then
     * duplicate ids; unpersists the cache and throws {@link UserError} naming the row when a check fails.
     */
    private static Checked check(SparkSession spark, Indexed indexed, InputFooters footers, String idCol, String what,
                                 String label) {
        boolean hasId = idCol != null;
        String jobLabel = "spark-ntk: read and check " + what;
        List<Tuple2<RowCheck.Summary, Long>> parts = JobLabel.call(spark.sparkContext(), jobLabel,
                () -> indexed.rows().mapPartitions(it -> {
                    RunCounter runs = new RunCounter(it);
                    return List.of(new Tuple2<>(RowCheck.summarize(runs, hasId), runs.runs())).iterator();
                }, true).collect());
        List<RowCheck.Summary> summaries = new ArrayList<>();
        long runs = 0;
        for (Tuple2<RowCheck.Summary, Long> p : parts) {
            summaries.add(p._1());
            runs += p._2();
        }
        RowCheck.Result res = RowCheck.combine(summaries, idCol, what);
        String prefix = label.equals("input") ? "" : label + ": ";
        if (res.error() != null) {
            indexed.release();
            throw new UserError(prefix + res.error());
        }
        if (footers != null && res.n() != footers.rows()) {
            indexed.release();
            throw new IllegalStateException(what + ": the Parquet footers count " + footers.rows() + " rows but the scan read "
                    + res.n() + "; was the input changed while it was read?");
        }
        if (hasId) {
            String dup = JobLabel.call(spark.sparkContext(), jobLabel, () -> duplicateId(indexed.rows(), idCol));
            if (dup != null) {
                indexed.release();
                throw new UserError(prefix + dup);
            }
        }
        return new Checked(res, runs);
    }

    /** The schema Spark's inference would take from the first file's footer, by Spark's own converter. */
    public static StructType footerSchema(SparkSession spark, InputFooters footers) {
        return ParquetFileFormat$.MODULE$.readSchemaFromFooter(new Footer(footers.firstPath(), footers.firstFooter()),
                new ParquetToSparkSchemaConverter(SessionConfs.sql(spark)));
    }

    private static final int ARRAY = 0;
    private static final int VECTOR = 1;
    private static final int OLD_VECTOR = 2;
    private static final int COLS = 3;

    /**
     * Converts an internal row (file, pos, array features, [id]) to an {@link InputRow}; the same
     * result as {@link #toInputRow} for an array column.
     *
     * @param idType the id column's type, or null without --id-col (the id is the index)
     */
    static InputRow arrayRow(InternalRow r, long index, boolean f32, boolean nulls, String fcol, DataType idType) {
        Object id;
        if (idType == null) {
            id = Long.valueOf(index);
        } else if (r.isNullAt(3)) {
            id = null;
        } else if (idType.equals(DataTypes.LongType)) {
            id = r.getLong(3);
        } else if (idType.equals(DataTypes.IntegerType)) {
            id = r.getInt(3);
        } else if (idType.equals(DataTypes.ShortType)) {
            id = r.getShort(3);
        } else if (idType.equals(DataTypes.ByteType)) {
            id = r.getByte(3);
        } else {
            id = r.getUTF8String(3).toString();
        }
        if (r.isNullAt(2)) {
            return new InputRow(index, id, null, "features are null (column '" + fcol + "'); every row needs a feature vector");
        }
        ArrayData a = r.getArray(2);
        double[] x;
        if (f32) {
            float[] f = a.toFloatArray();
            x = new double[f.length];
            for (int k = 0; k < f.length; k++) {
                x[k] = f[k];
            }
        } else {
            x = a.toDoubleArray();
        }
        String problem = null;
        if (nulls) {
            for (int k = 0; k < x.length; k++) {
                if (a.isNullAt(k)) {
                    if (problem == null) {
                        problem = "features[" + k + "] is null (column '" + fcol + "'); features must be finite numbers";
                    }
                    x[k] = 0;
                }
            }
        }
        if (problem == null) {
            problem = RowCheck.vectorProblem(x);
        }
        return new InputRow(index, id, x, problem);
    }

    /** The file name of consecutive rows as one String (rows of a split share their file). */
    private static final class FileName {
        private org.apache.spark.unsafe.types.UTF8String last;
        private String name;

        String of(org.apache.spark.unsafe.types.UTF8String f) {
            if (!f.equals(last)) {
                last = f.clone();
                name = f.toString();
            }
            return name;
        }
    }

    /** Converts a selected row (file, pos, features..., [id]) to an {@link InputRow}. */
    static InputRow toInputRow(Row r, long index, int kind, int nf, List<String> fcols, boolean hasId) {
        Object id = hasId ? r.get(2 + (kind == COLS ? nf : 1)) : Long.valueOf(index);
        double[] x;
        String problem = null;
        switch (kind) {
            case ARRAY -> {
                if (r.isNullAt(2)) {
                    x = null;
                    problem = "features are null (column '" + fcols.get(0) + "'); every row needs a feature vector";
                } else {
                    List<Object> l = r.getList(2);
                    x = new double[l.size()];
                    for (int k = 0; k < x.length; k++) {
                        Object v = l.get(k);
                        if (v == null) {
                            if (problem == null) {
                                problem = "features[" + k + "] is null (column '" + fcols.get(0) + "'); features must be finite numbers";
                            }
                            x[k] = 0;
                        } else {
                            x[k] = ((Number) v).doubleValue();
                        }
                    }
                }
            }
            case VECTOR, OLD_VECTOR -> {
                if (r.isNullAt(2)) {
                    x = null;
                    problem = "features are null (column '" + fcols.get(0) + "'); every row needs a feature vector";
                } else {
                    Object v = r.get(2);
                    x = v instanceof org.apache.spark.ml.linalg.Vector mv ? mv.toArray()
                            : ((org.apache.spark.mllib.linalg.Vector) v).toArray();
                }
            }
            default -> {
                x = new double[nf];
                for (int k = 0; k < nf; k++) {
                    if (r.isNullAt(2 + k)) {
                        if (problem == null) {
                            problem = "column '" + fcols.get(k) + "' is null; every feature column needs a value";
                        }
                    } else {
                        x[k] = ((Number) r.get(2 + k)).doubleValue();
                    }
                }
            }
        }
        if (problem == null) {
            problem = RowCheck.vectorProblem(x);
            if (problem != null && kind == COLS && x != null) {
                for (int k = 0; k < nf; k++) {
                    if (!Double.isFinite(x[k])) {
                        problem = "column '" + fcols.get(k) + "' is " + x[k] + "; features must be finite numbers";
                        break;
                    }
                }
            }
        }
        return new InputRow(index, id, x, problem);
    }

    /** Passes rows through and counts the runs of consecutive indexes among them. */
    private static final class RunCounter implements java.util.Iterator<InputRow> {
        private final java.util.Iterator<InputRow> it;
        private long last = Long.MIN_VALUE;
        private long runs;

        RunCounter(java.util.Iterator<InputRow> it) {
            this.it = it;
        }

        @Override
        public boolean hasNext() {
            return it.hasNext();
        }

        @Override
        public InputRow next() {
            InputRow r = it.next();
            if (r.index() != last + 1 || last == Long.MIN_VALUE) {
                runs++;
            }
            last = r.index();
            return r;
        }

        long runs() {
            return runs;
        }
    }

    /** The first duplicated id (by first occurrence), as a message, or null. */
    private static String duplicateId(JavaRDD<InputRow> rows, String idCol) {
        JavaPairRDD<Object, long[]> counts = rows.mapToPair(r -> new Tuple2<>(r.id(), new long[] {1, r.index(), Long.MAX_VALUE}))
                .reduceByKey((a, b) -> {
                    long first = Math.min(a[1], b[1]);
                    long second = Math.min(Math.min(a[2], b[2]), Math.max(a[1], b[1]));
                    return new long[] {a[0] + b[0], first, second};
                });
        List<Tuple2<Object, long[]>> dups = counts.filter(t -> t._2()[0] > 1)
                .takeOrdered(1, new FirstOccurrence());
        if (dups.isEmpty()) {
            return null;
        }
        Tuple2<Object, long[]> t = dups.get(0);
        Object id = t._1();
        String shown = id instanceof String ? "'" + id + "'" : String.valueOf(id);
        return "duplicate id " + shown + " in column '" + idCol + "': it appears " + t._2()[0] + " times (input rows "
                + t._2()[1] + " and " + t._2()[2] + "); ids must be unique";
    }

    /** Orders duplicate-id candidates by first occurrence. */
    static final class FirstOccurrence implements java.util.Comparator<Tuple2<Object, long[]>>, java.io.Serializable {
        @Override
        public int compare(Tuple2<Object, long[]> a, Tuple2<Object, long[]> b) {
            return Long.compare(a._2()[1], b._2()[1]);
        }
    }

    private static StructField field(StructType schema, String name, String option, String what) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        List<String> cols = new ArrayList<>();
        for (StructField f : schema.fields()) {
            cols.add(f.name() + " (" + f.dataType().simpleString() + ")");
        }
        throw new UserError("column '" + name + "' (" + option + ") not found in " + what + "; columns: "
                + String.join(", ", cols));
    }

    private static String quote(String c) {
        return "`" + c.replace("`", "``") + "`";
    }

    /** Data files of the input with sizes and modification times, sorted by path. */
    public static List<FileFingerprint> fingerprint(SparkSession spark, Dataset<Row> df) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<FileFingerprint> out = new ArrayList<>();
        try {
            for (String f : df.inputFiles()) {
                Path p = new Path(java.net.URI.create(f)); // inputFiles are URL-encoded: "a%20b" is the file "a b"
                FileStatus st = p.getFileSystem(conf).getFileStatus(p);
                out.add(new FileFingerprint(st.getPath().toString(), st.getLen(), st.getModificationTime()));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
