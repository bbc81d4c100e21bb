package org.sparkntk.regress;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.gram.InputTable;
import org.apache.spark.storage.StorageLevel;
import org.sparkntk.gram.InputFooters;
import org.sparkntk.gram.Normalizer;
import org.sparkntk.options.Normalize;
import org.sparkntk.spec.UserError;

/**
 * A training or test set: features stay on the executors as row blocks, ids and labels (O(N k))
 * come to the driver. Rows are numbered 0..N-1 in input order, sorted by (file path, row index in
 * the file) as {@code gram} numbers them, so a row number without an id column means the same row.
 */
public final class LabeledData {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LabeledData.class);

    private final String path;
    private final long n;
    private final int d;
    private final List<Object> ids;
    private final List<Object[]> labels;
    private final DataType idType;
    private final List<DataType> labelTypes;
    private final JavaRDD<FeatureBlock> blocks;
    private final int blockSize;
    private final Normalizer normalizer;

    private LabeledData(String path, long n, int d, List<Object> ids, List<Object[]> labels, DataType idType,
                        List<DataType> labelTypes, JavaRDD<FeatureBlock> blocks, int blockSize, Normalizer normalizer) {
        this.normalizer = normalizer;
        this.path = path;
        this.n = n;
        this.d = d;
        this.ids = ids;
        this.labels = labels;
        this.idType = idType;
        this.labelTypes = labelTypes;
        this.blocks = blocks;
        this.blockSize = blockSize;
    }

    public String path() {
        return path;
    }

    /** The normalization applied to the rows (for standardize: with the column statistics it used). */
    public Normalizer normalizer() {
        return normalizer;
    }

    public long n() {
        return n;
    }

    public int d() {
        return d;
    }

    /** Row ids in row order (the id column, or the row number when there is none). */
    public List<Object> ids() {
        return ids;
    }

    /** Labels per row (one entry per label column), or null entries when the set has no labels. */
    public List<Object[]> labels() {
        return labels;
    }

    public DataType idType() {
        return idType;
    }

    public List<DataType> labelTypes() {
        return labelTypes;
    }

    /** True when every label column was present. */
    public boolean hasLabels() {
        return labelTypes != null;
    }

    public JavaRDD<FeatureBlock> blocks() {
        return blocks;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Releases the cached blocks (and the prefetched rows they were cut from, if any). */
    public void release() {
        blocks.unpersist(false);
        if (onRelease != null) {
            onRelease.run();
            onRelease = null;
        }
    }

    /** Run by {@link #release}: drops this JVM's prefetched rows of the set (null when the set was read by tasks). */
    private Runnable onRelease;

    /** How the rows were read: {@code "prefetched"}, {@code "parquet-hadoop tasks"} or {@code "spark sql"}. */
    private String route = "spark sql";

    String route() {
        return route;
    }

    /**
     * Reads PATH (Parquet). Label columns must exist when {@code labelsRequired}; otherwise (a test
     * set) they are read when all present. {@code role} names the set in messages (--train, --test).
     * {@code normalize}: NONE, or L2 (each row divided by its norm exactly as {@code ntk gram
     * --normalize l2} stages it, {@link Normalizer}, so a model solved from such a Gram sees the
     * same features at predict time).
     */
    public static LabeledData load(SparkSession spark, String path, String role, String featuresCol, String idCol,
                                   List<String> labelCols, boolean labelsRequired, int blockSize, Normalize normalize) {
        return load(spark, path, role, featuresCol, idCol, labelCols, labelsRequired, blockSize, switch (normalize) {
            case NONE -> Normalizer.none();
            case L2 -> Normalizer.l2();
            case STANDARDIZE -> null; // fitted on this set
        });
    }

    /**
     * As {@link #load(SparkSession, String, String, String, String, List, boolean, int, Normalize)}
     * with a given normalizer (a test set, or the training set again at predict time, normalized
     * with the training set's column statistics); null fits standardize on this set.
     */
    public static LabeledData load(SparkSession spark, String path, String role, String featuresCol, String idCol,
                                   List<String> labelCols, boolean labelsRequired, int blockSize, Normalizer fixed) {
        InputFooters footers = InputFooters.read(org.sparkntk.gram.SessionConfs.hadoop(spark), path);
        if (org.sparkntk.gram.ParquetScan.enabled()) {
            if (footers != null) {
                StructType schema = InputTable.footerSchema(spark, footers);
                Columns cols = Columns.check(schema, path, role, featuresCol, idCol, labelCols, labelsRequired);
                ParquetRows.Columns pc = ParquetRows.columns(footers, featuresCol, cols.features(), idCol,
                        idCol == null ? null : cols.idType(), cols.labels() ? labelCols : List.of(), cols.labelTypes());
                if (pc != null) {
                    return direct(spark, path, role, footers, cols, pc, blockSize, fixed);
                }
            }
        }
        InputFooters.Opened opened = open(spark, path, footers, role);
        Dataset<Row> df = opened.frame();
        Columns cols = Columns.check(df.schema(), path, role, featuresCol, idCol, labelCols, labelsRequired);
        // input order, as gram numbers rows: by (file path, row index in file). A row's index is the
        // number of rows in the files sorted before its file plus its position in the file: the per-file
        // counts come from the footers (or the metadata columns alone), so the rows need no range
        // partitioning, sort or zipWithIndex pass to be numbered
        Column file = functions.col("_metadata.file_path").as("_ntk_file");
        Column pos = functions.col("_metadata.row_index").as("_ntk_pos");
        Map<String, Long> offsets = opened.fileOffsets() != null ? opened.fileOffsets() : fileOffsets(df.select(file));
        Broadcast<Map<String, Long>> bo = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(offsets);
        Object[][] byIndex = idsAndLabels(df, file, pos, bo, idCol, labelCols, cols.labels(), path, role);
        int n = byIndex.length;
        // the features: runs of consecutive rows per partition, copied out of Spark's rows in bulk
        JavaRDD<Segment> segments = segments(df, file, pos, featuresCol, cols.features(), bo).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<SegmentInfo> infos = infos(segments);
            int d = checkRows(infos, byIndex, idCol != null, path, role);
            int nl = cols.labels() ? labelCols.size() : 0;
            List<Object> ids = new ArrayList<>(n);
            List<Object[]> labels = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ids.add(byIndex[i][1]);
                labels.add(Arrays.copyOfRange(byIndex[i], 2, 2 + nl));
            }
            return blocks(path, n, d, ids, labels, cols, segments, infos, blockSize, fixed);
        } finally {
            segments.unpersist(false);
        }
    }

    /** The normalizer (fitted here for standardize), then the cached blocks of {@code blockSize} rows cut from the segments. */
    private static LabeledData blocks(String path, int n, int d, List<Object> ids, List<Object[]> labels, Columns cols,
                                      JavaRDD<Segment> segments, List<SegmentInfo> infos, int blockSize, Normalizer fixed) {
        Normalizer used = fixed == null ? standardize(segments, n, d) : fixed;
        JavaRDD<FeatureBlock> blocks = new BlockRdd(segments.rdd(), infos, n, blockSize, d, used).toJavaRDD()
                .persist(StorageLevel.MEMORY_AND_DISK());
        blocks.count();
        return new LabeledData(path, n, d, ids, labels, cols.idType(), cols.labelTypes(), blocks, blockSize, used);
    }

    /**
     * The set read by {@link ParquetRows}, one partition per row group: taken from this JVM's
     * prefetch when one was started (local mode), else read by tasks. Same rows, checks and
     * messages as the Spark SQL route.
     */
    private static LabeledData direct(SparkSession spark, String path, String role, InputFooters footers, Columns cols,
                                      ParquetRows.Columns pc, int blockSize, Normalizer fixed) {
        List<org.sparkntk.gram.ParquetScan.Split> splits = org.sparkntk.gram.ParquetScan.splits(footers);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<ParquetRows.Part> prefetched = ParquetRows.take(path, pc, footers.fingerprints());
        JavaRDD<ParquetRows.Part> parts;
        List<ParquetRows.Part> metas;
        org.sparkntk.gram.Prefetch.Local<ParquetRows.Part> local = null;
        if (prefetched != null) {
            local = ParquetRows.serve(spark.sparkContext(), prefetched);
            parts = local.toJavaRDD();
            metas = prefetched;
        } else {
            org.sparkntk.io.HadoopConf conf = new org.sparkntk.io.HadoopConf(org.sparkntk.gram.SessionConfs.hadoop(spark));
            parts = jsc.parallelize(splits, Math.max(1, splits.size())).map(sp -> ParquetRows.read(conf.get(), sp, pc));
            parts = parts.persist(StorageLevel.MEMORY_AND_DISK());
            metas = parts.map(ParquetRows.Part::withoutFeatures).collect();
        }
        JavaRDD<Segment> segments = parts.flatMap(p -> p.segment() == null
                ? java.util.Collections.<Segment>emptyIterator() : List.of(p.segment()).iterator());
        try {
            long total = 0;
            List<SegmentInfo> infos = new ArrayList<>();
            for (int i = 0; i < metas.size(); i++) {
                ParquetRows.Part p = metas.get(i);
                total += p.meta().length;
                Segment g = p.segment();
                if (g != null) {
                    infos.add(new SegmentInfo(i, g.start(), g.rows(), g.d(), g.problemIndex(), g.problem(), g.otherIndex(), g.otherD()));
                }
            }
            if (total == 0) {
                throw new UserError(role + " '" + path + "' is empty");
            }
            if (total > Integer.MAX_VALUE - 8) {
                throw new UserError(role + " '" + path + "' has " + total + " rows; at most " + (Integer.MAX_VALUE - 8) + " are supported");
            }
            int n = (int) total;
            Object[][] byIndex = new Object[n][];
            for (ParquetRows.Part p : metas) {
                for (Object[] m : p.meta()) {
                    byIndex[(int) (long) (Long) m[0]] = m;
                }
            }
            int d = checkRows(infos, byIndex, pc.id() != null, path, role);
            int nl = pc.labels().size();
            List<Object> ids = new ArrayList<>(n);
            List<Object[]> labels = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ids.add(byIndex[i][1]);
                labels.add(Arrays.copyOfRange(byIndex[i], 2, 2 + nl));
            }
            LabeledData data = blocks(path, n, d, ids, labels, cols, segments, infos, blockSize, fixed);
            data.route = local != null ? "prefetched" : "parquet-hadoop tasks";
            LOG.info("{} '{}': {} rows in {} row groups, read by {}", role, path, n, splits.size(),
                    local != null ? "the driver while Spark started (prefetched)" : "parquet-hadoop in tasks");
            data.onRelease = local == null ? null : local::release;
            local = null;
            return data;
        } finally {
            parts.unpersist(false);
            if (local != null) {
                local.release();
            }
        }
    }

    /** A plain Parquet file or folder opened as gram opens its input: schema and per-file row counts from the footers. */
    private static InputFooters.Opened open(SparkSession spark, String path, InputFooters footers, String role) {
        try {
            return InputFooters.open(spark, path, footers);
        } catch (Exception e) {
            if (e.getClass().getSimpleName().contains("AnalysisException")) {
                throw new UserError(role + " '" + path + "' cannot be read as Parquet: " + firstLine(e.getMessage()), e);
            }
            throw e;
        }
    }

    /**
     * The columns a labelled set needs, checked on its schema: the features' type, whether the
     * labels are there (required for a training set) and their types, the id's type.
     */
    private record Columns(DataType features, boolean labels, List<DataType> labelTypes, DataType idType) {

        static Columns check(StructType schema, String path, String role, String featuresCol, String idCol, List<String> labelCols,
                             boolean labelsRequired) {
            List<String> have = Arrays.asList(schema.fieldNames());
            if (!have.contains(featuresCol)) {
                throw new UserError(role + " '" + path + "' has no features column '" + featuresCol + "'; columns: " + have
                        + " (choose one with --features-col)");
            }
            DataType ft = schema.apply(featuresCol).dataType();
            if (!(ft.equals(DataTypes.createArrayType(DataTypes.DoubleType, true)) || ft.equals(DataTypes.createArrayType(DataTypes.DoubleType, false))
                    || ft.equals(DataTypes.createArrayType(DataTypes.FloatType, true)) || ft.equals(DataTypes.createArrayType(DataTypes.FloatType, false))
                    || ft.typeName().equals("vector"))) {
                throw new UserError(role + " column '" + featuresCol + "' has type " + ft.simpleString()
                        + "; features must be array<double>, array<float> or an ML Vector");
            }
            if (idCol != null && !have.contains(idCol)) {
                throw new UserError(role + " '" + path + "' has no id column '" + idCol + "'; columns: " + have);
            }
            boolean withLabels = true;
            for (String c : labelCols) {
                if (!have.contains(c)) {
                    if (labelsRequired) {
                        throw new UserError(role + " '" + path + "' has no label column '" + c + "'; columns: " + have);
                    }
                    withLabels = false;
                }
            }
            List<DataType> lt = null;
            if (withLabels) {
                lt = new ArrayList<>();
                for (String c : labelCols) {
                    StructField f = schema.apply(c);
                    lt.add(f.dataType());
                }
            }
            DataType idType = idCol == null ? DataTypes.LongType : schema.apply(idCol).dataType();
            return new Columns(ft, withLabels, lt, idType);
        }
    }

    /**
     * Ids and labels (O(N k)) to the driver by a scan of those columns only, in input order: row i
     * is {index, id (the index without an id column), labels...}. Refuses an empty or too large set.
     */
    private static Object[][] idsAndLabels(Dataset<Row> df, Column file, Column pos, Broadcast<Map<String, Long>> bo, String idCol,
                                           List<String> labelCols, boolean withLabels, String path, String role) {
        boolean hasId = idCol != null;
        int nl = withLabels ? labelCols.size() : 0;
        List<Column> metaCols = new ArrayList<>(List.of(file, pos));
        if (hasId) {
            metaCols.add(functions.col("`" + idCol + "`"));
        }
        for (int j = 0; j < nl; j++) {
            metaCols.add(functions.col("`" + labelCols.get(j) + "`"));
        }
        List<Object[]> meta = df.select(metaCols.toArray(new Column[0])).javaRDD().map(r -> {
            Object[] m = new Object[2 + nl];
            long index = bo.value().get(InputFooters.key(r.getString(0))) + r.getLong(1);
            m[0] = index;
            m[1] = hasId ? r.get(2) : (Object) index;
            for (int j = 0; j < nl; j++) {
                m[2 + j] = r.get((hasId ? 3 : 2) + j);
            }
            return m;
        }).collect();
        long n = meta.size();
        if (n == 0) {
            throw new UserError(role + " '" + path + "' is empty");
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new UserError(role + " '" + path + "' has " + n + " rows; at most " + (Integer.MAX_VALUE - 8) + " are supported");
        }
        Object[][] byIndex = new Object[(int) n][];
        for (Object[] m : meta) {
            byIndex[(int) (long) (Long) m[0]] = m;
        }
        return byIndex;
    }

    /** What each segment holds (not its features), in input order. */
    private static List<SegmentInfo> infos(JavaRDD<Segment> segments) {
        List<SegmentInfo> infos = new ArrayList<>(segments.mapPartitionsWithIndex((pid, it) -> {
            List<SegmentInfo> out = new ArrayList<>();
            while (it.hasNext()) {
                Segment g = it.next();
                out.add(new SegmentInfo(pid, g.start(), g.rows(), g.d(), g.problemIndex(), g.problem(), g.otherIndex(), g.otherD()));
            }
            return out.iterator();
        }, true).collect());
        infos.sort(java.util.Comparator.comparingLong(SegmentInfo::start));
        return infos;
    }

    /**
     * Refuses the first bad row in input order (a null id, or a feature problem), then a feature
     * vector whose length differs from the first row's; returns that length d.
     */
    private static int checkRows(List<SegmentInfo> infos, Object[][] byIndex, boolean hasId, String path, String role) {
        long firstBad = Long.MAX_VALUE;
        String badText = null;
        for (int i = 0; i < byIndex.length && hasId; i++) {
            if (byIndex[i][1] == null) {
                firstBad = i;
                badText = "row number " + i + " has a null id";
                break;
            }
        }
        for (SegmentInfo g : infos) {
            if (g.problem() != null && g.problemIndex() < firstBad) {
                firstBad = g.problemIndex();
                Object id = byIndex[(int) firstBad][1];
                badText = "row " + (hasId ? "with id " + id : "number " + firstBad) + " " + g.problem();
            }
        }
        if (badText != null) {
            throw new UserError(role + " '" + path + "': " + badText);
        }
        int d = infos.get(0).d();
        long other = Long.MAX_VALUE;
        int otherD = d;
        for (SegmentInfo g : infos) {
            if (g.d() != d && g.start() < other) {
                other = g.start();
                otherD = g.d();
            } else if (g.otherIndex() >= 0 && g.otherIndex() < other) {
                other = g.otherIndex();
                otherD = g.otherD();
            }
        }
        if (other != Long.MAX_VALUE) {
            throw new UserError(role + " '" + path + "': row " + byIndex[(int) other][1] + " has " + otherD + " features but row "
                    + byIndex[0][1] + " has " + d + "; all feature vectors must have the same length");
        }
        return d;
    }

    /**
     * Consecutive rows start..start+rows-1 of one partition, their features row-major (rows x d,
     * d the length of the first row's). {@code problem}: what is wrong with the first bad row
     * ({@code problemIndex}) after "row ... " (null when none); {@code otherIndex}: the first row
     * whose length is not d (-1 when none), {@code otherD} its length. Bad rows hold zeros.
     */
    record Segment(long start, int rows, int d, double[] x, long problemIndex, String problem, long otherIndex, int otherD)
            implements Serializable {
    }

    /** A {@link Segment} without its features, and the partition that holds it. */
    record SegmentInfo(int partition, long start, int rows, int d, long problemIndex, String problem, long otherIndex,
                       int otherD) implements Serializable {
    }

    /** Builds segments row by row. */
    static final class SegmentBuilder {
        private final List<Segment> out = new ArrayList<>();
        /** Rows expected in the first segment (0: unknown): its array is sized once, not grown by doubling. */
        private final int expectRows;
        private long start = -1;
        private int rows;
        private int d = -1;
        private double[] x = new double[0];
        private long problemIndex = -1;
        private String problem;
        private long otherIndex = -1;
        private int otherD;

        SegmentBuilder() {
            this(0);
        }

        SegmentBuilder(int expectRows) {
            this.expectRows = expectRows;
        }

        /** Adds row {@code index} (the next one unless a new segment starts); null x with a problem. */
        void add(long index, double[] v, int len, String rowProblem) {
            if (start < 0 || index != start + rows) {
                flush();
                start = index;
                d = len;
            }
            if (rowProblem != null && problem == null) {
                problem = rowProblem;
                problemIndex = index;
            }
            if (len != d && otherIndex < 0 && rowProblem == null) {
                otherIndex = index;
                otherD = len;
            }
            if ((long) (rows + 1) * d > x.length) {
                long want = Math.max(1024, Math.max((long) (rows + 1) * d, 2L * x.length));
                if (out.isEmpty() && x.length == 0 && expectRows > rows) {
                    want = Math.max((long) (rows + 1) * d, (long) expectRows * d);
                }
                if (want > Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException("a partition holds more than 2^31 feature values");
                }
                x = Arrays.copyOf(x, (int) want);
            }
            if (v != null && len == d) {
                System.arraycopy(v, 0, x, rows * d, d);
            }
            rows++;
        }

        List<Segment> finish() {
            flush();
            return out;
        }

        private void flush() {
            if (rows > 0) {
                double[] values = x.length == rows * d ? x : Arrays.copyOf(x, rows * d);
                if (values == x) {
                    x = new double[0]; // handed over whole: no second copy of a presized segment
                }
                out.add(new Segment(start, rows, d, values, problemIndex, problem, otherIndex, otherD));
            }
            start = -1;
            rows = 0;
            problem = null;
            problemIndex = -1;
            otherIndex = -1;
        }
    }

    /**
     * The features as segments. An array column is read from Spark's internal rows, each array
     * copied in bulk (UnsafeArrayData.toDoubleArray, as gram's staging reads it) instead of as d
     * boxed numbers; an ML Vector column through Vector.toArray.
     */
    private static JavaRDD<Segment> segments(Dataset<Row> df, org.apache.spark.sql.Column file, org.apache.spark.sql.Column pos,
                                             String featuresCol, DataType ft, Broadcast<Map<String, Long>> bo) {
        Dataset<Row> sel = df.select(file, pos, org.apache.spark.sql.functions.col("`" + featuresCol + "`"));
        String col = featuresCol;
        if (ft instanceof org.apache.spark.sql.types.ArrayType at) {
            boolean f32 = at.elementType().equals(DataTypes.FloatType);
            boolean nulls = at.containsNull();
            return sel.queryExecution().toRdd().toJavaRDD().mapPartitions(it -> {
                SegmentBuilder sb = new SegmentBuilder();
                org.apache.spark.unsafe.types.UTF8String lastFile = null;
                long offset = 0;
                while (it.hasNext()) {
                    org.apache.spark.sql.catalyst.InternalRow r = it.next();
                    org.apache.spark.unsafe.types.UTF8String f = r.getUTF8String(0);
                    if (!f.equals(lastFile)) {
                        lastFile = f.clone();
                        offset = bo.value().get(InputFooters.key(f.toString()));
                    }
                    long index = offset + r.getLong(1);
                    if (r.isNullAt(2)) {
                        sb.add(index, null, 0, "has null features ('" + col + "')");
                        continue;
                    }
                    org.apache.spark.sql.catalyst.util.ArrayData a = r.getArray(2);
                    double[] x;
                    if (f32) {
                        float[] fl = a.toFloatArray();
                        x = new double[fl.length];
                        for (int k = 0; k < fl.length; k++) {
                            x[k] = fl[k];
                        }
                    } else {
                        x = a.toDoubleArray();
                    }
                    sb.add(index, x, x.length, rowProblem(x, nulls ? firstNull(a) : -1));
                }
                return sb.finish().iterator();
            }, true);
        }
        return sel.javaRDD().mapPartitions(it -> {
            SegmentBuilder sb = new SegmentBuilder();
            while (it.hasNext()) {
                Row r = it.next();
                long index = bo.value().get(InputFooters.key(r.getString(0))) + r.getLong(1);
                if (r.isNullAt(2)) {
                    sb.add(index, null, 0, "has null features ('" + col + "')");
                    continue;
                }
                double[] x = ((Vector) r.get(2)).toArray();
                sb.add(index, x, x.length, rowProblem(x, -1));
            }
            return sb.finish().iterator();
        }, true);
    }

    /** The position of the first null element of {@code a}, or -1. */
    private static int firstNull(org.apache.spark.sql.catalyst.util.ArrayData a) {
        for (int i = 0; i < a.numElements(); i++) {
            if (a.isNullAt(i)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * What is wrong with a row's features after "row ...", or null: a null element (its position
     * {@code firstNull}, -1 when none), a value not finite.
     */
    static String rowProblem(double[] x, int firstNull) {
        if (firstNull >= 0) {
            return "has a null feature at position " + firstNull;
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                return "has feature " + i + " = " + x[i] + "; features must be finite";
            }
        }
        return null;
    }

    /**
     * Blocks of {@code b} consecutive rows from the cached segments, without a shuffle: block I
     * depends only on the partitions whose segments overlap its rows (a narrow dependency, as
     * coalesce has), and copies those rows out of them, normalized.
     */
    static final class BlockRdd extends org.apache.spark.rdd.RDD<FeatureBlock> {
        private static final long serialVersionUID = 1L;
        private final org.apache.spark.rdd.RDD<Segment> parent;
        private final int[][] parents;
        private final long n;
        private final int b;
        private final int d;
        private final Normalizer norm;

        BlockRdd(org.apache.spark.rdd.RDD<Segment> parent, List<SegmentInfo> infos, long n, int b, int d, Normalizer norm) {
            this(parent, parentsOf(infos, n, b), n, b, d, norm);
        }

        private BlockRdd(org.apache.spark.rdd.RDD<Segment> parent, int[][] parents, long n, int b, int d, Normalizer norm) {
            super(parent.context(), seq(List.of(new Parents(parent, parents))),
                    scala.reflect.ClassTag$.MODULE$.apply(FeatureBlock.class));
            this.parent = parent;
            this.parents = parents;
            this.n = n;
            this.b = b;
            this.d = d;
            this.norm = norm;
        }

        /** Per block, the partitions holding any of its rows. */
        private static int[][] parentsOf(List<SegmentInfo> infos, long n, int b) {
            int nb = (int) ((n + b - 1) / b);
            List<java.util.TreeSet<Integer>> sets = new ArrayList<>();
            for (int i = 0; i < nb; i++) {
                sets.add(new java.util.TreeSet<>());
            }
            for (SegmentInfo g : infos) {
                for (long blk = g.start() / b; blk <= (g.start() + g.rows() - 1) / b; blk++) {
                    sets.get((int) blk).add(g.partition());
                }
            }
            int[][] p = new int[nb][];
            for (int i = 0; i < nb; i++) {
                p[i] = sets.get(i).stream().mapToInt(Integer::intValue).toArray();
            }
            return p;
        }

        @SuppressWarnings("unchecked")
        private static <T> scala.collection.immutable.Seq<T> seq(List<T> l) {
            return (scala.collection.immutable.Seq<T>) scala.jdk.javaapi.CollectionConverters.asScala(l).toSeq();
        }

        /** Block I's parent partitions. */
        private static final class Parents extends org.apache.spark.NarrowDependency<Segment> {
            private static final long serialVersionUID = 1L;
            private final int[][] parents;

            Parents(org.apache.spark.rdd.RDD<Segment> rdd, int[][] parents) {
                super(rdd);
                this.parents = parents;
            }

            @Override
            public scala.collection.immutable.Seq<Object> getParents(int partitionId) {
                List<Object> l = new ArrayList<>();
                for (int p : parents[partitionId]) {
                    l.add(p);
                }
                return seq(l);
            }
        }

        /** Block {@code index} and the parent partitions it reads (taken on the driver: an RDD has no partitions in a task). */
        private record Part(int index, org.apache.spark.Partition[] parents) implements org.apache.spark.Partition {
        }

        @Override
        public org.apache.spark.Partition[] getPartitions() {
            org.apache.spark.Partition[] all = parent.partitions();
            org.apache.spark.Partition[] p = new org.apache.spark.Partition[parents.length];
            for (int i = 0; i < p.length; i++) {
                org.apache.spark.Partition[] mine = new org.apache.spark.Partition[parents[i].length];
                for (int j = 0; j < mine.length; j++) {
                    mine[j] = all[parents[i][j]];
                }
                p[i] = new Part(i, mine);
            }
            return p;
        }

        @Override
        public scala.collection.Iterator<FeatureBlock> compute(org.apache.spark.Partition split, org.apache.spark.TaskContext ctx) {
            int index = split.index();
            long start = (long) index * b;
            int m = (int) Math.min(b, n - start);
            double[] x = new double[m * d];
            for (org.apache.spark.Partition p : ((Part) split).parents()) {
                scala.collection.Iterator<Segment> it = parent.iterator(p, ctx);
                while (it.hasNext()) {
                    Segment g = it.next();
                    long from = Math.max(start, g.start());
                    long to = Math.min(start + m, g.start() + g.rows());
                    for (long r = from; r < to; r++) {
                        int src = (int) (r - g.start()) * d;
                        int dst = (int) (r - start) * d;
                        if (norm.mode() == Normalize.NONE) {
                            System.arraycopy(g.x(), src, x, dst, d);
                        } else {
                            System.arraycopy(norm.apply(Arrays.copyOfRange(g.x(), src, src + d)), 0, x, dst, d);
                        }
                    }
                }
            }
            return scala.jdk.javaapi.CollectionConverters.asScala(List.of(new FeatureBlock(index, start, m, d, x)).iterator());
        }
    }

    /** Rows before each file in input order (files sorted by path), from the per-file row counts. */
    private static Map<String, Long> fileOffsets(Dataset<Row> files) {
        List<Row> counts = files.groupBy("_ntk_file").count().collectAsList();
        java.util.TreeMap<String, Long> sorted = new java.util.TreeMap<>();
        for (Row r : counts) {
            sorted.put(InputFooters.key(r.getString(0)), r.getLong(1));
        }
        Map<String, Long> offsets = new java.util.HashMap<>();
        long acc = 0;
        for (Map.Entry<String, Long> e : sorted.entrySet()) {
            offsets.put(e.getKey(), acc);
            acc += e.getValue();
        }
        return offsets;
    }

    /** Column means and population standard deviations of the rows (two passes over the cached segments), as gram fits them. */
    private static Normalizer standardize(JavaRDD<Segment> segments, long n, int d) {
        double[] sum = segments.treeAggregate(new double[d], (acc, g) -> {
            for (int i = 0; i < g.rows(); i++) {
                for (int k = 0; k < d; k++) {
                    acc[k] += g.x()[i * d + k];
                }
            }
            return acc;
        }, LabeledData::add);
        double[] mean = new double[d];
        for (int k = 0; k < d; k++) {
            mean[k] = sum[k] / n;
        }
        double[] ss = segments.treeAggregate(new double[d], (acc, g) -> {
            for (int i = 0; i < g.rows(); i++) {
                for (int k = 0; k < d; k++) {
                    double dv = g.x()[i * d + k] - mean[k];
                    acc[k] += dv * dv;
                }
            }
            return acc;
        }, LabeledData::add);
        return Normalizer.standardize(n, mean, ss);
    }

    private static double[] add(double[] a, double[] b) {
        for (int k = 0; k < a.length; k++) {
            a[k] += b[k];
        }
        return a;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
