package org.sparkntk.regress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkntk.cli.Main;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.solve.SolversTest;
import org.sparkntk.tile.Tiles;

/**
 * regress --solver nystrom end to end on Spark local mode: M = N against the exact dense solve,
 * few centres against the Nystrom normal equations solved here with the tile kernel and plain
 * elimination, the seed, rpcholesky selection with a matrix-free float32 operator, predict from
 * the model, and the refusals (exit 2, nothing published).
 */
class NystromRegressTest {

    static SparkSession spark;
    static boolean ownSession;
    static Path dir;
    static String train;
    static String test;

    @BeforeAll
    static void start() throws Exception {
        ownSession = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        spark = SparkSession.builder().master("local[2]").appName("nystrom-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        RegressTest.spark = spark; // RegressTest's data and score helpers read it
        dir = Files.createTempDirectory("nystrom");
        train = dir.resolve("train").toString();
        test = dir.resolve("test").toString();
        RegressTest.writeSet(train, 150, 6, 3, 11, true);
        RegressTest.writeSet(test, 40, 6, 3, 12, true);
    }

    @AfterAll
    static void stop() {
        if (ownSession) {
            spark.stop();
        }
    }

    static String[] args(String out, String... more) {
        List<String> a = new ArrayList<>(List.of("regress", "--train", train, "--test", test, "--id-col", "id", "--depth", "2",
                "--bias-std", "0.1", "--block-size", "64", "--output", out));
        a.addAll(Arrays.asList(more));
        return a.toArray(new String[0]);
    }

    /** Row-major features by id, from the Parquet as written. */
    static Map<Long, double[]> features(String path) {
        Map<Long, double[]> m = new HashMap<>();
        for (Row r : spark.read().parquet(path).collectAsList()) {
            List<Double> f = r.getList(1);
            m.put(r.getLong(0), f.stream().mapToDouble(Double::doubleValue).toArray());
        }
        return m;
    }

    /** Centre ids of a model in row order. */
    static List<Long> centreIds(String out) {
        List<Long> ids = new ArrayList<>();
        for (Row r : spark.read().parquet(out + "/model/centers").orderBy("row").collectAsList()) {
            ids.add(r.getLong(r.fieldIndex("id")));
        }
        return ids;
    }

    static double[] stack(List<double[]> rows) {
        int d = rows.get(0).length;
        double[] x = new double[rows.size() * d];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, x, i * d, d);
        }
        return x;
    }

    /**
     * Test scores of the Nystrom estimator on the given centres computed here: K_nM and K_MM with the
     * tile kernel, (K_nM^T K_nM + lambda K_MM) beta = K_nM^T Y by plain elimination, scores K(T, C) beta.
     */
    static Map<Long, double[]> denseNystrom(List<Long> centres, NetworkSpec spec, double lambda) {
        Map<Long, double[]> fx = features(train);
        List<Long> ids = new ArrayList<>(fx.keySet());
        int n = ids.size();
        int m = centres.size();
        int d = fx.get(ids.get(0)).length;
        List<double[]> xr = new ArrayList<>();
        double[] y = new double[n * 2];
        Map<Long, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(train).collectAsList()) {
            rows.put(r.getLong(0), r);
        }
        for (int i = 0; i < n; i++) {
            xr.add(fx.get(ids.get(i)));
            Row r = rows.get(ids.get(i));
            y[i * 2] = r.getDouble(3);
            y[i * 2 + 1] = r.getDouble(4);
        }
        List<double[]> cr = new ArrayList<>();
        for (long c : centres) {
            cr.add(fx.get(c));
        }
        double[] x = stack(xr);
        double[] c = stack(cr);
        double[] knm = new double[n * m];
        Tiles.compute(org.sparkntk.truth.Specs.of(spec, new int[] {spec.depth()}, new double[][] {knm}, null), new org.sparkntk.tile.Rows(x, n, d), new org.sparkntk.tile.Rows(c, m, d), false, new double[][] {knm}, null);
        double[] kmm = new double[m * m];
        Tiles.compute(org.sparkntk.truth.Specs.of(spec, new int[] {spec.depth()}, new double[][] {kmm}, null), new org.sparkntk.tile.Rows(c, m, d), new org.sparkntk.tile.Rows(c, m, d), true, new double[][] {kmm}, null);
        double[] h = new double[m * m];
        double[] b = new double[m * 2];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < m; p++) {
                double v = knm[i * m + p];
                for (int q = 0; q < m; q++) {
                    h[p * m + q] += v * knm[i * m + q];
                }
                b[p * 2] += v * y[i * 2];
                b[p * 2 + 1] += v * y[i * 2 + 1];
            }
        }
        for (int i = 0; i < m * m; i++) {
            h[i] += lambda * kmm[i];
        }
        double[] beta = SolversTest.gauss(h, m, b, 2);
        Map<Long, double[]> out = new HashMap<>();
        for (Map.Entry<Long, double[]> e : features(test).entrySet()) {
            double[] kx = new double[m];
            Tiles.compute(org.sparkntk.truth.Specs.of(spec, new int[] {spec.depth()}, new double[][] {kx}, null), new org.sparkntk.tile.Rows(e.getValue(), 1, d), new org.sparkntk.tile.Rows(c, m, d), false, new double[][] {kx}, null);
            double[] s = new double[2];
            for (int p = 0; p < m; p++) {
                s[0] += kx[p] * beta[p * 2];
                s[1] += kx[p] * beta[p * 2 + 1];
            }
            out.put(e.getKey(), s);
        }
        return out;
    }

    @Test
    void allRowsAsCentresEqualTheExactSolveAndPredictEqualsRegress() throws Exception {
        String exact = dir.resolve("exact").toString();
        String nys = dir.resolve("nys-all").toString();
        assertEquals(0, Main.run(args(exact, "--label-col", "label", "--solver", "cholesky", "--ridge", "1e-3")));
        assertEquals(0, Main.run(args(nys, "--label-col", "label", "--solver", "nystrom", "--centers", "150", "--ridge", "1e-3",
                "--tol", "1e-9")));
        Map<?, ?> m = RegressTest.metrics(nys);
        assertEquals("nystrom", m.get("solver"));
        assertEquals(List.of(true, true, true), m.get("converged"));
        assertEquals(150, ((Map<?, ?>) m.get("nystrom")).get("centers"));
        assertEquals("uniform", ((Map<?, ?>) m.get("nystrom")).get("center_selection"));
        assertTrue((Integer) m.get("iterations") <= 3, "with every row a centre the preconditioned system is I: " + m.get("iterations"));
        assertEquals(RegressTest.metrics(exact).get("accuracy"), m.get("accuracy"));
        RegressTest.assertSameScores(RegressTest.scores(exact), RegressTest.scores(nys), 1e-6);
        // the saved model predicts what regress predicted, without the training input
        String pred = dir.resolve("nys-all-predict").toString();
        assertEquals(0, Main.run("predict", "--model", nys + "/model", "--test", test, "--output", pred));
        RegressTest.assertSameScores(RegressTest.scores(nys), RegressTest.scores(pred), 1e-12);
        assertEquals("nystrom", RegressTest.metrics(pred).get("solver"));
        predictRefusesMissingOrChangedCentres(nys);
    }

    @Test
    void fewCentresEqualTheNormalEquationsSolvedHere() throws Exception {
        String out = dir.resolve("nys-40").toString();
        assertEquals(0, Main.run(args(out, "--label-col", "y1,y2", "--kernel", "ntk", "--solver", "nystrom", "--centers", "40",
                "--ridge", "1e-2", "--tol", "1e-9")));
        Map<?, ?> m = RegressTest.metrics(out);
        assertEquals(List.of(true, true), m.get("converged"));
        List<Long> centres = centreIds(out);
        assertEquals(40, centres.size());
        assertEquals(40, centres.stream().distinct().count());
        NetworkSpec spec = new NetworkSpec(2, Activations.parse("relu"), 1.0, 0.1);
        RegressTest.assertSameScores(denseNystrom(centres, spec, 1e-2), RegressTest.scores(out), 1e-6);
        // the centres are the seed's uniform draw (default seed 42) over row numbers; ids are 1000 + input row
        int[] rows = Centers.uniform(150, 40, NystromSettings.DEFAULT_SEED);
        List<Long> rowsInModel = new ArrayList<>();
        for (Row r : spark.read().parquet(out + "/model/centers").orderBy("row").collectAsList()) {
            rowsInModel.add(r.getLong(0));
        }
        assertEquals(Arrays.stream(rows).mapToObj(r -> (long) r).toList(), rowsInModel);
        // another seed picks other centres
        String other = dir.resolve("nys-40-seed").toString();
        assertEquals(0, Main.run(args(other, "--label-col", "y1,y2", "--solver", "nystrom", "--centers", "40", "--seed", "8")));
        assertNotEquals(centres, centreIds(other));
        assertEquals(8, ((Map<?, ?>) RegressTest.metrics(other).get("nystrom")).get("seed"));
    }

    @Test
    void rpcholeskyCentresMatrixFreeEqualTheNormalEquations() throws Exception {
        String out = dir.resolve("nys-rp").toString();
        assertEquals(0, Main.run(args(out, "--label-col", "y1,y2", "--solver", "nystrom", "--centers", "30",
                "--center-selection", "rpcholesky", "--matrix-free", "--ridge", "1e-2", "--tol", "1e-9")));
        List<Long> centres = centreIds(out);
        assertEquals(30, centres.stream().distinct().count());
        NetworkSpec spec = new NetworkSpec(2, Activations.parse("relu"), 1.0, 0.1);
        RegressTest.assertSameScores(denseNystrom(centres, spec, 1e-2), RegressTest.scores(out), 1e-6);
        assertEquals("rpcholesky", ((Map<?, ?>) RegressTest.metrics(out).get("nystrom")).get("center_selection"));
    }

    static int runQuiet(ByteArrayOutputStream err, String... a) {
        return Main.run(new PrintWriter(err, true), a);
    }

    @Test
    void badInputExitsTwoAndPublishesNothing() throws Exception {
        String[][] cases = {
                {"--centers", "0", "--solver", "nystrom"},
                {"--centers", "151", "--solver", "nystrom"},
                {"--centers", "10"},
                {"--solver", "nystrom"},
                {"--solver", "nystrom", "--centers", "10", "--center-selection", "kmeans"},
        };
        String[] want = {"'centers' is 0 but must be >= 1", "'centers' is 151 but must be <= N = 150",
                "'centers' applies to --solver nystrom only", "--solver nystrom needs --centers M",
                "'center-selection' is 'kmeans' but must be uniform or rpcholesky"};
        for (int i = 0; i < cases.length; i++) {
            String out = dir.resolve("bad-" + i).toString();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            List<String> a = new ArrayList<>(Arrays.asList(args(out, "--label-col", "label")));
            a.addAll(Arrays.asList(cases[i]));
            assertEquals(2, runQuiet(err, a.toArray(new String[0])), Arrays.toString(cases[i]));
            assertTrue(err.toString().contains(want[i]), err.toString());
            assertFalse(Files.exists(Path.of(out, "metrics.json")), "nothing published for " + Arrays.toString(cases[i]));
        }
    }

    /** A model whose centres changed or are missing is refused (exit 2, nothing published). */
    static void predictRefusesMissingOrChangedCentres(String out) throws Exception {
        // changed: the same centres with one coefficient altered, written in place of the original
        String changed = dir.resolve("model-changed").toString();
        copy(Path.of(out, "model"), Path.of(changed));
        spark.read().parquet(out + "/model/centers")
                .withColumn("beta", functions.expr("transform(beta, (b, i) -> IF(i = 0, b + 1e-9, b))"))
                .write().mode("overwrite").parquet(changed + "/centers");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String p1 = dir.resolve("pred-changed").toString();
        assertEquals(2, runQuiet(err, "predict", "--model", changed, "--test", test, "--output", p1));
        assertTrue(err.toString().contains("the centres changed since the model was made"), err.toString());
        assertFalse(Files.exists(Path.of(p1, "metrics.json")));
        // missing
        String missing = dir.resolve("model-missing").toString();
        copy(Path.of(out, "model"), Path.of(missing));
        org.apache.commons.io.FileUtils.deleteDirectory(Path.of(missing, "centers").toFile());
        err.reset();
        String p2 = dir.resolve("pred-missing").toString();
        assertEquals(2, runQuiet(err, "predict", "--model", missing, "--test", test, "--output", p2));
        assertTrue(err.toString().contains("are missing"), err.toString());
        assertFalse(Files.exists(Path.of(p2, "metrics.json")));
        // solve reads a stored Gram: nystrom is refused there
        err.reset();
        assertEquals(2, runQuiet(err, "solve", "--kernel", out, "--labels", train, "--label-col", "label", "--output",
                dir.resolve("solve-nys").toString(), "--solver", "nystrom", "--centers", "5"));
        assertTrue(err.toString().contains("works with 'ntk regress' only"), err.toString());
    }

    static void copy(Path from, Path to) throws Exception {
        org.apache.commons.io.FileUtils.copyDirectory(from.toFile(), to.toFile());
    }
}
