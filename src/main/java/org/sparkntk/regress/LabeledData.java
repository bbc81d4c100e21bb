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
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import org.sparkntk.gram.InputFooters;
import org.sparkntk.gram.Normalizer;
import org.sparkntk.options.Normalize;
import org.sparkntk.spec.UserError;
import scala.Tuple2;

/**
 * A training or test set: features stay on the executors as row blocks, ids and labels (O(N k))
 * come to the driver. Rows are numbered 0..N-1 in input order, sorted by (file path, row index in
 * the file) as {@code gram} numbers them, so a row number without an id column means the same row.
 */
public final class LabeledData {

    /** The row-level view used while reading (problem != null marks a bad row). */
    record Item(long index, Object id, double[] x, Object[] labels, String problem) implements Serializable {
    }

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

    /** Releases the cached blocks. */
    public void release() {
        blocks.unpersist(false);
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
        boolean fit = fixed == null;
        Normalizer rowNorm = fit ? Normalizer.none() : fixed;
        Dataset<Row> df;
        Map<String, Long> footerOffsets;
        try {
            // a plain file or folder: schema and per-file row counts from the footers, as gram opens its input
            InputFooters.Opened opened = InputFooters.open(spark, path);
            df = opened.frame();
            footerOffsets = opened.fileOffsets();
        } catch (Exception e) {
            if (e.getClass().getSimpleName().contains("AnalysisException")) {
                throw new UserError(role + " '" + path + "' cannot be read as Parquet: " + firstLine(e.getMessage()), e);
            }
            throw e;
        }
        List<String> have = Arrays.asList(df.columns());
        if (!have.contains(featuresCol)) {
            throw new UserError(role + " '" + path + "' has no features column '" + featuresCol + "'; columns: " + have
                    + " (choose one with --features-col)");
        }
        DataType ft = df.schema().apply(featuresCol).dataType();
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
        List<String> cols = new ArrayList<>();
        cols.add(featuresCol);
        if (idCol != null) {
            cols.add(idCol);
        }
        if (withLabels) {
            lt = new ArrayList<>();
            for (String c : labelCols) {
                StructField f = df.schema().apply(c);
                lt.add(f.dataType());
                cols.add(c);
            }
        }
        DataType idType = idCol == null ? DataTypes.LongType : df.schema().apply(idCol).dataType();
        int nl = withLabels ? labelCols.size() : 0;
        boolean hasId = idCol != null;
        // input order, as gram numbers rows: by (file path, row index in file)
        List<org.apache.spark.sql.Column> sel = new ArrayList<>();
        for (String c : cols) {
            sel.add(org.apache.spark.sql.functions.col("`" + c + "`"));
        }
        sel.add(org.apache.spark.sql.functions.col("_metadata.file_path").as("_ntk_file"));
        sel.add(org.apache.spark.sql.functions.col("_metadata.row_index").as("_ntk_pos"));
        Dataset<Row> selected = df.select(sel.toArray(new org.apache.spark.sql.Column[0]));
        // a row's index is the number of rows in the files sorted before its file plus its position in
        // the file: the per-file counts come from the metadata columns alone (no data read), so the rows
        // need no range partitioning, sort or zipWithIndex pass to be numbered
        Map<String, Long> offsets = footerOffsets != null ? footerOffsets : fileOffsets(selected);
        Broadcast<Map<String, Long>> bo = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(offsets);
        int fileCol = cols.size();
        JavaRDD<Item> items = selected.javaRDD()
                .map(r -> toItem(new Tuple2<>(r, bo.value().get(InputFooters.key(r.getString(fileCol))) + r.getLong(fileCol + 1)),
                        hasId, nl, featuresCol, rowNorm))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            // ids, labels, the feature length and any problem of every row, on the driver (O(N k)), in one pass
            List<Tuple2<Long, Object[]>> meta = items.map(it -> new Tuple2<Long, Object[]>(it.index(),
                    append(append(append(it.labels(), it.x().length), it.id()), it.problem()))).collect();
            long n = meta.size();
            if (n == 0) {
                throw new UserError(role + " '" + path + "' is empty");
            }
            Object[][] byIndex = new Object[(int) n][];
            for (Tuple2<Long, Object[]> m : meta) {
                byIndex[(int) (long) m._1()] = m._2();
            }
            for (Object[] m : byIndex) {
                if (m[nl + 2] != null) {
                    throw new UserError(role + " '" + path + "': " + m[nl + 2]);
                }
            }
            int d = (int) byIndex[0][nl];
            List<Object> ids = new ArrayList<>((int) n);
            List<Object[]> labels = new ArrayList<>((int) n);
            for (int i = 0; i < n; i++) {
                Object[] m = byIndex[i];
                int di = (int) m[nl];
                if (di != d) {
                    throw new UserError(role + " '" + path + "': row " + m[nl + 1] + " has " + di + " features but row "
                            + byIndex[0][nl + 1] + " has " + d + "; all feature vectors must have the same length");
                }
                ids.add(m[nl + 1]);
                labels.add(Arrays.copyOf(m, nl));
            }
            int b = blockSize;
            Normalizer used = fit ? standardize(items, n, d) : rowNorm;
            Normalizer late = fit ? used : Normalizer.none(); // rows already normalized in toItem otherwise
            JavaRDD<FeatureBlock> blocks = items.mapToPair(it -> new Tuple2<>((int) (it.index() / b), it))
                    .groupByKey(Math.max(1, (int) ((n + b - 1) / b)))
                    .map(g -> toBlock(g._1(), g._2(), b, d, late))
                    .persist(StorageLevel.MEMORY_AND_DISK());
            blocks.count();
            return new LabeledData(path, n, d, ids, labels, idType, lt, blocks, b, used);
        } finally {
            items.unpersist(false);
        }
    }

    /** Rows before each file in input order (files sorted by path), from the per-file row counts. */
    private static Map<String, Long> fileOffsets(Dataset<Row> selected) {
        List<Row> counts = selected.groupBy("_ntk_file").count().collectAsList();
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

    private static Object[] append(Object[] a, Object v) {
        Object[] o = Arrays.copyOf(a, a.length + 1);
        o[a.length] = v;
        return o;
    }

    /** Column means and population standard deviations of the rows (two passes over the cached rows), as gram fits them. */
    private static Normalizer standardize(JavaRDD<Item> items, long n, int d) {
        double[] sum = items.treeAggregate(new double[d], (acc, it) -> {
            for (int k = 0; k < d; k++) {
                acc[k] += it.x()[k];
            }
            return acc;
        }, LabeledData::add);
        double[] mean = new double[d];
        for (int k = 0; k < d; k++) {
            mean[k] = sum[k] / n;
        }
        double[] ss = items.treeAggregate(new double[d], (acc, it) -> {
            for (int k = 0; k < d; k++) {
                double dv = it.x()[k] - mean[k];
                acc[k] += dv * dv;
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

    private static FeatureBlock toBlock(int index, Iterable<Item> rows, int b, int d, Normalizer norm) {
        long start = (long) index * b;
        List<Item> list = new ArrayList<>();
        rows.forEach(list::add);
        int m = list.size();
        double[] x = new double[m * d];
        for (Item it : list) {
            System.arraycopy(norm.apply(it.x()), 0, x, (int) (it.index() - start) * d, d);
        }
        return new FeatureBlock(index, start, m, d, x);
    }

    private static Item toItem(Tuple2<Row, Long> t, boolean hasId, int nl, String featuresCol, Normalizer norm) {
        Row r = t._1();
        long index = t._2();
        Object id = hasId ? r.get(1) : (Object) index;
        String idText = hasId ? "with id " + id : "number " + index;
        if (hasId && id == null) {
            return new Item(index, null, new double[0], new Object[nl], "row number " + index + " has a null id");
        }
        double[] x;
        Object f = r.get(0);
        if (f == null) {
            return new Item(index, id, new double[0], new Object[nl], "row " + idText + " has null features ('" + featuresCol + "')");
        }
        if (f instanceof Vector v) {
            x = v.toArray();
        } else {
            List<Object> l = r.getList(0);
            x = new double[l.size()];
            for (int i = 0; i < x.length; i++) {
                Object e = l.get(i);
                if (e == null) {
                    return new Item(index, id, new double[0], new Object[nl], "row " + idText + " has a null feature at position " + i);
                }
                x[i] = ((Number) e).doubleValue();
            }
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                return new Item(index, id, x, new Object[nl], "row " + idText + " has feature " + i + " = " + x[i]
                        + "; features must be finite");
            }
        }
        if (norm.mode() != Normalize.NONE) {
            x = norm.apply(x);
        }
        Object[] labels = new Object[nl];
        int off = hasId ? 2 : 1;
        for (int j = 0; j < nl; j++) {
            labels[j] = r.get(off + j);
        }
        return new Item(index, id, x, labels, null);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
