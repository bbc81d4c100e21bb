package org.sparkntk.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkntk.cli.Main;
import org.sparkntk.spec.UserError;

/**
 * The Spark ML stages in real pipelines on Spark local mode, against `ntk regress` on the same
 * data, a dense solve written here with the ReLU closed forms of ntk-math.md, and explicit fits.
 */
class NtkPipelineTest {

    static SparkSession spark;
    static boolean ownSession;
    static Path dir;
    static Path fitTmp;
    static Dataset<Row> train;
    static Dataset<Row> test;
    static PipelineModel pipeline;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("ntk-ml");
        fitTmp = Files.createDirectories(dir.resolve("fit-tmp"));
        ownSession = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        spark = SparkSession.builder().master("local[2]").appName("ntk-ml-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1").config("spark.local.dir", dir.resolve("local").toString())
                .getOrCreate();
        spark.conf().set(org.sparkntk.io.TempDirs.CONF, fitTmp.toString());
        train = mixture(300, 1, 0.7);
        test = mixture(120, 2, 0.7);
        pipeline = new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(new String[] {"x0", "x1", "x2", "x3"}).setOutputCol("raw"),
            new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true),
            new NtkClassifier().setDepth(2).setBiasStd(0.1).setRidge(1e-3)}).fit(train);
    }

    @AfterAll
    static void stop() {
        if (ownSession) {
            spark.stop();
        }
    }

    /**
     * Three Gaussian classes in 4 dimensions (columns x0..x3 double, label INT, name STRING, id
     * BIGINT, y DOUBLE a smooth function of x); SPREAD is the noise around the class centres.
     */
    static Dataset<Row> mixture(int n, long seed, double spread) {
        Random r = new Random(seed);
        double[][] mu = {{2, 0, 0, 1}, {0, 2, 0, -1}, {0, 0, 2, 0}};
        String[] names = {"cat", "ant", "bee"};
        StructType schema = new StructType().add("id", DataTypes.LongType).add("x0", DataTypes.DoubleType)
                .add("x1", DataTypes.DoubleType).add("x2", DataTypes.DoubleType).add("x3", DataTypes.DoubleType)
                .add("label", DataTypes.IntegerType).add("name", DataTypes.StringType).add("y", DataTypes.DoubleType)
                .add("fold", DataTypes.IntegerType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(3);
            double[] x = new double[4];
            for (int j = 0; j < 4; j++) {
                x[j] = mu[c][j] + spread * r.nextGaussian();
            }
            double y = Math.sin(x[0]) + 0.5 * x[1] * x[2];
            rows.add(RowFactory.create(seed * 100_000 + i, x[0], x[1], x[2], x[3], c, names[c], y, i % 2));
        }
        // a local relation: two partitions whose rows come in the same order on every evaluation (a
        // shuffle, e.g. repartition, would not), so a copy written here has fit's row order
        return spark.createDataFrame(rows, schema);
    }

    static Map<Long, Row> byId(Dataset<Row> df) {
        Map<Long, Row> m = new HashMap<>();
        for (Row row : df.collectAsList()) {
            m.put(row.getLong(row.fieldIndex("id")), row);
        }
        return m;
    }

    /** The ML pipeline's predictions equal `ntk regress` on the same scaled features: classes identical, scores to 1e-9. */
    @Test
    void pipelineMatchesRegressOnTheScaledData() throws Exception {
        Map<Long, Row> ml = byId(pipeline.transform(test));
        // the same scaled features, written as regress's input
        Transformer assembler = pipeline.stages()[0];
        Transformer scaler = pipeline.stages()[1];
        String trainPath = dir.resolve("scaled-train").toString();
        String testPath = dir.resolve("scaled-test").toString();
        for (Object[] s : new Object[][] {{train, trainPath}, {test, testPath}}) {
            scaler.transform(assembler.transform((Dataset<?>) s[0]))
                    .select(functions.col("id"), org.apache.spark.ml.functions.vector_to_array(functions.col("features"), "float64")
                            .as("features"), functions.col("label"))
                    .write().parquet((String) s[1]);
        }
        String out = dir.resolve("regress-out").toString();
        assertEquals(0, Main.run("regress", "--train", trainPath, "--test", testPath, "--label-col", "label", "--id-col", "id",
                "--depth", "2", "--bias-std", "0.1", "--ridge", "1e-3", "--output", out));
        List<Row> reg = spark.read().parquet(out + "/predictions").collectAsList();
        assertEquals(test.count(), reg.size());
        assertEquals(ml.size(), reg.size());
        double scale = 0;
        for (Row r : reg) {
            for (Object v : r.getList(r.fieldIndex("scores"))) {
                scale = Math.max(scale, Math.abs((Double) v));
            }
        }
        int correct = 0;
        for (Row r : reg) {
            Row m = ml.get(r.getLong(r.fieldIndex("id")));
            assertEquals((double) r.getInt(r.fieldIndex("prediction")), m.getDouble(m.fieldIndex("prediction")));
            Vector raw = (Vector) m.get(m.fieldIndex("rawPrediction"));
            List<Object> s = r.getList(r.fieldIndex("scores"));
            assertEquals(3, raw.size());
            for (int c = 0; c < 3; c++) {
                assertEquals((Double) s.get(c), raw.apply(c), 1e-9 * scale, "id " + r.get(0) + " class " + c);
            }
            correct += r.getInt(r.fieldIndex("prediction")) == r.getInt(r.fieldIndex("label")) ? 1 : 0;
        }
        assertTrue(correct > 0.9 * reg.size(), "accuracy " + correct + "/" + reg.size());
        // fit left nothing in its temporary folder
        try (Stream<Path> left = Files.list(fitTmp)) {
            assertEquals(List.of(), left.toList());
        }
    }

    /** transform runs no Spark job until an action asks for rows. */
    @Test
    void transformIsLazy() throws Exception {
        String group = "ntk-ml-lazy";
        spark.sparkContext().setJobGroup(group, "transform must not run jobs", false);
        try {
            Dataset<Row> out = pipeline.transform(test);
            spark.sparkContext().listenerBus().waitUntilEmpty();
            assertEquals(0, spark.sparkContext().statusTracker().getJobIdsForGroup(group).length);
            assertEquals(test.count(), out.count());
            spark.sparkContext().listenerBus().waitUntilEmpty();
            assertTrue(spark.sparkContext().statusTracker().getJobIdsForGroup(group).length > 0);
        } finally {
            spark.sparkContext().clearJobGroup();
        }
    }

    @Test
    void savedModelAndPipelineReloadWithIdenticalPredictions() throws Exception {
        List<Row> before = pipeline.transform(test).orderBy("id").select("id", "rawPrediction", "prediction").collectAsList();
        String pp = dir.resolve("saved-pipeline").toString();
        pipeline.write().overwrite().save(pp);
        List<Row> after = PipelineModel.load(pp).transform(test).orderBy("id").select("id", "rawPrediction", "prediction")
                .collectAsList();
        assertEquals(before, after);

        NtkClassificationModel m = (NtkClassificationModel) pipeline.stages()[2];
        String mp = dir.resolve("saved-model").toString();
        m.write().overwrite().save(mp);
        m.write().overwrite().save(mp); // overwrite replaces
        NtkClassificationModel back = NtkClassificationModel.load(mp);
        assertEquals(m.uid(), back.uid());
        assertEquals(2, back.getDepth());
        assertEquals(0.1, back.getBiasStd());
        assertEquals(1e-3, back.getRidge());
        assertEquals(3, back.numClasses());
        Dataset<Row> scaled = pipeline.stages()[1].transform(pipeline.stages()[0].transform(test));
        assertEquals(m.transform(scaled).orderBy("id").select("rawPrediction", "prediction").collectAsList(),
                back.transform(scaled).orderBy("id").select("rawPrediction", "prediction").collectAsList());
        // an unfitted estimator saves and loads its params (for a saved Pipeline or CrossValidator)
        String ep = dir.resolve("saved-estimator").toString();
        new NtkClassifier().setDepth(5).setActivation("erf").setCenters(7).setSolver("nystrom").write().overwrite().save(ep);
        NtkClassifier est = NtkClassifier.load(ep);
        assertEquals(5, est.getDepth());
        assertEquals("erf", est.getActivation());
        assertEquals(7, est.getCenters());
        assertEquals(1e-3, est.getTol());
        // and the single-row predict agrees with transform
        Row first = m.transform(scaled).orderBy("id").first();
        Vector f = (Vector) first.get(first.fieldIndex("features"));
        assertEquals(first.getDouble(first.fieldIndex("prediction")), back.predict(f));
        assertArrayEquals(((Vector) first.get(first.fieldIndex("rawPrediction"))).toArray(), back.predictRaw(f).toArray(), 1e-12);
    }

    /**
     * NtkRegressor (NNGP, array&lt;double&gt; features) against a dense solve done here with
     * the ReLU closed forms of ntk-math.md and Gaussian elimination.
     */
    @Test
    void regressorMatchesADenseSolveWithTheClosedForm() throws Exception {
        // subsets chosen by id (limit would pick rows in a different order on each evaluation)
        Dataset<Row> tr = withArray(train.where(functions.col("id").mod(2).equalTo(0)));
        Dataset<Row> te = withArray(test.where(functions.col("id").mod(3).equalTo(0)));
        NtkRegressor est = new NtkRegressor().setKernel("nngp").setDepth(3).setWeightStd(1.3).setBiasStd(0.2).setRidge(0.01)
                .setLabelCol("y").setFeaturesCol("xs");
        NtkRegressionModel model = est.fit(tr);
        Map<Long, Row> got = byId(model.transform(te));

        List<Row> trRows = tr.collectAsList();
        int n = trRows.size();
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = array(trRows.get(i));
            y[i] = trRows.get(i).getDouble(trRows.get(i).fieldIndex("y"));
        }
        double[] k = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                k[i * n + j] = reluNngp(x[i], x[j], 3, 1.3, 0.2) + (i == j ? 0.01 : 0);
            }
        }
        double[] alpha = org.sparkntk.solve.SolversTest.gauss(k, n, y, 1);
        double scale = 0;
        Map<Long, Double> want = new HashMap<>();
        for (Row r : te.collectAsList()) {
            double[] xi = array(r);
            double p = 0;
            for (int j = 0; j < n; j++) {
                p += reluNngp(xi, x[j], 3, 1.3, 0.2) * alpha[j];
            }
            want.put(r.getLong(r.fieldIndex("id")), p);
            scale = Math.max(scale, Math.abs(p));
        }
        assertEquals(want.keySet(), got.keySet());
        for (Map.Entry<Long, Double> e : want.entrySet()) {
            Row g = got.get(e.getKey());
            assertEquals(e.getValue(), g.getDouble(g.fieldIndex("prediction")), 1e-8 * scale, "id " + e.getKey());
        }
        // the saved regressor reloads with the same predictions
        String p = dir.resolve("saved-regressor").toString();
        model.write().overwrite().save(p);
        NtkRegressionModel back = NtkRegressionModel.load(p);
        assertEquals(model.transform(te).orderBy("id").select("prediction").collectAsList(),
                back.transform(te).orderBy("id").select("prediction").collectAsList());
        assertEquals("nngp", back.getKernel());
        assertEquals(Boolean.TRUE, back.fitReport().get("all_converged"));
    }

    /** A Nystrom regressor predicts as `ntk regress --solver nystrom` on the same rows in the same order (the same centres). */
    @Test
    void nystromRegressorMatchesRegressNystrom() throws Exception {
        Dataset<Row> tr = withArray(train.where(functions.col("id").mod(2).equalTo(1)));
        Dataset<Row> te = withArray(test.where(functions.col("id").mod(3).equalTo(1)));
        NtkRegressionModel model = new NtkRegressor().setSolver("nystrom").setCenters(40).setDepth(2).setRidge(1e-2)
                .setTol(1e-10).setLabelCol("y").setFeaturesCol("xs").fit(tr);
        Map<Long, Row> got = byId(model.transform(te));
        String trainPath = dir.resolve("nys-train").toString();
        String testPath = dir.resolve("nys-test").toString();
        // written as fit writes its copy: the same partitions, so the same row order and centres
        tr.select(functions.col("xs").as("features"), functions.col("y"), functions.col("id")).write().parquet(trainPath);
        te.select(functions.col("xs").as("features"), functions.col("y"), functions.col("id")).write().parquet(testPath);
        String out = dir.resolve("nys-out").toString();
        assertEquals(0, Main.run("regress", "--train", trainPath, "--test", testPath, "--label-col", "y", "--id-col", "id",
                "--solver", "nystrom", "--centers", "40", "--depth", "2", "--ridge", "1e-2", "--tol", "1e-10", "--output", out));
        List<Row> reg = spark.read().parquet(out + "/predictions").collectAsList();
        assertEquals(got.size(), reg.size());
        double scale = 0;
        for (Row r : reg) {
            scale = Math.max(scale, Math.abs(r.getDouble(r.fieldIndex("prediction"))));
        }
        for (Row r : reg) {
            Row g = got.get(r.getLong(r.fieldIndex("id")));
            assertEquals(r.getDouble(r.fieldIndex("prediction")), g.getDouble(g.fieldIndex("prediction")), 1e-8 * scale);
        }
        assertEquals("nystrom", model.fitReport().get("solver"));
    }

    static Dataset<Row> withArray(Dataset<Row> df) {
        return df.withColumn("xs", functions.array(functions.col("x0"), functions.col("x1"), functions.col("x2"), functions.col("x3")));
    }

    static double[] array(Row r) {
        return r.<Double>getList(r.fieldIndex("xs")).stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The ReLU NNGP Sigma(L)(a, b) from ntk-math.md (the recursion and the ReLU closed form), written out on its own. */
    static double reluNngp(double[] a, double[] b, int depth, double sw, double beta) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int j = 0; j < a.length; j++) {
            ab += a[j] * b[j];
            aa += a[j] * a[j];
            bb += b[j] * b[j];
        }
        double s2 = sw * sw;
        double c = s2 * ab / a.length + beta * beta;
        double q1 = s2 * aa / a.length + beta * beta;
        double q2 = s2 * bb / a.length + beta * beta;
        for (int l = 1; l < depth; l++) {
            double rho = Math.max(-1, Math.min(1, c / Math.sqrt(q1 * q2)));
            double theta = Math.acos(rho);
            double s = Math.sqrt(Math.max(0, q1 * q2 - c * c));
            c = s2 * (s + (Math.PI - theta) * c) / (2 * Math.PI) + beta * beta;
            q1 = s2 * q1 / 2 + beta * beta;
            q2 = s2 * q2 / 2 + beta * beta;
        }
        return c;
    }

    /**
     * CrossValidator over depth x ridge picks the configuration that brute force on the same folds
     * (the fold column) says is best: for each configuration and fold, a dense NNGP solve written
     * here (closed form, centred one-hot targets, argmax), scored by the same accuracy.
     */
    @Test
    void crossValidatorPicksWhatExplicitFitsSayIsBest() {
        Dataset<Row> data = mixture(160, 5, 1.6);
        Dataset<Row> df = new VectorAssembler().setInputCols(new String[] {"x0", "x1", "x2", "x3"}).setOutputCol("features")
                .transform(data).cache();
        NtkClassifier clf = new NtkClassifier().setKernel("nngp").setBiasStd(0.1);
        ParamMap[] grid = new ParamGridBuilder().addGrid(clf.depth(), new int[] {1, 4})
                .addGrid(clf.ridge(), new double[] {1e-4, 30.0}).build();
        MulticlassClassificationEvaluator eval = new MulticlassClassificationEvaluator().setMetricName("accuracy");
        CrossValidatorModel cv = new CrossValidator().setEstimator(clf).setEstimatorParamMaps(grid).setEvaluator(eval)
                .setNumFolds(2).setFoldCol("fold").fit(df);

        List<Row> rows = df.collectAsList();
        double[] brute = new double[grid.length];
        for (int g = 0; g < grid.length; g++) {
            int depth = (Integer) grid[g].get(clf.depth()).get();
            double ridge = (Double) grid[g].get(clf.ridge()).get();
            for (int f = 0; f < 2; f++) {
                List<Row> fitOn = new ArrayList<>();
                List<Row> evalOn = new ArrayList<>();
                for (Row r : rows) {
                    (r.getInt(r.fieldIndex("fold")) == f ? evalOn : fitOn).add(r);
                }
                brute[g] += denseAccuracy(fitOn, evalOn, depth, ridge) / 2;
            }
        }
        int best = 0;
        for (int g = 1; g < grid.length; g++) {
            if (brute[g] > brute[best]) {
                best = g;
            }
        }
        assertArrayEquals(brute, cv.avgMetrics(), 1e-12, "CrossValidator's average accuracies against brute force");
        assertTrue(Arrays.stream(brute).distinct().count() > 1, "the grid must make a difference: " + Arrays.toString(brute));
        NtkClassificationModel chosen = (NtkClassificationModel) cv.bestModel();
        assertEquals(grid[best].get(clf.depth()).get(), chosen.getDepth());
        assertEquals(grid[best].get(clf.ridge()).get(), chosen.getRidge());
    }

    /** Accuracy on EVAL of NNGP kernel regression fitted on FIT (3 classes, centred one-hot), solved densely here. */
    static double denseAccuracy(List<Row> fit, List<Row> eval, int depth, double ridge) {
        int n = fit.size();
        double[][] x = new double[n][];
        double[] y = new double[n * 3];
        for (int i = 0; i < n; i++) {
            x[i] = ((Vector) fit.get(i).get(fit.get(i).fieldIndex("features"))).toArray();
            int c = fit.get(i).getInt(fit.get(i).fieldIndex("label"));
            for (int j = 0; j < 3; j++) {
                y[i * 3 + j] = (j == c ? 1.0 : 0.0) - 1.0 / 3;
            }
        }
        double[] k = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                k[i * n + j] = reluNngp(x[i], x[j], depth, 1.0, 0.1) + (i == j ? ridge : 0);
            }
        }
        double[] alpha = org.sparkntk.solve.SolversTest.gauss(k, n, y, 3);
        int right = 0;
        for (Row r : eval) {
            double[] xi = ((Vector) r.get(r.fieldIndex("features"))).toArray();
            double[] s = new double[3];
            for (int j = 0; j < n; j++) {
                double kv = reluNngp(xi, x[j], depth, 1.0, 0.1);
                for (int c = 0; c < 3; c++) {
                    s[c] += kv * alpha[j * 3 + c];
                }
            }
            int arg = 0;
            for (int c = 1; c < 3; c++) {
                arg = s[c] > s[arg] ? c : arg;
            }
            right += arg == r.getInt(r.fieldIndex("label")) ? 1 : 0;
        }
        return (double) right / eval.size();
    }

    /** String labels through StringIndexer, and back through IndexToString. */
    @Test
    void stringLabelsWorkThroughStringIndexer() {
        StringIndexer indexer = new StringIndexer().setInputCol("name").setOutputCol("label_index");
        PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {
            indexer,
            new VectorAssembler().setInputCols(new String[] {"x0", "x1", "x2", "x3"}).setOutputCol("features"),
            new NtkClassifier().setLabelCol("label_index").setDepth(2)}).fit(train.drop("label"));
        String[] labels = ((StringIndexerModel) pm.stages()[0]).labelsArray()[0];
        Dataset<Row> out = new IndexToString().setInputCol("prediction").setOutputCol("predicted_name").setLabels(labels)
                .transform(pm.transform(test.drop("label")));
        long right = out.where(functions.col("predicted_name").equalTo(functions.col("name"))).count();
        assertTrue(right > 0.9 * test.count(), right + " of " + test.count());
        Row first = out.first();
        assertEquals(3, ((Vector) first.get(first.fieldIndex("rawPrediction"))).size());
    }

    /** Bad params are accepted by the setters and refused at fit with the CLI's messages; bad labels too. */
    @Test
    void badParamsThrowAtFitWithTheCliMessages() {
        Dataset<Row> df = new VectorAssembler().setInputCols(new String[] {"x0", "x1", "x2", "x3"}).setOutputCol("features")
                .transform(train.where(functions.col("id").lt(100_030)));
        String[][] cases = {
            {"ridge", "'ridge' is -1.0 but must be >= 0 and finite"},
            {"depth", "'depth' is 0 but must be in 1..", "--depth", "0"},
            {"activation", "unknown activation 'rleu'", "--activation", "rleu"},
            {"ridgeScale", "'ridge-scale' is 'sqrt' but must be absolute or trace", "--ridge-scale", "sqrt"},
            {"solver", null, "--solver", "qr"},
            {"centers", "'centers' applies to --solver nystrom only, but the solver is ", "--centers", "5"},
        };
        for (String[] c : cases) {
            NtkClassifier clf = new NtkClassifier();
            switch (c[0]) {
                case "ridge" -> clf.setRidge(-1);
                case "depth" -> clf.setDepth(0);
                case "activation" -> clf.setActivation("rleu");
                case "ridgeScale" -> clf.setRidgeScale("sqrt");
                case "solver" -> clf.setSolver("qr");
                default -> clf.setCenters(5);
            }
            UserError e = assertThrows(UserError.class, () -> clf.fit(df), c[0]);
            if (c[1] != null) {
                assertTrue(e.getMessage().startsWith(c[1]), c[0] + ": " + e.getMessage());
            }
            if (c.length > 2) {
                // the CLI says the same
                String cli = cliError(c[2], c[3]);
                assertTrue(cli.contains(e.getMessage()), c[0] + ": CLI said " + cli + " but fit said " + e.getMessage());
            }
        }
        // labels that are not class indices
        Dataset<Row> half = df.withColumn("label", functions.when(functions.col("id").equalTo(100_007), 1.5)
                .otherwise(functions.col("label").cast("double")));
        UserError e = assertThrows(UserError.class, () -> new NtkClassifier().fit(half));
        assertEquals("label column 'label' holds 1.5; a classifier needs class indices 0, 1, 2, ... (as doubles, Spark's"
                + " convention; index string labels with StringIndexer)", e.getMessage());
        try (Stream<Path> left = Files.list(fitTmp)) {
            assertFalse(left.findAny().isPresent(), "a refused fit leaves no temporary folder");
        } catch (java.io.IOException io) {
            throw new java.io.UncheckedIOException(io);
        }
    }

    /** The CLI's error output for regress with one bad option (it fails before reading any input). */
    static String cliError(String option, String value) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(bos, true));
        try {
            int code = Main.run("regress", "--train", dir.resolve("none").toString(), "--test", dir.resolve("none").toString(),
                    "--label-col", "label", "--output", dir.resolve("cli-out").toString(), option, value);
            assertEquals(2, code, bos.toString());
            return bos.toString();
        } finally {
            System.setErr(old);
        }
    }

    /** A Vector feature column the model was not fitted on is refused with a message naming the lengths. */
    @Test
    void wrongFeatureLengthIsRefused() {
        NtkClassificationModel m = (NtkClassificationModel) pipeline.stages()[2];
        Exception e = assertThrows(Exception.class, () -> m.predict(Vectors.dense(1, 2)));
        assertEquals("the features have 2 values but the model was fitted on 4", e.getMessage());
    }
}
