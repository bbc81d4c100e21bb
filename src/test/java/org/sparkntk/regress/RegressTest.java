package org.sparkntk.regress;

import org.sparkntk.truth.Specs;

import org.sparkntk.tile.Rows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkntk.cli.Main;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.solve.DenseSymmetric;
import org.sparkntk.tile.Tiles;

/** regress end to end on Spark local mode, against dense computations done here. */
class RegressTest {

    static SparkSession spark;
    /** Stop only a session this class started (other test classes may share theirs). */
    static boolean ownSession;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        ownSession = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        spark = SparkSession.builder().master("local[2]").appName("regress-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        dir = Files.createTempDirectory("regress");
    }

    @AfterAll
    static void stop() {
        if (ownSession) {
            spark.stop();
        }
    }

    /** Gaussian mixture: classes 0..c-1 (label INT), two regression targets y1, y2, ids 1000 + i. */
    static double[][] writeSet(String path, int n, int d, int classes, long seed, boolean labels) {
        return writeSet(path, n, d, classes, seed, labels, d);
    }

    /** As above, keeping only the first {@code keep} features. */
    static double[][] writeSet(String path, int n, int d, int classes, long seed, boolean labels, int keep) {
        Random r = new Random(seed);
        Random centers = new Random(99);
        double[][] mu = new double[classes][d];
        for (double[] m : mu) {
            for (int j = 0; j < d; j++) {
                m[j] = 1.5 * centers.nextGaussian();
            }
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("features",
                DataTypes.createArrayType(DataTypes.DoubleType));
        if (labels) {
            schema = schema.add("label", DataTypes.IntegerType).add("y1", DataTypes.DoubleType).add("y2", DataTypes.DoubleType);
        }
        List<Row> rows = new ArrayList<>();
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(classes);
            List<Double> f = new ArrayList<>();
            for (int j = 0; j < d; j++) {
                x[i][j] = mu[c][j] + r.nextGaussian();
                if (j < keep) {
                    f.add(x[i][j]);
                }
            }
            double y1 = Math.sin(x[i][0]) + 0.5 * x[i][1];
            double y2 = x[i][2] * x[i][3];
            rows.add(labels ? RowFactory.create(1000L + i, f, c, y1, y2) : RowFactory.create(1000L + i, f));
        }
        spark.createDataFrame(rows, schema).repartition(3).write().parquet(path);
        return x;
    }

    static Map<?, ?> metrics(String out) throws Exception {
        return new ObjectMapper().readValue(Path.of(out, "metrics.json").toFile(), Map.class);
    }

    static Map<Long, double[]> scores(String out) {
        Map<Long, double[]> m = new java.util.HashMap<>();
        for (Row r : spark.read().parquet(out + "/predictions").collectAsList()) {
            Object s = r.get(r.fieldIndex(r.schema().fieldNames()[r.schema().fieldNames().length - 1]));
            double[] v;
            if (s instanceof Double dv) {
                v = new double[] {dv};
            } else {
                List<Double> l = r.getList(r.schema().fieldIndex(r.schema().fieldNames()[r.schema().fieldNames().length - 1]));
                v = l.stream().mapToDouble(Double::doubleValue).toArray();
            }
            m.put(r.getLong(0), v);
        }
        return m;
    }

    static void assertSameScores(Map<Long, double[]> a, Map<Long, double[]> b, double rel) {
        assertEquals(a.keySet(), b.keySet());
        double scale = 0;
        for (double[] v : a.values()) {
            for (double x : v) {
                scale = Math.max(scale, Math.abs(x));
            }
        }
        for (Map.Entry<Long, double[]> e : a.entrySet()) {
            double[] w = b.get(e.getKey());
            for (int c = 0; c < w.length; c++) {
                assertEquals(e.getValue()[c], w[c], rel * scale, "id " + e.getKey() + " output " + c);
            }
        }
    }

