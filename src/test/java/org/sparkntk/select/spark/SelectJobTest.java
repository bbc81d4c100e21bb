package org.sparkntk.select.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
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
import org.sparkntk.select.Folds;
import org.sparkntk.tile.Tiles;

/** ntk select end to end on Spark local mode: against brute force and regress runs done here, outputs, bad input. */
class SelectJobTest {

    static SparkSession spark;
    static boolean ownSession;
    static Path dir;
    static final int N = 120;
    static final int D = 5;
    static double[][] x;
    static int[] label;
    static double[] y1;

    @BeforeAll
    static void start() throws Exception {
        ownSession = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        spark = SparkSession.builder().master("local[2]").appName("select-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        dir = Files.createTempDirectory("select");
        Random r = new Random(3);
        x = new double[N][D];
        label = new int[N];
        y1 = new double[N];
        for (int i = 0; i < N; i++) {
            label[i] = r.nextInt(3);
            for (int j = 0; j < D; j++) {
                x[i][j] = r.nextGaussian() + (j == label[i] ? 1.5 : 0);
            }
            y1[i] = Math.sin(x[i][0]) + 0.5 * x[i][1] + 0.1 * r.nextGaussian();
        }
        write(dir.resolve("train.parquet").toString(), null);
    }

    @AfterAll
    static void stop() {
        if (ownSession) {
            spark.stop();
        }
    }

    /** Rows (all, or those with keep[i]) in order: id, features, label INT, y1 DOUBLE. */
    static void write(String path, boolean[] keep) {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("features", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.IntegerType).add("y1", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            if (keep == null || keep[i]) {
                List<Double> f = new ArrayList<>();
                for (double v : x[i]) {
                    f.add(v);
                }
                rows.add(RowFactory.create(1000L + i, f.toArray(new Double[0]), label[i], y1[i]));
            }
        }
        spark.createDataFrame(rows, schema).coalesce(1).write().mode("overwrite").parquet(path);
    }

    static int run(StringWriter err, String... args) {
        return Main.run(new PrintWriter(err, true), args);
    }

    static Map<?, ?> json(Path p) throws Exception {
        return new ObjectMapper().readValue(p.toFile(), Map.class);
    }

    static List<Row> table(Path out) {
        return spark.read().parquet(out.resolve("selection").toString()).orderBy("kernel", "depth", "ridge").collectAsList();
    }

    static double[] kernel(int depth, boolean ntk, double bias) {
        double[] flat = new double[N * D];
        for (int i = 0; i < N; i++) {
            System.arraycopy(x[i], 0, flat, i * D, D);
        }
        double[] k = new double[N * N];
        double[][] t = {k};
        Tiles.compute(org.sparkntk.truth.Specs.of(new NetworkSpec(depth, Activations.parse("relu"), 1.0, bias), new int[] {depth}, ntk ? t : null, ntk ? null : t), new org.sparkntk.tile.Rows(flat, N, D), new org.sparkntk.tile.Rows(flat, N, D), true, ntk ? t : null, ntk ? null : t);
        return k;
    }

    @Test
    void leaveOneOutAccuracyEqualsBruteForceAndOutputsAreComplete() throws Exception {
        Path out = dir.resolve("loo");
        StringWriter err = new StringWriter();
        int code = run(err, "select", "--train", dir.resolve("train.parquet").toString(), "--label-col", "label", "--id-col", "id",
                "--depths", "1-3", "--kernels", "ntk,nngp", "--ridges", "1e-4,1e-2,1", "--bias-stds", "0.1", "--loo",
                "--block-size", "50", "--refit", "--test", dir.resolve("train.parquet").toString(), "--output", out.toString());
        assertEquals(0, code, err.toString());
        List<Row> rows = table(out);
        assertEquals(2 * 3 * 3, rows.size());
        // brute force: N solves per ridge with the kernel computed here (ntk depth 2)
        double[] k = kernel(2, true, 0.1);
        double trace = 0;
        for (int i = 0; i < N; i++) {
            trace += k[i * N + i];
        }
        for (Row row : rows) {
            if (!row.getString(row.fieldIndex("kernel")).equals("ntk") || row.getInt(row.fieldIndex("depth")) != 2) {
                continue;
            }
            double ridge = row.getDouble(row.fieldIndex("ridge"));
            double lambda = ridge * trace / N;
            assertEquals(lambda, row.getDouble(row.fieldIndex("lambda")), 1e-12 * lambda);
            int right = 0;
            for (int i = 0; i < N; i++) {
                int[] tr = new int[N - 1];
                for (int j = 0, t = 0; j < N; j++) {
                    if (j != i) {
                        tr[t++] = j;
                    }
                }
                double[] yc = new double[N * 3];
                for (int j = 0; j < N; j++) {
                    for (int c = 0; c < 3; c++) {
                        yc[j * 3 + c] = (c == label[j] ? 1 : 0) - 1.0 / 3;
                    }
                }
                double[] f = org.sparkntk.select.SpectralTest.explicitFit(k, N, yc, 3, tr, new int[] {i}, lambda);
                int arg = f[0] >= f[1] && f[0] >= f[2] ? 0 : (f[1] >= f[2] ? 1 : 2);
                right += arg == label[i] ? 1 : 0;
            }
            assertEquals((double) right / N, row.getDouble(row.fieldIndex("score")), 1e-12, "ridge " + ridge);
            assertEquals(N, row.getInt(row.fieldIndex("folds")));
            assertEquals("accuracy", row.getString(row.fieldIndex("metric")));
        }
        Map<?, ?> sel = json(out.resolve("selection.json"));
        Map<?, ?> best = (Map<?, ?>) sel.get("best");
        double top = rows.stream().mapToDouble(r -> r.getDouble(r.fieldIndex("score"))).max().orElseThrow();
        assertEquals(top, ((Number) best.get("score")).doubleValue());
        // ties: the smallest depth among the top scores, then the largest ridge
        int minDepth = rows.stream().filter(r -> r.getDouble(r.fieldIndex("score")) == top).mapToInt(r -> r.getInt(r.fieldIndex("depth")))
                .min().orElseThrow();
        assertEquals(minDepth, ((Number) best.get("depth")).intValue());
        assertTrue(((Map<?, ?>) sel.get("eigendecomposition")).get("implementation").toString().length() > 0);
        assertFalse(Files.exists(out.resolve(SelectJob.STAGING)), "staging removed");
        // --refit: regress with the best configuration wrote its model and predictions
        Map<?, ?> refit = (Map<?, ?>) sel.get("refit");
        assertTrue(((Number) refit.get("accuracy")).doubleValue() > 0.5);
        Map<?, ?> model = json(out.resolve("model").resolve("model.json"));
        assertEquals(best.get("depth"), ((Map<?, ?>) model.get("kernel")).get("depth"));
        assertEquals(best.get("kernel"), ((Map<?, ?>) model.get("kernel")).get("kernel"));
        assertTrue(Files.exists(out.resolve("predictions")));
        BufferedImage img = ImageIO.read(out.resolve("selection.png").toFile());
        assertEquals(1000, img.getWidth());
        assertEquals(600, img.getHeight());
        Set<Integer> colors = new HashSet<>();
        for (int px = 0; px < img.getWidth(); px += 3) {
            for (int py = 0; py < img.getHeight(); py += 3) {
                colors.add(img.getRGB(px, py));
            }
        }
        assertTrue(colors.size() > 20, "the picture has " + colors.size() + " colours");
        // an existing OUT is refused
        StringWriter e2 = new StringWriter();
        assertEquals(2, run(e2, "select", "--train", dir.resolve("train.parquet").toString(), "--label-col", "label", "--loo",
                "--output", out.toString()));
        assertTrue(e2.toString().contains("already exists; pass --overwrite to replace it"), e2.toString());
    }

    @Test
    void holdoutAndValidationRmseEqualRegressOnTheSameSplit() throws Exception {
        Path out = dir.resolve("holdout");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "select", "--train", dir.resolve("train.parquet").toString(), "--label-col", "y1", "--depths", "2",
                "--kernels", "nngp", "--ridges", "1e-2", "--holdout", "0.25", "--seed", "5", "--output", out.toString()), err.toString());
        boolean[] held = Folds.holdout(null, N, 0.25, 5L);
        boolean[] kept = new boolean[N];
        for (int i = 0; i < N; i++) {
            kept[i] = !held[i];
        }
        write(dir.resolve("h-train.parquet").toString(), kept);
        write(dir.resolve("h-test.parquet").toString(), held);
        // the same split as a separate validation set: train on h-train, score h-test
        Path outVal = dir.resolve("validation");
        assertEquals(0, run(err, "select", "--train", dir.resolve("h-train.parquet").toString(), "--label-col", "y1", "--depths", "2",
                "--kernels", "nngp", "--ridges", "1e-2", "--validation", dir.resolve("h-test.parquet").toString(), "--output",
                outVal.toString()), err.toString());
        Row val = table(outVal).get(0);
        List<Row> rows = table(out);
        for (Row row : rows) {
            assertEquals(row.getDouble(row.fieldIndex("score")), val.getDouble(val.fieldIndex("score")), 1e-10, "--validation = --holdout");
            assertEquals(row.getDouble(row.fieldIndex("lambda")), val.getDouble(val.fieldIndex("lambda")), 1e-14);
            double ridge = row.getDouble(row.fieldIndex("ridge"));
            Path r = dir.resolve("regress-" + ridge);
            assertEquals(0, run(err, "regress", "--train", dir.resolve("h-train.parquet").toString(), "--test",
                    dir.resolve("h-test.parquet").toString(), "--label-col", "y1", "--depth", "2", "--kernel", "nngp", "--ridge",
                    Double.toString(ridge), "--ridge-scale", "trace", "--solver", "cholesky", "--output", r.toString()), err.toString());
            Map<?, ?> m = json(r.resolve("metrics.json"));
            double rmse = ((Number) m.get("rmse")).doubleValue();
            assertEquals(rmse, row.getDouble(row.fieldIndex("score")), 1e-9 * rmse, "ridge " + ridge);
            assertEquals(((Number) ((Map<?, ?>) m.get("ridge")).get("lambda")).doubleValue(), row.getDouble(row.fieldIndex("lambda")), 1e-12);
            assertEquals(1, row.getInt(row.fieldIndex("folds")));
        }
    }

    @Test
    void maxRowsSelectsOnTheStratifiedSubsample() throws Exception {
        Path out = dir.resolve("subsample");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "select", "--train", dir.resolve("train.parquet").toString(), "--label-col", "label", "--depths", "2",
                "--kernels", "ntk", "--ridges", "1e-2", "--bias-stds", "0.1", "--loo", "--max-rows", "61", "--seed", "7",
                "--block-size", "16", "--output", out.toString()), err.toString());
        int[] keep = Folds.subsample(label, N, 61, 7L);
        double[] full = kernel(2, true, 0.1);
        int m = keep.length;
        double[] k = new double[m * m];
        double trace = 0;
        for (int a = 0; a < m; a++) {
            for (int b = 0; b < m; b++) {
                k[a * m + b] = full[keep[a] * N + keep[b]];
            }
            trace += k[a * m + a];
        }
        double lambda = 1e-2 * trace / m;
        double[] yc = new double[m * 3];
        for (int a = 0; a < m; a++) {
            for (int c = 0; c < 3; c++) {
                yc[a * 3 + c] = (c == label[keep[a]] ? 1 : 0) - 1.0 / 3;
            }
        }
        int right = 0;
        for (int i = 0; i < m; i++) {
            final int skip = i;
            int[] tr = java.util.stream.IntStream.range(0, m).filter(j -> j != skip).toArray();
            double[] f = org.sparkntk.select.SpectralTest.explicitFit(k, m, yc, 3, tr, new int[] {i}, lambda);
            int arg = f[0] >= f[1] && f[0] >= f[2] ? 0 : (f[1] >= f[2] ? 1 : 2);
            right += arg == label[keep[i]] ? 1 : 0;
        }
        Row row = table(out).get(0);
        assertEquals(lambda, row.getDouble(row.fieldIndex("lambda")), 1e-12 * lambda);
        assertEquals((double) right / m, row.getDouble(row.fieldIndex("score")), 1e-12);
        assertEquals(m, row.getInt(row.fieldIndex("folds")));
        Map<?, ?> sub = (Map<?, ?>) json(out.resolve("selection.json")).get("subsample");
        assertEquals(Boolean.TRUE, sub.get("subsampled"));
        assertEquals(61, sub.get("rows"));
    }

    @Test
    void badInputExitsTwoAndWritesNothing() {
        String train = dir.resolve("train.parquet").toString();
        String[][] cases = {
            {"--depths", "", "--loo"}, {"'depths' is empty; give a list (1,3,5) or a range (1-10)"},
            {"--depths", "3,2", "--loo"}, {"'depths' is '3,2' but must be strictly increasing (sorted, no duplicates)"},
            {"--ridges", "1e-3,1e-3", "--loo"}, {"'ridges' is '1e-3,1e-3' but must be strictly increasing (sorted, no duplicates)"},
            {"--ridges", "-1,1", "--loo"}, {"'ridges' has -1 but each value must be >= 0 and finite"},
            {"--kernels", "ntk,ntk", "--loo"}, {"'kernels' names 'ntk' twice; give each kernel once"},
            {"--folds", "1"}, {"'folds' is 1 but must be >= 2 (and <= the number of training rows)"},
            {"--folds", "121"}, {"'folds' is 121 but must be <= 120, the number of training rows"},
            {"--holdout", "1"}, {"'holdout' is 1.0 but must be in (0, 1), the fraction of training rows held out"},
            {"--loo", "--folds", "3"}, {"give one of --loo, --folds, --holdout, --validation, not several (got --loo, --folds)"},
            {"--loo", "--metric", "nll"}, {"'metric' is nll but the task is classification; use --metric accuracy (nll is"},
            {"--loo", "--refit"}, {"'refit' needs --test TEST: the refitted model is scored on it"},
            {"--loo", "--max-rows", "100", "--max-driver-memory", "0.0002"}, {"'max-rows' is 100 but the driver can factor the kernel of at most 90 training rows here (0.00 GB of 0.00 GB for the dense matrix and the eigendecomposition's workspace); lower --max-rows or give the driver more memory"},
            {"--loo", "--validation", "x"}, {"give one of --loo, --folds, --holdout, --validation, not several (got --loo, --validation)"},
            {"--depths", "1-3"}, {"choose how to validate: one of --loo, --folds K, --holdout FRACTION, --validation VAL"},
        };
        for (int c = 0; c < cases.length; c += 2) {
            Path out = dir.resolve("bad-" + c);
            List<String> args = new ArrayList<>(List.of("select", "--train", train, "--label-col", "label", "--output", out.toString()));
            args.addAll(List.of(cases[c]));
            StringWriter err = new StringWriter();
            int code = run(err, args.toArray(new String[0]));
            assertEquals(2, code, String.join(" ", cases[c]) + ": " + err);
            assertTrue(err.toString().contains(cases[c + 1][0]), String.join(" ", cases[c]) + ": " + err);
            assertFalse(Files.exists(out), String.join(" ", cases[c]) + " wrote " + out);
        }
    }
}
