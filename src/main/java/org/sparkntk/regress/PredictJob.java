package org.sparkntk.regress;

import org.sparkntk.io.JobLabel;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkntk.spec.UserError;

/** {@code ntk predict}: a saved model applied to a test set (test x train tiles streamed, never stored). */
public final class PredictJob {

    private PredictJob() {
    }

    /** Predicts TEST with MODEL into OUT (predictions/, metrics.json last). */
    public static Map<String, Object> run(SparkSession spark, String modelDir, String testPath, String out, boolean overwrite)
            throws IOException {
        Consumer<String> log = RegressJob.stdoutLog("predict: ");
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        RegressJob.checkOutput(conf, out, overwrite, RegressJob.METRICS_JSON);
        ModelStore.Model model = ModelStore.read(conf, modelDir);
        int k = model.targets().width();
        if ("nystrom".equals(model.json().get("solver"))) {
            return runNystrom(spark, model, modelDir, testPath, out, k, t0, log);
        }
        LabeledData train = LabeledData.load(spark, model.trainPath(), "the model's training input", model.featuresCol(),
                model.idCol(), List.of(), false, model.blockSize(), model.normalizer());
        LabeledData test = null;
        try {
            if (train.d() != model.d()) {
                throw new UserError("the model's training input '" + model.trainPath() + "' now has " + train.d()
                        + " features per row, the model was made with " + model.d());
            }
            double[] alpha = ModelStore.coefficients(spark, modelDir, train, k);
            test = LabeledData.load(spark, testPath, "--test", model.featuresCol(), model.idCol(), model.labelCols(), false,
                    model.blockSize(), model.normalizer());
            if (test.d() != train.d()) {
                throw new UserError("the model was trained on " + train.d() + " features per row but --test has " + test.d()
                        + "; both sets must have the same feature dimension");
            }
            double read = Fitter.seconds(t0);
            long t1 = System.nanoTime();
            LabeledData testSet = test;
            LabeledData trainSet = train;
            double[] scores = JobLabel.call(jsc.sc(), "predict: test x train tiles, streamed",
                    () -> KernelTiles.predict(jsc, testSet.blocks(), trainSet.blocks(), model.spec(), model.kind(), alpha, k,
                            testSet.n(), testSet.blockSize(), Math.max(2, 2 * jsc.defaultParallelism())));
            double pred = Fitter.seconds(t1);
            long t2 = System.nanoTime();
            return finish(spark, conf, model, modelDir, out, test, scores, k, train.n(), train.d(), List.of(), read, pred, t0, t2, log);
        } finally {
            train.release();
            if (test != null) {
                test.release();
            }
        }
    }

    /** A Nystrom model: scores K(T, C) beta from the stored centres; the training input is not read. */
    private static Map<String, Object> runNystrom(SparkSession spark, ModelStore.Model model, String modelDir, String testPath,
                                                  String out, int k, long t0, Consumer<String> log) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Map.Entry<Centers, double[]> cb = ModelStore.centers(spark, modelDir, model);
        Centers c = cb.getKey();
        LabeledData test = LabeledData.load(spark, testPath, "--test", model.featuresCol(), model.idCol(), model.labelCols(), false,
                model.blockSize(), model.normalizer());
        try {
            if (test.d() != c.d()) {
                throw new UserError("the model was trained on " + c.d() + " features per row but --test has " + test.d()
                        + "; both sets must have the same feature dimension");
            }
            double read = Fitter.seconds(t0);
            long t1 = System.nanoTime();
            double[] scores = JobLabel.call(jsc.sc(), "predict: test x centre tiles, streamed",
                    () -> NystromOperator.predict(jsc, test.blocks(), c.block(), model.spec(), model.kind(), cb.getValue(), k, test.n()));
            double pred = Fitter.seconds(t1);
            long t2 = System.nanoTime();
            return finish(spark, conf, model, modelDir, out, test, scores, k, model.n(), c.d(), List.of("centers"), read, pred, t0, t2,
                    log);
        } finally {
            test.release();
        }
    }

    /**
     * Writes the predictions and OUT/metrics.json (last) of a predict run: quality, the model's
     * kernel, ridge and solve report (plus {@code extraKeys} of model.json), and the wall time.
     */
    private static Map<String, Object> finish(SparkSession spark, Configuration conf, ModelStore.Model model, String modelDir,
                                              String out, LabeledData test, double[] scores, int k, long nTrain, int d,
                                              List<String> extraKeys, double read, double pred, long t0, long t2,
                                              Consumer<String> log) throws IOException {
        Map<String, Object> quality = Outputs.writePredictions(spark, out, test, model.targets(), model.labelCols(),
                model.labelTypes(), scores, k);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", model.targets().task().toString());
        m.put("n_train", nTrain);
        m.put("n_test", test.n());
        m.put("d", d);
        m.putAll(quality);
        m.put("model", modelDir);
        m.put("kernel", model.json().get("kernel"));
        m.put("ridge", model.json().get("ridge"));
        List<String> keys = new java.util.ArrayList<>(List.of("solver", "solver_reason", "preconditioner", "iterations",
                "converged", "relative_residual", "jitter"));
        keys.addAll(extraKeys);
        for (String key : keys) {
            m.put(key, model.json().get(key));
        }
        if (model.json().containsKey("solver_method")) {
            m.put("solver_method", model.json().get("solver_method"));
        }
        Map<String, Double> w = new LinkedHashMap<>();
        w.put("read_seconds", read);
        w.put("predict_seconds", pred);
        w.put("write_seconds", Fitter.seconds(t2));
        w.put("total_seconds", Fitter.seconds(t0));
        m.put("wall_seconds", w);
        Outputs.writeJson(conf, new Path(out, RegressJob.METRICS_JSON), m);
        RegressJob.printSummary(m, log);
        return m;
    }
}