    @Test
    void pcgAndCholeskyAgreeOnClassification() throws Exception {
        String train = dir.resolve("cls-train").toString();
        String test = dir.resolve("cls-test").toString();
        writeSet(train, 2000, 10, 3, 1, true);
        writeSet(test, 300, 10, 3, 2, true);
        String[] common = {"regress", "--train", train, "--test", test, "--label-col", "label", "--depth", "3", "--bias-std", "0.1",
                "--block-size", "300", "--ridge", "1e-3", "--ridge-scale", "trace"};
        String outC = dir.resolve("cls-chol").toString();
        assertEquals(0, Main.run(concat(common, "--output", outC, "--solver", "cholesky")));
        String outP = dir.resolve("cls-pcg").toString();
        assertEquals(0, Main.run(concat(common, "--output", outP, "--solver", "pcg", "--tol", "1e-9",
                "--preconditioner", "nystrom:200")));
        Map<?, ?> mc = metrics(outC);
        Map<?, ?> mp = metrics(outP);
        assertEquals("classification", mc.get("task"));
        assertEquals("cholesky", mc.get("solver"));
        assertEquals("pcg", mp.get("solver"));
        assertEquals("rpcholesky:200", mp.get("preconditioner"));
        assertEquals(List.of(true, true, true), mp.get("converged"));
        assertTrue((Double) mc.get("accuracy") > 0.9, "accuracy " + mc.get("accuracy"));
        assertEquals(mc.get("accuracy"), mp.get("accuracy"));
        assertSameScores(scores(outC), scores(outP), 1e-6);
        List<String> cols = List.of(spark.read().parquet(outC + "/predictions").columns());
        assertEquals(List.of("id", "label", "prediction", "scores"), cols);
    }

    @Test
    void multiOutputRegressionMatchesADenseSolveWrittenHere() throws Exception {
        String train = dir.resolve("reg-train").toString();
        String test = dir.resolve("reg-test").toString();
        double[][] xt = writeSet(train, 240, 5, 2, 3, true);
        double[][] xs = writeSet(test, 50, 5, 2, 4, true);
        String out = dir.resolve("reg-out").toString();
        assertEquals(0, Main.run("regress", "--train", train, "--test", test, "--label-col", "y1,y2", "--output", out,
                "--id-col", "id", "--kernel", "nngp", "--depth", "2", "--block-size", "64", "--ridge", "0.01"));
        Map<?, ?> m = metrics(out);
        assertEquals("regression", m.get("task"));
        assertEquals(List.of("y1", "y2"), m.get("outputs"));
        assertEquals("cholesky", m.get("solver"), "auto picks the dense solve for a small N");
        assertTrue(((String) m.get("solver_reason")).startsWith("auto: dense K (N = 240) needs 0.00 GB"), (String) m.get("solver_reason"));
        assertTrue(((List<?>) m.get("r2")).size() == 2);
        // dense reference: the training rows in input order are read back to align ids
        List<Row> tr = spark.read().parquet(train).collectAsList();
        int n = tr.size();
        int d = 5;
        double[] x = new double[n * d];
        double[] y = new double[n * 2];
        for (int i = 0; i < n; i++) {
            List<Double> f = tr.get(i).getList(1);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = f.get(j);
            }
            y[i * 2] = tr.get(i).getDouble(3);
            y[i * 2 + 1] = tr.get(i).getDouble(4);
        }
        NetworkSpec spec = new NetworkSpec(2, Activations.parse("relu"), 1.0, 0.0);
        double[] k = new double[n * n];
        Tiles.compute(Specs.of(spec, new int[] {2}, null, new double[][] {k}), new Rows(x, n, d),
                new Rows(x, n, d), true, null, new double[][] {k});
        for (int i = 0; i < n; i++) {
            k[i * n + i] += 0.01;
        }
        double[] alpha = org.sparkntk.solve.SolversTest.gauss(k, n, y, 2);
        List<Row> te = spark.read().parquet(test).collectAsList();
        Map<Long, double[]> want = new java.util.HashMap<>();
        for (Row r : te) {
            List<Double> f = r.getList(1);
            double[] xi = f.stream().mapToDouble(Double::doubleValue).toArray();
            double[] kx = new double[n];
            Tiles.compute(Specs.of(spec, new int[] {2}, null, new double[][] {kx}), new Rows(xi, 1, d),
                    new Rows(x, n, d), false, null, new double[][] {kx});
            double[] p = new double[2];
            for (int j = 0; j < n; j++) {
                p[0] += kx[j] * alpha[j * 2];
                p[1] += kx[j] * alpha[j * 2 + 1];
            }
            want.put(r.getLong(0), p);
        }
        assertSameScores(want, scores(out), 1e-8);

        // matrix-free PCG (tiles recomputed on every pass) with a preconditioner: the same predictions
        String outMf = dir.resolve("reg-mf").toString();
        assertEquals(0, Main.run("regress", "--train", train, "--test", test, "--label-col", "y1,y2", "--output", outMf,
                "--id-col", "id", "--kernel", "nngp", "--depth", "2", "--block-size", "64", "--ridge", "0.01",
                "--solver", "pcg", "--matrix-free", "--preconditioner", "nystrom:60", "--tol", "1e-10"));
        Map<?, ?> mf = metrics(outMf);
        assertEquals(Boolean.TRUE, ((Map<?, ?>) mf.get("kernel")).get("matrix_free"));
        assertEquals(List.of(true, true), mf.get("converged"));
        assertSameScores(scores(out), scores(outMf), 1e-7);

