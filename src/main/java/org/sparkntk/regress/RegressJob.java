package org.sparkntk.regress;

import org.sparkntk.io.JobLabel;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.storage.StorageLevel;
import org.sparkntk.spec.UserError;
import org.sparkntk.tile.TileKernels;
import org.sparkntk.solve.Targets;
import org.sparkntk.solve.TaskChoice;

/**
 * {@code ntk regress}: kernel ridge regression with the NTK or NNGP (ntk-math.md, "Kernel
 * regression"): f(X*) = K(X*, X) (K(X, X) + lambda I)^-1 Y. Reads and validates both sets before
 * anything is written; OUT/metrics.json is written last and marks a complete output.
 */
public final class RegressJob {

    /** The file whose presence marks a complete output. */
    public static final String METRICS_JSON = "metrics.json";
    /** The fitted model inside a regress output (usable with {@code ntk predict --model OUT/model}). */
    public static final String MODEL_DIR = "model";

    private RegressJob() {
    }

    /** Logs with a timestamp to stdout. */
    public static Consumer<String> stdoutLog(String prefix) {
        return s -> System.out.println(Instant.now().toString().substring(11, 19) + " " + prefix + s);
    }

    /** Targets from the training labels; checks nulls/NaN, the number of classes and the label types. */
    public static Targets targets(LabeledData train, TaskChoice task, List<String> labelCols) {
        return targets(train.labelTypes(), train.labels(), train.ids(), task, labelCols);
    }

    /** As {@link #targets(LabeledData, String, List)} on labels and ids in row order. */
    public static Targets targets(List<DataType> types, List<Object[]> labels, List<Object> ids, TaskChoice task, List<String> labelCols) {
        boolean classify;
        if (task == TaskChoice.CLASSIFICATION) {
            classify = true;
        } else if (task == TaskChoice.REGRESSION) {
            classify = false;
        } else {
            classify = labelCols.size() == 1 && (types.get(0) instanceof IntegralType || types.get(0).equals(DataTypes.StringType));
        }
        if (classify) {
            if (labelCols.size() != 1) {
                throw new UserError("classification takes one label column, got " + labelCols + "; use --task regression for multi-output");
            }
            DataType t = types.get(0);
            if (!(t instanceof IntegralType || t.equals(DataTypes.StringType))) {
                throw new UserError("label column '" + labelCols.get(0) + "' has type " + t.simpleString()
                        + "; classification needs integral or string labels");
            }
            List<Object> ls = new ArrayList<>();
            for (int i = 0; i < labels.size(); i++) {
                Object l = labels.get(i)[0];
                if (l == null) {
                    throw new UserError("label column '" + labelCols.get(0) + "' is null for training row with id "
                            + ids.get(i) + "; every training row needs a label");
                }
                ls.add(l);
            }
            return Targets.classification(ls, labelCols.get(0));
        }
        for (int j = 0; j < labelCols.size(); j++) {
            DataType t = types.get(j);
            if (!(t instanceof org.apache.spark.sql.types.NumericType)) {
                throw new UserError("label column '" + labelCols.get(j) + "' has type " + t.simpleString()
                        + "; regression needs numeric columns");
            }
        }
        return Targets.regression(labelCols);
    }

    /** Right-hand sides Y (row-major N x k), refusing null and NaN/Inf labels with the row id. */
    public static double[] rhs(LabeledData train, Targets targets, List<String> labelCols) {
        return rhs(train.labels(), train.ids(), targets, labelCols);
    }

    /** As {@link #rhs(LabeledData, Targets, List)} on labels and ids in row order. */
    public static double[] rhs(List<Object[]> labels, List<Object> ids, Targets targets, List<String> labelCols) {
        int n = labels.size();
        if (targets.task() == Targets.Task.CLASSIFICATION) {
            List<Object> ls = new ArrayList<>(n);
            for (Object[] l : labels) {
                ls.add(l[0]);
            }
            return targets.encode(ls, labelCols.get(0));
        }
        int k = labelCols.size();
        double[] y = new double[n * k];
        for (int i = 0; i < n; i++) {
            Object[] ls = labels.get(i);
            for (int c = 0; c < k; c++) {
                if (ls[c] == null) {
                    throw new UserError("label column '" + labelCols.get(c) + "' is null for training row with id " + ids.get(i));
                }
                double v = ((Number) ls[c]).doubleValue();
                if (!Double.isFinite(v)) {
                    throw new UserError("label column '" + labelCols.get(c) + "' is " + v + " for training row with id "
                            + ids.get(i) + "; labels must be finite");
                }
                y[i * k + c] = v;
            }
        }
        return y;
    }

