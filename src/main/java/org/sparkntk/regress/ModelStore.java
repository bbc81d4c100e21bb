package org.sparkntk.regress;

import org.sparkntk.spec.KernelKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.gram.Normalizer;
import org.sparkntk.options.Normalize;
import org.sparkntk.spec.UserError;
import org.sparkntk.solve.Targets;

/**
 * A fitted kernel regression model (docs/regression.md): MODEL/model.json (the network spec and
 * kernel, a reference to the training input, task, classes, ridge and how the solve went; written
 * last, so its presence marks a complete model) and MODEL/coefficients/ (Parquet: row BIGINT, id,
 * alpha ARRAY&lt;DOUBLE&gt;, the dual coefficients of one training row). Prediction re-reads the
 * training features and matches coefficients by id.
 */
public final class ModelStore {

    /** Manifest file of a model. */
    public static final String MODEL_JSON = "model.json";
    /** Coefficients folder of a model. */
    public static final String COEFFICIENTS = "coefficients";
    /** Centres folder of a Nystrom model. */
    public static final String CENTERS = "centers";

    /** What a model says (read back from model.json). */
    public record Model(NetworkSpec spec, KernelKind kind, String trainPath, String featuresCol, String idCol,
                        long n, int d, int blockSize, Targets targets, List<String> labelCols, List<DataType> labelTypes,
                        Map<String, Object> json, Normalizer normalizer) {

        /** The normalization mode. */
        public Normalize normalize() {
            return normalizer.mode();
        }
    }

    private ModelStore() {
    }

    /** Everything a model records besides the coefficients. */
    public record Info(NetworkSpec spec, KernelKind kind, int blockSize, String trainPath, String featuresCol,
                       String idCol, long n, int d, List<Object> ids, DataType idType, Targets targets,
                       List<String> labelCols, List<DataType> labelTypes, org.sparkntk.solve.Ridge ridge, String kernelSource,
                       Normalizer normalizer) {
    }