        // the saved model predicts the same through 'ntk predict'
        String out2 = dir.resolve("reg-predict").toString();
        assertEquals(0, Main.run("predict", "--model", out + "/model", "--test", test, "--output", out2));
        assertSameScores(scores(out), scores(out2), 1e-12);
        assertEquals(m.get("r2"), metrics(out2).get("r2"));
        assertEquals(List.of("id", "y1", "y2", "prediction"), List.of(spark.read().parquet(out2 + "/predictions").columns()));
        Object[] again = runCapture("predict", "--model", out + "/model", "--test", test, "--output", out2);
        assertEquals(2, again[0]);
        assertTrue(((String) again[1]).contains("already holds a result (metrics.json); pass --overwrite"), (String) again[1]);
        Object[] noModel = runCapture("predict", "--model", dir.resolve("nothing").toString(), "--test", test, "--output",
                dir.resolve("reg-predict2").toString());
        assertEquals(2, noModel[0]);
        assertTrue(((String) noModel[1]).contains("is not a complete model: model.json is missing"), (String) noModel[1]);
    }

    @Test
    void solveAndPredictFromAGramOutputEqualRegress() throws Exception {
        String train = dir.resolve("gram-train").toString();
        String test = dir.resolve("gram-test").toString();
        writeSet(train, 500, 8, 3, 11, true);
        writeSet(test, 100, 8, 3, 12, true);
        String[] net = {"--depth", "3", "--bias-std", "0.1"};
        String[] ridge = {"--ridge", "1e-3", "--ridge-scale", "trace"};
        String reg = dir.resolve("gram-regress").toString();
        assertEquals(0, Main.run(concat(concat(concat(new String[] {"regress", "--train", train, "--test", test,
                "--label-col", "label", "--id-col", "id", "--output", reg, "--block-size", "128"}, net), ridge))));
        String kdir = dir.resolve("gram-kernel").toString();
        assertEquals(0, Main.run(concat(new String[] {"gram", "--input", train, "--id-col", "id", "--output", kdir,
                "--kernels", "ntk", "--block-size", "96"}, net)));
        String model = dir.resolve("gram-model").toString();
        assertEquals(0, Main.run(concat(new String[] {"solve", "--kernel", kdir, "--labels", train, "--label-col", "label",
                "--output", model, "--activation", "relu", "--bias-std", "0.1"}, ridge)));
        String pred = dir.resolve("gram-predict").toString();
        assertEquals(0, Main.run("predict", "--model", model, "--test", test, "--output", pred));
        assertSameScores(scores(reg), scores(pred), 1e-9);
        assertEquals(metrics(reg).get("accuracy"), metrics(pred).get("accuracy"));
        Map<?, ?> mj = new ObjectMapper().readValue(Path.of(model, "model.json").toFile(), Map.class);
        assertEquals("precomputed Gram '" + kdir + "'", mj.get("kernel_source"));

        // a kernel made with other options than asked, or incomplete: exit 2, no model
        String bad = dir.resolve("gram-model-bad").toString();
        Object[] r = runCapture("solve", "--kernel", kdir, "--labels", train, "--label-col", "label", "--output", bad,
                "--activation", "erf", "--bias-std", "0.2");
        assertEquals(2, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("'" + kdir + "' was made with other options than asked: activation relu (asked erf),"
                + " bias-std 0.1 (asked 0.2)"), (String) r[1]);
        assertFalse(Files.exists(Path.of(bad, "model.json")));
        r = runCapture("solve", "--kernel", kdir, "--labels", train, "--label-col", "label", "--output", bad, "--depth", "5");
        assertEquals(2, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("has no kernel 'ntk' at depth 5"), (String) r[1]);
        Files.delete(Path.of(kdir, "kernel.json"));
        r = runCapture("solve", "--kernel", kdir, "--labels", train, "--label-col", "label", "--output", bad);
        assertEquals(2, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("is not a complete kernel: kernel.json is missing"), (String) r[1]);
        assertFalse(Files.exists(Path.of(bad, "model.json")));
    }

    /** A copy of a written set with every feature row divided by its Euclidean norm (computed here). */
    static String normalizedCopy(String path, String to) {
        List<Row> out = new ArrayList<>();
        Dataset<Row> df = spark.read().parquet(path);
        for (Row r : df.collectAsList()) {
            List<Double> f = r.getList(1);
            double ss = 0;
            for (double v : f) {
                ss += v * v;
            }
            double norm = Math.sqrt(ss);
            Object[] vals = new Object[r.size()];
            for (int c = 0; c < r.size(); c++) {
                vals[c] = r.get(c);
            }
            vals[1] = f.stream().map(v -> v / norm).toList();
            out.add(RowFactory.create(vals));
        }
        spark.createDataFrame(out, df.schema()).coalesce(2).write().parquet(to);
        return to;
    }

    /** Copies of TRAIN and TEST standardized with TRAIN's column means and population standard deviations, computed here. */
    static String[] standardizedCopies(String train, String test, String toTrain, String toTest) {
        List<Row> rows = spark.read().parquet(train).collectAsList();
        int d = rows.get(0).getList(1).size();
        double[] mean = new double[d];
        for (Row r : rows) {
            List<Double> f = r.getList(1);
            for (int k = 0; k < d; k++) {
                mean[k] += f.get(k) / rows.size();
            }
        }
        double[] sd = new double[d];
        for (Row r : rows) {
            List<Double> f = r.getList(1);
            for (int k = 0; k < d; k++) {
                sd[k] += (f.get(k) - mean[k]) * (f.get(k) - mean[k]) / rows.size();
            }
        }
        for (int k = 0; k < d; k++) {
            sd[k] = Math.sqrt(sd[k]);
        }
        String[] src = {train, test};
        String[] dst = {toTrain, toTest};
        for (int s = 0; s < 2; s++) {
            Dataset<Row> df = spark.read().parquet(src[s]);
            List<Row> out = new ArrayList<>();
            for (Row r : df.collectAsList()) {
                List<Double> f = r.getList(1);
                Object[] vals = new Object[r.size()];
                for (int c = 0; c < r.size(); c++) {
                    vals[c] = r.get(c);
                }
                List<Double> z = new ArrayList<>();
                for (int k = 0; k < d; k++) {
                    z.add((f.get(k) - mean[k]) / sd[k]);
                }
                vals[1] = z;
                out.add(RowFactory.create(vals));
            }
            spark.createDataFrame(out, df.schema()).coalesce(2).write().parquet(dst[s]);
        }
        return dst;
    }

    /**
     * --normalize standardize: regress equals regress on rows the test standardized itself with the
     * training set's statistics, and predict from its model (which keeps the statistics) equals both.
     */
    @Test
    void standardizeKeepsTheTrainingStatisticsForTestAndPredict() throws Exception {
        String train = dir.resolve("std-train").toString();
        String test = dir.resolve("std-test").toString();
        writeSet(train, 300, 6, 3, 31, true);
        writeSet(test, 60, 6, 3, 32, true);
        String[] z = standardizedCopies(train, test, dir.resolve("std-train-z").toString(), dir.resolve("std-test-z").toString());
        String[] net = {"--depth", "3", "--bias-std", "0.1", "--ridge", "1e-3", "--ridge-scale", "trace", "--block-size", "128"};
        String reg = dir.resolve("std-regress").toString();
        assertEquals(0, Main.run(concat(new String[] {"regress", "--train", train, "--test", test, "--label-col", "label",
                "--id-col", "id", "--output", reg, "--normalize", "standardize"}, net)));
        String pre = dir.resolve("std-prestandardized").toString();
        assertEquals(0, Main.run(concat(new String[] {"regress", "--train", z[0], "--test", z[1], "--label-col", "label",
                "--id-col", "id", "--output", pre}, net)));
        assertSameScores(scores(pre), scores(reg), 1e-9);
        Map<?, ?> rm = new ObjectMapper().readValue(Path.of(reg, "model", "model.json").toFile(), Map.class);
        assertEquals("standardize", ((Map<?, ?>) rm.get("train")).get("normalize"));
        String pred = dir.resolve("std-predict").toString();
        assertEquals(0, Main.run("predict", "--model", Path.of(reg, "model").toString(), "--test", test, "--output", pred));
        assertSameScores(scores(pre), scores(pred), 1e-9);
    }

    /**
     * --normalize l2: regress on raw rows equals regress on rows normalized by the test itself; a
     * Gram made with --normalize l2, solved and applied by predict to the raw test rows, equals both
     * (the model records the normalization); solve refuses a Gram of standardized rows (its column
     * statistics are not kept with the kernel).
     */
    @Test
    void l2NormalizationThroughRegressSolveAndPredict() throws Exception {
        String train = dir.resolve("l2-train").toString();
        String test = dir.resolve("l2-test").toString();
        writeSet(train, 400, 8, 3, 21, true);
        writeSet(test, 80, 8, 3, 22, true);
        String trainN = normalizedCopy(train, dir.resolve("l2-train-n").toString());
        String testN = normalizedCopy(test, dir.resolve("l2-test-n").toString());
        String[] net = {"--depth", "3", "--bias-std", "0.1", "--ridge", "1e-3", "--ridge-scale", "trace"};
        String reg = dir.resolve("l2-regress").toString();
        assertEquals(0, Main.run(concat(new String[] {"regress", "--train", train, "--test", test, "--label-col", "label",
                "--id-col", "id", "--output", reg, "--normalize", "l2", "--block-size", "128"}, net)));
        String pre = dir.resolve("l2-prenormalized").toString();
        assertEquals(0, Main.run(concat(new String[] {"regress", "--train", trainN, "--test", testN, "--label-col", "label",
                "--id-col", "id", "--output", pre, "--block-size", "128"}, net)));
        assertSameScores(scores(pre), scores(reg), 1e-9);
        assertEquals(metrics(pre).get("accuracy"), metrics(reg).get("accuracy"));
        Map<?, ?> rm = new ObjectMapper().readValue(Path.of(reg, "model", "model.json").toFile(), Map.class);
        assertEquals("l2", ((Map<?, ?>) rm.get("train")).get("normalize"));

        String kdir = dir.resolve("l2-kernel").toString();
        assertEquals(0, Main.run("gram", "--input", train, "--id-col", "id", "--output", kdir, "--kernels", "ntk",
                "--depth", "3", "--bias-std", "0.1", "--normalize", "l2", "--block-size", "96"));
        String model = dir.resolve("l2-model").toString();
        assertEquals(0, Main.run("solve", "--kernel", kdir, "--labels", train, "--label-col", "label", "--output", model,
                "--ridge", "1e-3", "--ridge-scale", "trace"));
        String pred = dir.resolve("l2-predict").toString();
        assertEquals(0, Main.run("predict", "--model", model, "--test", test, "--output", pred));
        assertSameScores(scores(pre), scores(pred), 1e-9);
        Map<?, ?> mj = new ObjectMapper().readValue(Path.of(model, "model.json").toFile(), Map.class);
        assertEquals("l2", ((Map<?, ?>) mj.get("train")).get("normalize"));

        String sdir = dir.resolve("std-kernel").toString();
        assertEquals(0, Main.run("gram", "--input", train, "--id-col", "id", "--output", sdir, "--kernels", "ntk",
                "--depth", "3", "--normalize", "standardize"));
        String bad = dir.resolve("std-model").toString();
        Object[] r = runCapture("solve", "--kernel", sdir, "--labels", train, "--label-col", "label", "--output", bad);
        assertEquals(2, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("was made with --normalize standardize; solve supports kernels of --normalize none or l2"),
                (String) r[1]);
        assertFalse(Files.exists(Path.of(bad, "model.json")));
    }

    @Test
    void tileOperatorMatchesTheDenseProduct() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int n = 230;
        int b = 64;
        Random r = new Random(5);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i * n + j] = a[j * n + i] = r.nextGaussian();
            }
        }
        List<TileBlock> tiles = new ArrayList<>();
        int nb = (n + b - 1) / b;
        for (int bi = 0; bi < nb; bi++) {
            for (int bj = bi; bj < nb; bj++) {
                int m = Math.min(b, n - bi * b);
                int c = Math.min(b, n - bj * b);
                double[] v = new double[m * c];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < c; j++) {
                        v[i * c + j] = a[(bi * b + i) * n + bj * b + j];
                    }
                }
                tiles.add(new TileBlock(bi, bj, (long) bi * b, (long) bj * b, m, c, v));
            }
        }
        JavaRDD<TileBlock> rdd = jsc.parallelize(tiles, 3);
        TileOperator op = new TileOperator(jsc, rdd, n, b, "test");
        DenseSymmetric dense = new DenseSymmetric(a, n);
        int k = 3;
        double[] x = new double[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        double[] got = new double[n * k];
        double[] want = new double[n * k];
        dense.apply(x, k, want);
        op.apply(x, k, got); // dense per-partition sums, reduced on the driver
        for (int i = 0; i < got.length; i++) {
            assertEquals(want[i], got[i], 1e-12);
        }
        long limit = TileOperator.denseReduceLimitBytes;
        TileOperator.denseReduceLimitBytes = 0; // per-block reduceByKey
        try {
            java.util.Arrays.fill(got, 0);
            op.apply(x, k, got);
        } finally {
            TileOperator.denseReduceLimitBytes = limit;
        }
        for (int i = 0; i < got.length; i++) {
            assertEquals(want[i], got[i], 1e-12);
        }
        int[] cols = {0, 63, 64, 229, 100};
        double[] cg = op.columns(cols);
        double[] cw = dense.columns(cols);
        for (int i = 0; i < cg.length; i++) {
            assertEquals(cw[i], cg[i], 0.0);
        }
        double[] dg = op.diagonal();
        for (int i = 0; i < n; i++) {
            assertEquals(a[i * n + i], dg[i], 0.0);
        }
    }

    /**
     * The read path: rows numbered in input order (files by path, rows in file), ids, labels and
     * feature blocks at a block size that cuts across the files, against the files read one by one
     * here; standardize's statistics against sums done here; bad rows named.
     */
    @Test
    void labeledDataNumbersRowsAndCutsBlocksAsTheFilesHoldThem() throws Exception {
        String path = dir.resolve("ld-train").toString();
        writeSet(path, 53, 5, 3, 21, true);
        List<Long> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        try (var files = Files.list(Path.of(path))) {
            for (Path f : files.filter(q -> q.toString().endsWith(".parquet")).sorted().toList()) {
                for (Row r : spark.read().parquet(f.toString()).collectAsList()) {
                    ids.add(r.getLong(0));
                    labels.add(r.getInt(2));
                    rows.add(r.<Double>getList(1).stream().mapToDouble(Double::doubleValue).toArray());
                }
            }
        }
        for (int b : new int[] {7, 64}) {
            LabeledData ld = LabeledData.load(spark, path, "--train", "features", "id", List.of("label"), true, b,
                    org.sparkntk.options.Normalize.NONE);
            try {
                assertEquals(53, ld.n());
                assertEquals(5, ld.d());
                assertEquals(ids, ld.ids());
                for (int i = 0; i < 53; i++) {
                    assertEquals(labels.get(i), ld.labels().get(i)[0], "label of row " + i);
                }
                List<FeatureBlock> blocks = new ArrayList<>(ld.blocks().collect());
                assertEquals((53 + b - 1) / b, blocks.size());
                for (FeatureBlock fb : blocks) {
                    assertEquals((long) fb.index() * b, fb.start());
                    assertEquals(Math.min(b, 53 - fb.start()), fb.rows());
                    for (int i = 0; i < fb.rows(); i++) {
                        double[] want = rows.get((int) fb.start() + i);
                        assertTrue(java.util.Arrays.equals(want, java.util.Arrays.copyOfRange(fb.x(), i * 5, i * 5 + 5)),
                                "row " + (fb.start() + i));
                    }
                }
            } finally {
                ld.release();
            }
        }
        LabeledData st = LabeledData.load(spark, path, "--train", "features", "id", List.of("label"), true, 7,
                org.sparkntk.options.Normalize.STANDARDIZE);
        try {
            for (int k = 0; k < 5; k++) {
                double mean = 0;
                for (double[] r : rows) {
                    mean += r[k];
                }
                mean /= 53;
                double ss = 0;
                for (double[] r : rows) {
                    ss += (r[k] - mean) * (r[k] - mean);
                }
                assertEquals(mean, st.normalizer().mean()[k], 1e-12);
                assertEquals(1 / Math.sqrt(ss / 53), st.normalizer().invStd()[k], 1e-9);
                FeatureBlock first = st.blocks().collect().stream().filter(f -> f.index() == 1).findFirst().orElseThrow();
                assertEquals((rows.get(7)[k] - mean) / Math.sqrt(ss / 53), first.x()[k], 1e-9);
            }
        } finally {
            st.release();
        }
        // bad rows: a NaN, a null element, a short row; named by id
        StructType schema = new StructType().add("id", DataTypes.LongType)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, true)).add("label", DataTypes.IntegerType);
        Object[][] cases = {
                {java.util.Arrays.asList(1.0, Double.NaN, 3.0), "row with id 4 has feature 1 = NaN; features must be finite"},
                {java.util.Arrays.asList(1.0, null, 3.0), "row with id 4 has a null feature at position 1"},
                {java.util.Arrays.asList(1.0, 2.0), "row 4 has 2 features but row 0 has 3; all feature vectors must have the same length"},
        };
        for (int c = 0; c < cases.length; c++) {
            List<Row> bad = new ArrayList<>();
            for (long i = 0; i < 6; i++) {
                bad.add(RowFactory.create(i, i == 4 ? cases[c][0] : List.of(1.0, 2.0, 3.0), 1));
            }
            String bp = dir.resolve("ld-bad-" + c).toString();
            spark.createDataFrame(bad, schema).coalesce(1).write().parquet(bp);
            org.sparkntk.spec.UserError e = org.junit.jupiter.api.Assertions.assertThrows(org.sparkntk.spec.UserError.class,
                    () -> LabeledData.load(spark, bp, "--train", "features", "id", List.of("label"), true, 4,
                            org.sparkntk.options.Normalize.NONE));
            assertEquals("--train '" + bp + "': " + cases[c][1], e.getMessage());
        }
    }

    /**
     * K on the driver from tiles spread over partitions equals the matrix the tiles came from, both
     * when the tasks copy in place (this JVM) and when they pack their tiles as raw bytes (a cluster).
     */
    @Test
    void denseAssemblyEqualsTheMatrixOfTheTiles() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int n = 203;
        int b = 48;
        Random r = new Random(17);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i * n + j] = a[j * n + i] = r.nextGaussian();
            }
        }
        List<TileBlock> tiles = new ArrayList<>();
        int nb = (n + b - 1) / b;
        for (int bi = 0; bi < nb; bi++) {
            for (int bj = bi; bj < nb; bj++) {
                int m = Math.min(b, n - bi * b);
                int c = Math.min(b, n - bj * b);
                double[] v = new double[m * c];
                for (int i = 0; i < m; i++) {
                    System.arraycopy(a, (bi * b + i) * n + bj * b, v, i * c, c);
                }
                tiles.add(new TileBlock(bi, bj, (long) bi * b, (long) bj * b, m, c, v));
            }
        }
        for (int parts : new int[] {1, 4, 15}) {
            for (boolean inProcess : new boolean[] {true, false}) {
                KernelTiles.Assembled got = KernelTiles.assemble(jsc, jsc.parallelize(tiles, parts), n, inProcess);
                String what = parts + " partitions, " + got.route();
                assertTrue(java.util.Arrays.equals(a, got.k()), what);
                // local[*]: the tasks run in this JVM, so they copy in place unless told to pack
                assertEquals(inProcess ? tiles.size() : 0, got.tilesInPlace(), what);
                assertEquals(inProcess ? 0 : tiles.size(), got.tilesPacked(), what);
            }
        }
        assertTrue(java.util.Arrays.equals(a, KernelTiles.assemble(jsc, jsc.parallelize(tiles, 3), n)));
        // views of one array per partition, overwritten by each next tile (as KernelTiles.tileViews makes them)
        int bb = b;
        JavaRDD<TileBlock> views = jsc.parallelize(tiles, 4).mapPartitions(it -> new SharedViews(it, bb * bb));
        for (boolean inProcess : new boolean[] {true, false}) {
            assertTrue(java.util.Arrays.equals(a, KernelTiles.assemble(jsc, views, n, inProcess).k()), "views, in place " + inProcess);
        }
        List<TileBlock> f32 = List.of(tiles.get(0).withPrecision(org.sparkntk.spec.Precision.FLOAT32));
        assertThrowsMessage("the dense solve assembles float64 tiles only", () -> KernelTiles.pack(f32));
    }

    /** Tiles as views of one array, each overwritten by the next: what {@link KernelTiles#tileViews} hands on. */
    private static final class SharedViews implements java.util.Iterator<TileBlock> {
        private final java.util.Iterator<TileBlock> it;
        private final double[] shared;

        SharedViews(java.util.Iterator<TileBlock> it, int size) {
            this.it = it;
            this.shared = new double[size];
        }

        @Override
        public boolean hasNext() {
            return it.hasNext();
        }

        @Override
        public TileBlock next() {
            TileBlock t = it.next();
            int size = t.numRows() * t.numCols();
            double[] v = size == shared.length ? shared : new double[size];
            for (int i = 0; i < t.numRows(); i++) {
                t.copyRow(i, v, i * t.numCols());
            }
            return TileBlock.view(t.blockRow(), t.blockCol(), t.rowStart(), t.colStart(), t.numRows(), t.numCols(), v);
        }
    }

    static void assertThrowsMessage(String message, org.junit.jupiter.api.function.Executable e) {
        assertEquals(message, org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e).getMessage());
    }

    /** Runs the CLI capturing stderr; returns {exit code, stderr}. */
    static Object[] runCapture(String... args) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(bos, true));
        try {
            int code = Main.run(args);
            return new Object[] {code, bos.toString()};
        } finally {
            System.setErr(old);
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] o = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }

    static void assertRefused(String out, String message, String... args) {
        Object[] r = runCapture(concat(args, "--output", out));
        assertEquals(2, r[0], "exit code; stderr: " + r[1]);
        assertTrue(((String) r[1]).contains(message), "stderr was: " + r[1]);
        assertFalse(Files.exists(Path.of(out, "metrics.json")), "nothing published");
        assertFalse(Files.exists(Path.of(out, "predictions")), "nothing published");
    }

    @Test
    void badInputsExitTwoAndPublishNothing() throws Exception {
        String train = dir.resolve("bad-train").toString();
        String test = dir.resolve("bad-test").toString();
        writeSet(train, 60, 4, 2, 5, true);
        writeSet(test, 10, 4, 2, 6, false);
        String test3 = dir.resolve("bad-test3").toString();
        writeSet(test3, 10, 4, 2, 6, false, 3);
        // labels: null, NaN, a single class
        StructType schema = new StructType().add("id", DataTypes.LongType)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.IntegerType).add("y", DataTypes.DoubleType);
        List<Row> nulls = new ArrayList<>();
        List<Row> single = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            List<Double> f = List.of(1.0 * i, 2.0, 3.0, 4.0);
            nulls.add(RowFactory.create((long) i, f, i == 7 ? null : i % 2, i == 9 ? Double.NaN : 1.0 * i));
            single.add(RowFactory.create((long) i, f, 3, 1.0));
        }
        String nullTrain = dir.resolve("bad-nulls").toString();
        spark.createDataFrame(nulls, schema).coalesce(1).write().parquet(nullTrain);
        String singleTrain = dir.resolve("bad-single").toString();
        spark.createDataFrame(single, schema).coalesce(1).write().parquet(singleTrain);

        String out = dir.resolve("bad-out").toString();
        assertRefused(out, "label column 'label' is null for training row with id 7",
                "regress", "--train", nullTrain, "--test", test, "--label-col", "label");
        assertRefused(out, "label column 'y' is NaN for training row with id 9; labels must be finite",
                "regress", "--train", nullTrain, "--test", test, "--label-col", "y");
        assertRefused(out, "label column 'label' has a single class (3); classification needs at least 2 classes",
                "regress", "--train", singleTrain, "--test", test, "--label-col", "label");
        assertRefused(out, "--train '" + train + "' has no label column 'lable'; columns: [id, features, label, y1, y2]",
                "regress", "--train", train, "--test", test, "--label-col", "lable");
        assertRefused(out, "--train has 4 features per row but --test has 3; both sets must have the same feature dimension",
                "regress", "--train", train, "--test", test3, "--label-col", "label");
        assertRefused(out, "'ridge' is -1.0 but must be >= 0 and finite",
                "regress", "--train", train, "--test", test, "--label-col", "label", "--ridge", "-1");
        assertRefused(out, "'preconditioner' is 'nystrom:x' but must be auto, none or nystrom:RANK",
                "regress", "--train", train, "--test", test, "--label-col", "label", "--preconditioner", "nystrom:x");
        assertRefused(out, "the cholesky solver needs",
                "regress", "--train", train, "--test", test, "--label-col", "label", "--solver", "cholesky",
                "--max-driver-memory", "0.00001");
        assertRefused(out, "'cache-precision' is 'half' but must be auto, float64 or float32",
                "regress", "--train", train, "--test", test, "--label-col", "label", "--cache-precision", "half");
        assertRefused(out, "'tol' is 'fast' but must be auto or a number in (0, 1)",
                "regress", "--train", train, "--test", test, "--label-col", "label", "--tol", "fast");
        // the memory plan refuses before any tile is computed: executors with (pretend) 1 kB of storage memory
        String prop = System.getProperty(MemoryPlan.STORAGE_BYTES_PROPERTY);
        System.setProperty(MemoryPlan.STORAGE_BYTES_PROPERTY, "1000");
        try {
            assertRefused(out, "the kernel cache needs 0.00 GB even in float32 but this JVM's heap (local mode) has 0.00 GB"
                            + " of storage memory; use --matrix-free (recompute the tiles every pass)",
                    "regress", "--train", train, "--test", test, "--label-col", "label", "--solver", "pcg");
            assertRefused(out, "the kernel cache needs 0.00 GB in float64 but this JVM's heap (local mode) has 0.00 GB of"
                            + " storage memory; use --cache-precision float32",
                    "regress", "--train", train, "--test", test, "--label-col", "label", "--solver", "pcg",
                    "--cache-precision", "float64");
        } finally {
            if (prop == null) {
                System.clearProperty(MemoryPlan.STORAGE_BYTES_PROPERTY);
            } else {
                System.setProperty(MemoryPlan.STORAGE_BYTES_PROPERTY, prop);
            }
        }
    }
}