    /** Refuses an existing complete output unless overwrite; an incomplete one is reused (resume). */
    static void checkOutput(Configuration conf, String out, boolean overwrite, String marker) throws IOException {
        Path p = new Path(out);
        FileSystem fs = p.getFileSystem(conf);
        if (fs.exists(new Path(p, marker)) && !overwrite) {
            throw new UserError("'" + out + "' already holds a result (" + marker + "); pass --overwrite to replace it");
        }
        if (fs.exists(p) && !fs.getFileStatus(p).isDirectory()) {
            throw new UserError("'" + out + "' exists and is not a directory");
        }
    }

    /**
     * Runs the whole regression and returns the metrics written. The steps: read both sets, their
     * targets, fit (an in-memory {@link Fitted} model), predict the test set, write OUT.
     */
    public static Map<String, Object> run(SparkSession spark, RegressRequest req) throws IOException {
        Consumer<String> log = stdoutLog("regress: ");
        long tStart = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        checkOutput(conf, req.output(), req.overwrite(), METRICS_JSON);
        Map<String, Double> timings = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        LabeledData train = readTrain(spark, req);
        LabeledData test = null;
        try {
            test = readTest(spark, req, train);
            Targets targets = targets(req, train, test);
            timings.put("read_seconds", Fitter.seconds(t0));
            log.accept(String.format(Locale.ROOT, "train N = %d, test = %d, d = %d, task %s, outputs %d%s", train.n(), test.n(),
                    train.d(), targets.task(), targets.width(), targets.task() == Targets.Task.CLASSIFICATION
                            ? " (classes " + targets.classes() + ")" : ""));
            Fitted f = fit(spark, req, train, targets, timings, log);
            double[] scores = predict(spark, f, test, timings, log);
            return write(spark, f, test, scores, timings, tStart, log);
        } finally {
            train.release();
            if (test != null) {
                test.release();
            }
        }
    }

    /**
     * Local mode, before the SparkSession exists: starts reading --train and --test on a thread
     * beside Spark's start-up. {@link #readTrain} and {@link #readTest}
     * take what was read when the files and columns are the ones they would read.
     */
    public static void prefetch(RegressRequest req) {
        if (!org.sparkntk.gram.ParquetScan.enabled()) {
            return;
        }
        Configuration conf = new Configuration();
        ParquetRows.prefetch(conf, req.train(), req.featuresCol(), req.idCol(), req.labelCols());
        if (req.test() != null && !req.test().equals(req.train())) {
            ParquetRows.prefetch(conf, req.test(), req.featuresCol(), req.idCol(), req.labelCols());
        }
    }

    /** Drops what {@link #prefetch} read and no step took (a run refused before its read). */
    public static void dropPrefetches() {
        ParquetRows.dropPrefetches();
    }

    /** Step 1a: reads and validates --train (the caller releases it). */
    public static LabeledData readTrain(SparkSession spark, RegressRequest req) {
        return JobLabel.call(spark.sparkContext(), "regress: read --train", () -> LabeledData.load(spark, req.train(), "--train",
                req.featuresCol(), req.idCol(), req.labelCols(), true, req.blockSize(), req.normalize()));
    }

    /** Step 1b: reads --test with the training set's normalizer and checks its dimension. */
    static LabeledData readTest(SparkSession spark, RegressRequest req, LabeledData train) {
        LabeledData test = JobLabel.call(spark.sparkContext(), "regress: read --test", () -> LabeledData.load(spark, req.test(),
                "--test", req.featuresCol(), req.idCol(), req.labelCols(), false, req.blockSize(), train.normalizer()));
        if (test.d() != train.d()) {
            test.release();
            throw new UserError("--train has " + train.d() + " features per row but --test has " + test.d()
                    + "; both sets must have the same feature dimension");
        }
        return test;
    }