    /** Writes the model (coefficients first, model.json last). */
    public static void write(SparkSession spark, String dir, Info info, Fitter.Fit fit) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        int n = fit.n();
        int k = fit.k();
        StructType schema = new StructType().add("row", DataTypes.LongType, false).add("id", info.idType(), true)
                .add("alpha", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double[] a = new double[k];
            System.arraycopy(fit.alpha(), i * k, a, 0, k);
            rows.add(RowFactory.create((long) i, info.ids().get(i), a));
        }
        Path coef = new Path(dir, COEFFICIENTS);
        Path tmp = new Path(dir, "_coefficients.tmp");
        FileSystem fs = coef.getFileSystem(conf);
        fs.delete(tmp, true);
        Outputs.writeRows(spark, tmp, schema, rows, Math.max(1, Math.min(8, n / 100_000 + 1)));
        fs.delete(coef, true);
        if (!fs.rename(tmp, coef)) {
            throw new IOException("could not rename " + tmp + " to " + coef);
        }
        Outputs.writeJson(conf, new Path(dir, MODEL_JSON), manifest(info, fit));
    }

    /** model.json of a model (the caller adds what its solver needs and writes it last). */
    static Map<String, Object> manifest(Info info, Fitter.Fit fit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "spark-ntk-model");
        m.put("format_version", 1);
        m.put("kernel", kernelMap(info.spec(), info.kind(), info.blockSize()));
        m.put("kernel_source", info.kernelSource());
        Map<String, Object> tr = new LinkedHashMap<>();
        tr.put("path", info.trainPath());
        tr.put("features_col", info.featuresCol());
        tr.put("id_col", info.idCol());
        tr.put("n", info.n());
        tr.put("d", info.d());
        tr.put("normalize", info.normalizer().mode().label());
        if (info.normalizer().mode() == Normalize.STANDARDIZE) {
            // the training set's column statistics, applied to the training and test rows at predict time
            tr.put("standardize", Map.of("mean", info.normalizer().mean(), "inv_std", info.normalizer().invStd()));
        }
        m.put("train", tr);
        m.put("task", info.targets().task().toString());
        m.put("label_cols", info.labelCols());
        List<String> types = new ArrayList<>();
        for (DataType t : info.labelTypes()) {
            types.add(t.simpleString());
        }
        m.put("label_types", types);
        if (info.targets().task() == Targets.Task.CLASSIFICATION) {
            m.put("classes", info.targets().classes());
            m.put("encoding", "centred one-hot: 1 - 1/C for the class, -1/C otherwise; prediction = argmax of scores");
        }
        m.put("ridge", Map.of("value", info.ridge().value(), "scale", info.ridge().scale().toString(), "lambda", fit.lambda()));
        m.putAll(RegressJob.solverMap(fit));
        m.put("spark_ntk_version", org.sparkntk.spec.BuildInfo.version());
        return m;
    }

    /**
     * Writes a Nystrom model: MODEL/centers/ (Parquet: row BIGINT, the centre's training row; id;
     * features ARRAY&lt;DOUBLE&gt; as the kernel saw them, after --normalize; beta ARRAY&lt;DOUBLE&gt;)
     * and model.json last, with format_version 2 and a "centers" section holding M, the selection,
     * the seed and the SHA-256 fingerprint of the centres and beta ({@link Centers#fingerprint}).
     */
    public static void writeNystrom(SparkSession spark, String dir, Info info, Fitter.Fit fit, Centers c) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        int m = c.m();
        int k = fit.k();
        int d = c.d();
        StructType schema = new StructType().add("row", DataTypes.LongType, false).add("id", info.idType(), true)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
                .add("beta", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
        List<Row> rows = new ArrayList<>(m);
        long[] rowNumbers = new long[m];
        for (int i = 0; i < m; i++) {
            rowNumbers[i] = c.rows()[i];
            rows.add(RowFactory.create((long) c.rows()[i], c.ids().get(i), java.util.Arrays.copyOfRange(c.x(), i * d, (i + 1) * d),
                    java.util.Arrays.copyOfRange(fit.alpha(), i * k, (i + 1) * k)));
        }
        Path cdir = new Path(dir, CENTERS);
        Path tmp = new Path(dir, "_centers.tmp");
        FileSystem fs = cdir.getFileSystem(conf);
        fs.delete(tmp, true);
        Outputs.writeRows(spark, tmp, schema, rows, 1);
        fs.delete(cdir, true);
        if (!fs.rename(tmp, cdir)) {
            throw new IOException("could not rename " + tmp + " to " + cdir);
        }
        Map<String, Object> man = manifest(info, fit);
        man.put("format_version", 2);
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("path", CENTERS);
        cm.put("m", m);
        cm.put("selection", c.selection().toString());
        cm.put("seed", c.seed());
        cm.put("fingerprint", Centers.fingerprint(rowNumbers, c.ids(), c.x(), fit.alpha()));
        man.put("centers", cm);
        Outputs.writeJson(conf, new Path(dir, MODEL_JSON), man);
    }

    /** The centres and beta (row-major M x k) of a Nystrom model, refused when missing or changed since the model was made. */
    @SuppressWarnings("unchecked")
    public static Map.Entry<Centers, double[]> centers(SparkSession spark, String dir, Model model) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Map<String, Object> cm = (Map<String, Object>) model.json().get("centers");
        if (cm == null) {
            throw new UserError("'" + dir + "/" + MODEL_JSON + "' says solver nystrom but has no centers section");
        }
        Path cdir = new Path(dir, (String) cm.get("path"));
        if (!cdir.getFileSystem(conf).exists(cdir)) {
            throw new UserError("the model's centres '" + cdir + "' are missing; the model is incomplete (run regress again)");
        }
        int m = ((Number) cm.get("m")).intValue();
        int k = model.targets().width();
        List<Row> rows = spark.read().parquet(cdir.toString()).select("row", "id", "features", "beta").orderBy("row").collectAsList();
        if (rows.size() != m) {
            throw new UserError("the model's centres '" + cdir + "' hold " + rows.size() + " rows but model.json says M = " + m
                    + "; the centres changed since the model was made");
        }
        int d = model.d();
        long[] rn = new long[m];
        int[] ri = new int[m];
        List<Object> ids = new ArrayList<>(m);
        double[] x = new double[m * d];
        double[] beta = new double[m * k];
        for (int i = 0; i < m; i++) {
            Row r = rows.get(i);
            rn[i] = r.getLong(0);
            ri[i] = (int) rn[i];
            ids.add(r.get(1));
            List<Double> f = r.getList(2);
            List<Double> b = r.getList(3);
            if (f.size() != d || b.size() != k) {
                throw new UserError("the model's centre at row " + rn[i] + " has " + f.size() + " features and " + b.size()
                        + " coefficients, the model expects " + d + " and " + k + "; the centres changed since the model was made");
            }
            for (int j = 0; j < d; j++) {
                x[i * d + j] = f.get(j);
            }
            for (int j = 0; j < k; j++) {
                beta[i * k + j] = b.get(j);
            }
        }
        String fp = Centers.fingerprint(rn, ids, x, beta);
        if (!fp.equals(cm.get("fingerprint"))) {
            throw new UserError("the model's centres '" + cdir + "' do not match model.json (fingerprint " + fp + ", recorded "
                    + cm.get("fingerprint") + "); the centres changed since the model was made");
        }
        Centers.Selection sel = Centers.Selection.parse((String) cm.get("selection"));
        return Map.entry(new Centers(ri, x, d, ids, sel, ((Number) cm.get("seed")).longValue()), beta);
    }


    /** The kernel part of model.json and metrics.json. */
    static Map<String, Object> kernelMap(NetworkSpec spec, KernelKind kind, int blockSize) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("kernel", kind.label());
        k.put("activation", spec.activation().name());
        k.put("depth", spec.depth());
        k.put("weight_std", spec.weightStd());
        k.put("bias_std", spec.biasStd());
        k.put("block_size", blockSize);
        return k;
    }

    /** Reads model.json, refusing an incomplete model. */
    @SuppressWarnings("unchecked")
    public static Model read(Configuration conf, String dir) throws IOException {
        Path mj = new Path(dir, MODEL_JSON);
        if (!mj.getFileSystem(conf).exists(mj)) {
            throw new UserError("'" + dir + "' is not a complete model: " + MODEL_JSON + " is missing");
        }
        Map<String, Object> m = Outputs.readJson(conf, mj);
        if (!"spark-ntk-model".equals(m.get("format"))) {
            throw new UserError("'" + dir + "/" + MODEL_JSON + "' is not a spark-ntk model");
        }
        Map<String, Object> k = (Map<String, Object>) m.get("kernel");
        NetworkSpec spec = new NetworkSpec(((Number) k.get("depth")).intValue(),
                org.sparkntk.kernel.Activations.parse((String) k.get("activation")),
                ((Number) k.get("weight_std")).doubleValue(), ((Number) k.get("bias_std")).doubleValue());
        Map<String, Object> tr = (Map<String, Object>) m.get("train");
        List<String> labelCols = (List<String>) m.get("label_cols");
        List<DataType> types = new ArrayList<>();
        for (String t : (List<String>) m.get("label_types")) {
            types.add(DataType.fromDDL(t));
        }
        Targets targets;
        if ("classification".equals(m.get("task"))) {
            List<Object> classes = new ArrayList<>();
            for (Object c : (List<Object>) m.get("classes")) {
                classes.add(c instanceof Number num ? (Object) num.longValue() : c);
            }
            targets = Targets.ofClasses(classes);
        } else {
            targets = Targets.regression(labelCols);
        }
        return new Model(spec, KernelKind.parse("kernel", (String) k.get("kernel")), (String) tr.get("path"),
                (String) tr.get("features_col"), (String) tr.get("id_col"), ((Number) tr.get("n")).longValue(),
                ((Number) tr.get("d")).intValue(), ((Number) k.get("block_size")).intValue(), targets, labelCols, types, m,
                normalizer(dir, tr));
    }

    /** The normalizer model.json records (standardize with its column statistics). */
    @SuppressWarnings("unchecked")
    static Normalizer normalizer(String dir, Map<String, Object> tr) {
        Normalize mode = Normalize.parse(tr.get("normalize") == null ? "none" : (String) tr.get("normalize"));
        return switch (mode) {
            case NONE -> Normalizer.none();
            case L2 -> Normalizer.l2();
            case STANDARDIZE -> {
                Map<String, Object> st = (Map<String, Object>) tr.get("standardize");
                if (st == null || st.get("mean") == null || st.get("inv_std") == null) {
                    throw new UserError("'" + dir + "/" + MODEL_JSON + "' says normalize standardize but has no column"
                            + " statistics (train.standardize.mean / inv_std)");
                }
                yield new Normalizer(Normalize.STANDARDIZE, doubles((List<Object>) st.get("mean")),
                        doubles((List<Object>) st.get("inv_std")));
            }
        };
    }

    private static double[] doubles(List<Object> l) {
        double[] v = new double[l.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) l.get(i)).doubleValue();
        }
        return v;
    }

    /** The coefficients (row-major N x k) in the row order of {@code train}, matched by id. */
    public static double[] coefficients(SparkSession spark, String dir, LabeledData train, int k) {
        List<Row> rows = spark.read().parquet(new Path(dir, COEFFICIENTS).toString()).select("id", "alpha").collectAsList();
        Map<Object, double[]> byId = new HashMap<>(rows.size() * 2);
        for (Row r : rows) {
            List<Double> a = r.getList(1);
            double[] v = new double[a.size()];
            for (int c = 0; c < v.length; c++) {
                v[c] = a.get(c);
            }
            byId.put(r.get(0), v);
        }
        if (byId.size() != train.n()) {
            throw new UserError("the model has coefficients for " + byId.size() + " training rows but its training input '"
                    + train.path() + "' now has " + train.n() + " rows; the training input changed since the model was made");
        }
        double[] alpha = new double[(int) train.n() * k];
        for (int i = 0; i < train.n(); i++) {
            double[] v = byId.get(train.ids().get(i));
            if (v == null || v.length != k) {
                throw new UserError("training row with id " + train.ids().get(i) + " of '" + train.path()
                        + "' has no coefficients in the model; the training input changed since the model was made");
            }
            System.arraycopy(v, 0, alpha, i * k, k);
        }
        return alpha;
    }
}