    /** Step 2: the targets of the training labels, and a test set's label types checked against them (test may be null). */
    public static Targets targets(RegressRequest req, LabeledData train, LabeledData test) {
        Targets targets = targets(train, req.task(), req.labelCols());
        if (test != null && test.hasLabels() && targets.task() == Targets.Task.CLASSIFICATION) {
            for (int j = 0; j < req.labelCols().size(); j++) {
                DataType tt = test.labelTypes().get(j);
                DataType tr = train.labelTypes().get(j);
                if ((tt instanceof IntegralType) != (tr instanceof IntegralType)) {
                    throw new UserError("label column '" + req.labelCols().get(j) + "' is " + tr.simpleString() + " in --train but "
                            + tt.simpleString() + " in --test");
                }
            }
        }
        return targets;
    }

    /**
     * Step 3: solves for the coefficients (the exact solvers, or Nystrom when the request has centres)
     * and returns the fitted model in memory; the kernel tiles cached for the solve are released.
     */
    public static Fitted fit(SparkSession spark, RegressRequest req, LabeledData train, Targets targets,
                             Map<String, Double> timings, Consumer<String> log) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        double[] y = rhs(train, targets, req.labelCols());
        int k = targets.width();
        int n = (int) train.n();
        if (n != train.n()) {
            throw new UserError("--train has " + train.n() + " rows; at most " + Integer.MAX_VALUE + " are supported");
        }
        if (req.nystrom() != null) {
            return NystromJob.fit(spark, req, train, targets, y, k, timings, log);
        }
        // early refusal: an explicit cholesky that cannot fit
        if (req.solver() == SolverChoice.Kind.CHOLESKY) {
            new org.sparkntk.solve.CholeskySolver(req.maxDriverBytes(), log).checkFits(n, k);
        }
        SolverChoice choice = SolverChoice.resolve(req.solver(), n, k, req.maxDriverBytes());
        boolean dense = choice.kind() == SolverChoice.Kind.CHOLESKY;
        MemoryPlan plan = MemoryPlan.plan(n, k, req.blockSize(), dense, req.matrixFree(), req.cachePrecision(),
                req.preconditionerRank(), ClusterMemory.probe(spark.sparkContext()));
        for (String line : plan.lines()) {
            log.accept(line);
        }
        Fitter.Options fo = new Fitter.Options(req.ridge(), req.solver(), req.tol(), req.maxIter(), req.preconditionerRank(),
                req.checkpointEvery(), req.maxDriverBytes(), req.output(), !req.matrixFree(), req.cachePrecision())
                .resolved(targets.task() == Targets.Task.CLASSIFICATION, plan.rank());

        long t1 = System.nanoTime();
        int nb = (n + req.blockSize() - 1) / req.blockSize();
        // a few tiles per task: even waves across the cores, and progress in steps of a few percent
        int partitions = Math.max(jsc.defaultParallelism(), Math.min(nb * (nb + 1) / 2, 16 * jsc.defaultParallelism()));
        JavaRDD<TileBlock> tiles = null;
        try {
            // the dense solve takes the trace from K's own diagonal once assembled: no job for it
            double[] diag = dense ? null : JobLabel.call(jsc.sc(), "regress: kernel diagonal",
                    () -> KernelTiles.diagonal(train.blocks(), req.spec(), req.kind(), n));
            JavaRDD<FeatureBlock[]> pairs = KernelTiles.blockPairs(train.blocks(), partitions);
            // the dense solve copies each tile into K at once: views of the tasks' transient tiles
            tiles = dense ? KernelTiles.tileViews(pairs, req.spec(), req.kind())
                    : KernelTiles.tiles(pairs, req.spec(), req.kind(), plan.cachePrecision() == null
                    ? org.sparkntk.spec.Precision.FLOAT64 : plan.cachePrecision());
            if (dense) {
                // the dense solve copies each tile into K on the driver as it is computed: no cache
                log.accept("kernel: " + nb * (nb + 1) / 2 + " tiles computed while K is assembled on the driver");
            } else if (!req.matrixFree()) {
                JavaRDD<TileBlock> cached = tiles.persist(StorageLevel.MEMORY_AND_DISK());
                tiles = cached;
                try (Progress p = Progress.start(jsc, "kernel tiles", log)) {
                    JobLabel.call(jsc.sc(), "regress: " + req.kind().label() + " tiles (" + nb * (nb + 1) / 2 + ")", cached::count);
                }
                log.accept(String.format(Locale.ROOT, "kernel: %d tiles of %d x %d computed and cached (%s, %s) in %.1f s%s",
                        nb * (nb + 1) / 2, req.blockSize(), req.blockSize(),
                        plan.cachePrecision() == null ? "float64" : plan.cachePrecision().label(),
                        MemoryPlan.gb(plan.cachePrecision() == null ? 8 * MemoryPlan.upperTriangleValues(n, req.blockSize())
                                : plan.cacheBytes()), Fitter.seconds(t1), spilled(spark, tiles)));
            } else {
                log.accept("kernel: matrix-free, tiles recomputed on every pass");
            }
            if (!dense) {
                org.sparkntk.spec.Precision stored = plan.cachePrecision() == null ? org.sparkntk.spec.Precision.FLOAT64
                        : plan.cachePrecision();
                log.accept("kernel: passes over K through the panel product " + TileKernels.panelProduct(stored).name()
                        + " (" + stored.label() + " tiles)");
            }
            timings.put("kernel_seconds", Fitter.seconds(t1));

            Fitter.Fit fit = Fitter.fit(jsc, tiles, n, req.blockSize(), diag, y, k, fo, choice, log);
            timings.putAll(fit.timings());
            return new Fitted(req, train, targets, fit, null, plan, fo.tol(), fo.maxIter());
        } finally {
            if (tiles != null) {
                tiles.unpersist(false);
            }
        }
    }

    /** Step 4: the scores K(test, X) alpha (row-major nTest x k), streamed from test x train (or test x centre) tiles. */
    public static double[] predict(SparkSession spark, Fitted f, LabeledData test, Map<String, Double> timings,
                                   Consumer<String> log) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        RegressRequest req = f.req();
        int k = f.k();
        long t2 = System.nanoTime();
        double[] scores;
        if (f.nystrom()) {
            scores = JobLabel.call(jsc.sc(), "nystrom: predict (test x centre tiles, streamed)",
                    () -> NystromOperator.predict(jsc, test.blocks(), f.centers().block(), req.spec(), req.kind(), f.fit().alpha(), k,
                            test.n()));
        } else {
            int nb = (int) ((f.train().n() + req.blockSize() - 1) / req.blockSize());
            int tb = (int) ((test.n() + test.blockSize() - 1) / test.blockSize());
            int tp = Math.max(jsc.defaultParallelism(), Math.min(tb * nb, 16 * jsc.defaultParallelism()));
            try (Progress p = Progress.start(jsc, "predict", log)) {
                scores = JobLabel.call(jsc.sc(), "regress: predict (test x train tiles, streamed)",
                        () -> KernelTiles.predict(jsc, test.blocks(), f.train().blocks(), req.spec(), req.kind(), f.fit().alpha(), k,
                                test.n(), test.blockSize(), tp));
            }
        }
        timings.put("predict_seconds", Fitter.seconds(t2));
        return scores;
    }

    /** Step 5: OUT/predictions, the model, convergence.png (exact solvers) and metrics.json last; returns the metrics. */
    static Map<String, Object> write(SparkSession spark, Fitted f, LabeledData test, double[] scores, Map<String, Double> timings,
                                     long tStart, Consumer<String> log) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        RegressRequest req = f.req();
        LabeledData train = f.train();
        Targets targets = f.targets();
        int k = f.k();
        long t3 = System.nanoTime();
        Map<String, Object> quality = Outputs.writePredictions(spark, req.output(), test, targets, req.labelCols(),
                train.labelTypes(), scores, k);
        timings.put("write_seconds", Fitter.seconds(t3));
        timings.put("total_seconds", Fitter.seconds(tStart));

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", targets.task().toString());
        m.put("n_train", (int) train.n());
        m.put("n_test", test.n());
        m.put("d", train.d());
        m.putAll(quality);
        if (targets.task() == Targets.Task.CLASSIFICATION) {
            m.put("classes", targets.classes());
            m.put("encoding", "centred one-hot: 1 - 1/C for the class, -1/C otherwise; prediction = argmax of scores");
        } else {
            m.put("outputs", req.labelCols());
        }
        m.put("kernel", kernelMap(req));
        m.put("ridge", Map.of("value", req.ridge().value(), "scale", req.ridge().scale().toString(), "lambda", f.fit().lambda(),
                "trace_over_n", f.fit().trace() / train.n()));
        m.putAll(solverMap(f.fit()));
        if (f.nystrom()) {
            m.put("nystrom", NystromJob.nystromMap(req.nystrom(), f.fit().result().jitter()));
        }
        m.put("tol", f.tol());
        m.put("max_iter", f.maxIter());
        m.put("memory_plan", f.plan().toMap());
        m.put("train", req.train());
        m.put("test", req.test());
        m.put("wall_seconds", timings);
        m.put("spark_ntk_version", org.sparkntk.spec.BuildInfo.version());
        String modelDir = new Path(req.output(), MODEL_DIR).toString();
        if (f.nystrom()) {
            ModelStore.writeNystrom(spark, modelDir, f.modelInfo("computed by regress from --train and the centres"), f.fit(),
                    f.centers());
        } else {
            ModelStore.write(spark, modelDir, f.modelInfo("computed by regress from --train"), f.fit());
            Fitter.writeConvergence(conf, req.output(), f.fit(), targets, req.labelCols());
        }
        Outputs.writeJson(conf, new Path(req.output(), METRICS_JSON), m);
        Checkpoints.clear(conf, req.output());
        printSummary(m, log);
        return m;
    }

    /** ", N GB spilled to disk" when the cached RDD did not stay in memory, else "". */
    static String spilled(SparkSession spark, JavaRDD<?> rdd) {
        for (org.apache.spark.storage.RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
            if (info.id() == rdd.id() && info.diskSize() > 0) {
                String w = String.format(Locale.ROOT, "%.2f GB of the kernel cache spilled to disk: every pass reads it back;"
                        + " use --cache-precision float32 or give the executors more memory", info.diskSize() / 1e9);
                org.apache.logging.log4j.LogManager.getLogger(RegressJob.class).warn(w);
                return "; WARNING " + w;
            }
        }
        return "; all in memory";
    }

    static Map<String, Object> kernelMap(RegressRequest req) {
        Map<String, Object> k = ModelStore.kernelMap(req.spec(), req.kind(), req.blockSize());
        k.put("matrix_free", req.matrixFree());
        return k;
    }

    static Map<String, Object> solverMap(Fitter.Fit fit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("solver", fit.choice().kind().toString());
        m.put("solver_reason", fit.choice().reason());
        m.put("solver_method", fit.result().solver());
        m.put("preconditioner", fit.preconditioner());
        m.put("iterations", fit.result().iterations());
        m.put("passes_over_k", fit.passes());
        m.put("converged", fit.result().converged());
        m.put("all_converged", fit.result().allConverged());
        m.put("relative_residual", fit.result().relativeResidual());
        m.put("jitter", fit.result().jitter());
        return m;
    }

    static void printSummary(Map<String, Object> m, Consumer<String> log) {
        StringBuilder sb = new StringBuilder("done: ");
        if (m.containsKey("accuracy")) {
            sb.append(String.format(Locale.ROOT, "accuracy %.4f", (Double) m.get("accuracy")));
        } else if (m.containsKey("rmse")) {
            sb.append("rmse ").append(m.get("rmse")).append(", r2 ").append(m.get("r2"));
        } else {
            sb.append("(test set has no labels)");
        }
        boolean all = true;
        Object conv = m.get("converged"); // boolean[] after a solve, a JSON list when predict reports a model's
        if (conv instanceof boolean[] bs) {
            for (boolean c : bs) {
                all &= c;
            }
        } else if (conv instanceof List<?> l) {
            for (Object c : l) {
                all &= Boolean.TRUE.equals(c);
            }
        }
        sb.append(", solver ").append(m.get("solver")).append(", iterations ").append(m.get("iterations"))
                .append(all ? ", converged" : ", NOT CONVERGED (see the warning above)")
                .append(", wall ").append(m.get("wall_seconds"));
        log.accept(sb.toString());
    }
}
