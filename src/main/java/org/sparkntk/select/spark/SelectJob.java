package org.sparkntk.select.spark;

import org.sparkntk.io.JobLabel;

import dev.ludovic.netlib.lapack.LAPACK;
import java.io.IOException;
import java.io.OutputStream;
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
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.chart.LineChart;
import org.sparkntk.io.HadoopConf;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.regress.FeatureBlock;
import org.sparkntk.regress.KernelTiles;
import org.sparkntk.regress.LabeledData;
import org.sparkntk.regress.MemoryPlan;
import org.sparkntk.regress.Outputs;
import org.sparkntk.regress.RegressJob;
import org.sparkntk.regress.RegressRequest;
import org.sparkntk.regress.SolverChoice;
import org.sparkntk.select.Evaluator;
import org.sparkntk.select.Folds;
import org.sparkntk.select.Metric;
import org.sparkntk.select.Protocol;
import org.sparkntk.select.SelectSpec;
import org.sparkntk.select.Selection;
import org.sparkntk.select.SymmetricEigen;
import org.sparkntk.solve.Ridge;
import org.sparkntk.solve.Targets;
import org.sparkntk.spec.UserError;

/**
 * {@code ntk select}: scores every (weight std, bias std, kernel, depth, ridge) of a grid with
 * one kernel pass per (weight std, bias std) and one eigendecomposition per (kernel, depth) (per
 * fold for K-fold/holdout), writes OUT/selection/ (Parquet), OUT/selection.png and, last,
 * OUT/selection.json. docs/select.md; the output contract is in docs/format.md.
 */
public final class SelectJob {

    /** The file whose presence marks a complete output. */
    public static final String SELECTION_JSON = "selection.json";
    /** The Parquet table of all configurations. */
    public static final String SELECTION_DIR = "selection";
    /** The picture. */
    public static final String SELECTION_PNG = "selection.png";
    /** Staging for the kernel slices (deleted at the end). */
    static final String STAGING = "_select_tiles";
    /** dsyevd's integer workspace bound: 2 n^2 + 6 n + 1 must stay below 2^31. */
    public static final int MAX_EIGEN_ROWS = 32_000;

    private final SparkSession spark;
    private final SelectSpec s;
    private final JavaSparkContext jsc;
    private final Configuration conf;
    private final Consumer<String> log;
    private final Path staging;
    private final Map<String, Double> timings = new LinkedHashMap<>();
    // what the run holds and releases in run()'s finally (or deletes when it fails)
    private FileSystem fs;
    private boolean outExisted;
    private LabeledData train;
    private LabeledData val;
    private JavaRDD<FeatureBlock> kept;
    private JavaRDD<FeatureBlock[]> pairs;

    private SelectJob(SparkSession spark, SelectSpec s) {
        this.log = RegressJob.stdoutLog("select: ");
        this.spark = spark;
        this.s = s;
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.conf = spark.sparkContext().hadoopConfiguration();
        this.staging = new Path(s.output(), STAGING);
    }

    /** Bytes the driver holds at once for m rows in the matrix and a decomposition of nt rows with nh held out. */
    public static long driverBytes(long m, long nt, long nh, boolean inPlace) {
        long dense = 8 * m * m;
        long work = 8 * SymmetricEigen.workspaceDoubles(nt);
        long copy = inPlace ? 0 : 8 * (nt * nt + 2 * nh * nt);
        return dense + work + copy;
    }

    /** Driver bytes for a protocol with nTrain selection rows and nVal validation rows. */
    static long driverBytes(Protocol p, long nTrain, long nVal) {
        return switch (p.kind()) {
            case LOO -> driverBytes(nTrain, nTrain, 0, true);
            case KFOLD -> driverBytes(nTrain, nTrain - nTrain / p.folds(), (nTrain + p.folds() - 1) / p.folds(), false);
            case HOLDOUT -> driverBytes(nTrain, nTrain, Math.round(p.fraction() * nTrain), false);
            case VALIDATION -> driverBytes(nTrain + nVal, nTrain, nVal, false);
        };
    }

    /** The largest number of training rows whose matrices fit in {@code budget} bytes. */
    static int maxRowsFitting(Protocol p, long nVal, long budget) {
        int lo = 0;
        int hi = MAX_EIGEN_ROWS;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (driverBytes(p, mid, nVal) <= budget) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    static void checkOutput(Configuration conf, String out, boolean overwrite) throws IOException {
        Path p = new Path(out);
        FileSystem fs = p.getFileSystem(conf);
        if (fs.exists(p) && !fs.getFileStatus(p).isDirectory()) {
            throw new UserError("'" + out + "' exists and is not a directory");
        }
        if (fs.exists(p) && !overwrite) {
            throw new UserError("'" + out + "' already exists; pass --overwrite to replace it");
        }
    }

    /** Runs the selection and returns selection.json's content. */
    public static Map<String, Object> run(SparkSession spark, SelectSpec s) throws IOException {
        return new SelectJob(spark, s).run();
    }

    /**
     * The selection as its plan: check the output and the grid, read the sets and subsample the
     * training rows the driver can factor, lay out the blocks, one kernel pass per (weight std,
     * bias std) scored per (kernel, depth), choose, write selection/ and the picture, then
     * selection.json last (after the optional refit). Nothing is published on failure.
     */
    private Map<String, Object> run() throws IOException {
        long tStart = System.nanoTime();
        checkOutput(conf, s.output(), s.overwrite());
        List<NetworkSpec> specs = networks(s);
        long t0 = System.nanoTime();
        train = JobLabel.call(jsc.sc(), "select: read --train", () -> LabeledData.load(spark, s.train(), "--train",
                s.featuresCol(), s.idCol(), s.labelCols(), true, s.blockSize(), s.normalize()));
        fs = staging.getFileSystem(conf);
        outExisted = fs.exists(new Path(s.output()));
        try {
            readValidation();
            Labels labels = labels();
            Sample sample = subsample(labels);
            Problem problem = problem(labels, sample);
            Layout layout = layout(sample);
            timings.put("read_seconds", seconds(t0));
            LAPACK lapack = SymmetricEigen.lapack();
            logPlan(labels, sample, layout, specs.size(), lapack);
            deleteOldOutput();
            logEstimate(sample.m(), specs.size(), lapack);
            Scores scores = scoreGrid(specs, problem, layout, lapack);
            Selection.Row best = choose(scores.rows, problem.metric());
            writeTableAndPicture(scores.rows, problem.metric());
            Map<String, Object> out = summary(best, labels, sample, scores, lapack);
            if (s.refit()) {
                long tr = System.nanoTime();
                out.put("refit", refit(spark, s, best, log));
                timings.put("refit_seconds", seconds(tr));
            }
            timings.put("total_seconds", seconds(tStart));
            out.put("wall_seconds", timings);
            out.put("spark_ntk_version", org.sparkntk.spec.BuildInfo.version());
            Outputs.writeJson(conf, new Path(s.output(), SELECTION_JSON), out);
            logBest(best, problem.metric(), scores.rows.size(), tStart, scores.eigenSec);
            return out;
        } catch (RuntimeException | IOException e) {
            if (!outExisted) {
                fs.delete(new Path(s.output()), true); // nothing published on failure
            } else {
                fs.delete(staging, true);
            }
            throw e;
        } finally {
            if (pairs != null) {
                pairs.unpersist(false);
            }
            if (kept != null && kept != train.blocks()) {
                kept.unpersist(false);
            }
            train.release();
            if (val != null) {
                val.release();
            }
        }
    }

    /** The labels of the training set as targets, the metric, and the validation set's targets (null without one). */
    private record Labels(Targets targets, boolean classify, Metric metric, double[] yAll, int[] classAll, int k, int n, int nVal,
            double[] yVal) {
    }

    /** The m training rows selected on ({@code keep}, sorted), why so many, and the driver bytes they take. */
    private record Sample(int m, String reason, int[] keep, long driverBytes) {
    }

    /** What the evaluator scores: targets (and classes) of the m kept rows followed by the validation rows. */
    private record Problem(int m, int total, double[] y, int[] cls, int k, Metric metric) {
    }

    /** The blocks of the kept rows followed by the validation blocks, their layout by index, and the staging per kernel pass. */
    private record Layout(JavaRDD<FeatureBlock> blocks, List<KernelSlices.BlockInfo> infos, long stagingBytes) {
        int tiles() {
            return infos.size() * (infos.size() + 1) / 2;
        }
    }

    /** The grid's rows and the time and work spent on them. */
    private static final class Scores {
        final List<Selection.Row> rows = new ArrayList<>();
        double kernelSec;
        double assembleSec;
        double eigenSec;
        double scoreSec;
        long eigenFlops;
        int eigens;
    }

    /** Every network of the grid, built (and so validated) before any data is read. */
    private static List<NetworkSpec> networks(SelectSpec s) {
        List<NetworkSpec> specs = new ArrayList<>();
        String depthList = String.join(",", s.depths().stream().map(String::valueOf).toList());
        for (double w : s.weightStds()) {
            for (double b : s.biasStds()) {
                specs.add(KernelConfig.of(s.activation(), null, depthList, w, b, null, null, null).kernel().network());
            }
        }
        return specs;
    }

    /** Reads --validation (normalized as --train) when the protocol asks for it; the feature dimensions must agree. */
    private void readValidation() {
        if (s.protocol().kind() != Protocol.Kind.VALIDATION) {
            return;
        }
        val = JobLabel.call(jsc.sc(), "select: read --validation", () -> LabeledData.load(spark, s.protocol().validation(),
                "--validation", s.featuresCol(), s.idCol(), s.labelCols(), true, s.blockSize(), train.normalizer()));
        if (val.d() != train.d()) {
            throw new UserError("--train has " + train.d() + " features per row but --validation has " + val.d()
                    + "; both sets must have the same feature dimension");
        }
    }

    /** Targets and metric from the training labels; validation labels must be among the training classes. */
    private Labels labels() {
        Targets targets = RegressJob.targets(train, s.task(), s.labelCols());
        boolean classify = targets.task() == Targets.Task.CLASSIFICATION;
        Metric metric = Metric.forTask(s.metric(), classify);
        double[] yAll = RegressJob.rhs(train, targets, s.labelCols());
        int k = targets.width();
        int n = (int) train.n();
        s.protocol().checkRows(n);
        int nVal = val == null ? 0 : (int) val.n();
        double[] yVal = null;
        if (val != null) {
            if (classify) {
                checkValidationClasses(targets, nVal);
            }
            yVal = RegressJob.rhs(val, targets, s.labelCols());
        }
        int[] classAll = classify ? classes(yAll, k) : null;
        return new Labels(targets, classify, metric, yAll, classAll, k, n, nVal, yVal);
    }

    private void checkValidationClasses(Targets targets, int nVal) {
        for (int i = 0; i < nVal; i++) {
            Object l = val.labels().get(i)[0];
            if (l == null || targets.classIndex(Targets.normalize(l, s.labelCols().get(0), i)) < 0) {
                throw new UserError("--validation row with id " + val.ids().get(i) + " has label " + l
                        + ", not among the training classes " + targets.classes());
            }
        }
    }

    /** How many training rows the driver can factor (or --max-rows, refused when it does not fit), and which (stratified for classes). */
    private Sample subsample(Labels labels) {
        int n = labels.n();
        int nVal = labels.nVal();
        long budget = s.maxDriverBytes();
        int fit = maxRowsFitting(s.protocol(), nVal, budget);
        int m;
        String subsampleReason;
        if (s.maxRows() != null) {
            if (driverBytes(s.protocol(), Math.min(s.maxRows(), n), nVal) > budget || Math.min(s.maxRows(), n) > MAX_EIGEN_ROWS) {
                throw new UserError(String.format(Locale.ROOT, "'max-rows' is %d but the driver can factor the kernel of at most %d"
                                + " training rows here (%s of %s for the dense matrix and the eigendecomposition's workspace%s);"
                                + " lower --max-rows or give the driver more memory (NTK_JAVA_OPTS=-Xmx...)", s.maxRows(), fit,
                        gb(driverBytes(s.protocol(), Math.min(s.maxRows(), n), nVal)), gb(budget),
                        nVal > 0 ? ", with the " + nVal + " validation rows" : ""));
            }
            m = Math.min(s.maxRows(), n);
            subsampleReason = m < n ? "--max-rows " + s.maxRows() : "all rows (--max-rows " + s.maxRows() + ")";
        } else {
            if (fit < 2) {
                throw new UserError("the driver cannot hold the kernel of even 2 training rows" + (nVal > 0 ? " beside the "
                        + nVal + " validation rows" : "") + " in " + gb(budget) + "; give it more memory");
            }
            m = Math.min(n, fit);
            subsampleReason = m < n ? "driver memory: " + gb(budget) + " holds the kernel of " + fit + " rows"
                    : "all rows fit the driver";
        }
        int[] keep = Folds.subsample(labels.classAll(), n, m, s.seed());
        if (m < n) {
            log.accept(String.format(Locale.ROOT, "selecting on a %s subsample of %d of %d training rows (seed %d; %s);"
                    + " the best depth and trace-scaled ridge usually transfer to the full set (--refit trains on all rows)",
                    labels.classify() ? "stratified" : "random", m, n, s.seed(), subsampleReason));
        }
        return new Sample(m, subsampleReason, keep, driverBytes(s.protocol(), m, nVal));
    }

    /** Targets (and classes) of the kept rows, then of the validation rows. */
    private static Problem problem(Labels labels, Sample sample) {
        int m = sample.m();
        int k = labels.k();
        int nVal = labels.nVal();
        boolean classify = labels.classify();
        int total = m + nVal;
        double[] y = new double[total * k];
        int[] cls = classify ? new int[total] : null;
        for (int i = 0; i < m; i++) {
            System.arraycopy(labels.yAll(), sample.keep()[i] * k, y, i * k, k);
            if (classify) {
                cls[i] = labels.classAll()[sample.keep()[i]];
            }
        }
        if (nVal > 0) {
            System.arraycopy(labels.yVal(), 0, y, m * k, nVal * k);
            if (classify) {
                int[] cv = classes(labels.yVal(), k);
                System.arraycopy(cv, 0, cls, m, nVal);
            }
        }
        return new Problem(m, total, y, cls, k, labels.metric());
    }

    /** The kept training blocks, then the validation blocks numbered after them, and the staging bytes of one kernel pass. */
    private Layout layout(Sample sample) {
        kept = subset(jsc, train.blocks(), sample.keep(), (int) train.n());
        JavaRDD<FeatureBlock> blocks = kept;
        List<KernelSlices.BlockInfo> layout = new ArrayList<>(
                blocks.map(b -> new KernelSlices.BlockInfo(b.index(), b.start(), b.rows())).collect());
        int offset = layout.stream().mapToInt(KernelSlices.BlockInfo::index).max().orElse(0) + 1;
        if (val != null) {
            final int off = offset;
            final long mStart = sample.m();
            JavaRDD<FeatureBlock> vb = val.blocks().map(b -> new FeatureBlock(b.index() + off, b.start() + mStart, b.rows(), b.d(), b.x()));
            blocks = blocks.union(vb);
            layout.addAll(vb.map(b -> new KernelSlices.BlockInfo(b.index(), b.start(), b.rows())).collect());
        }
        layout.sort(java.util.Comparator.comparingInt(KernelSlices.BlockInfo::index));
        int kinds = s.kernels().size();
        long stagingBytes = 0;
        for (KernelSlices.BlockInfo a : layout) {
            for (KernelSlices.BlockInfo b : layout) {
                if (a.index() <= b.index()) {
                    stagingBytes += 8L * a.rows() * b.rows() * kinds * s.depths().size();
                }
            }
        }
        return new Layout(blocks, layout, stagingBytes);
    }

    /** The sizes, the grid and the memory plan, before any kernel is computed. */
    private void logPlan(Labels labels, Sample sample, Layout layout, int passes, LAPACK lapack) {
        int nVal = labels.nVal();
        int total = sample.m() + nVal;
        log.accept(String.format(Locale.ROOT, "train N = %d (%d used), validation %s, d = %d, task %s, outputs %d, metric %s;"
                        + " grid %d configurations (%d kernel pass%s, %d eigendecomposition%s)", labels.n(), sample.m(),
                s.protocol().label(), train.d(), labels.targets().task(), labels.k(), labels.metric().label(),
                s.configurations(), passes, passes == 1 ? "" : "es", eigenCount(s, passes), eigenCount(s, passes) == 1 ? "" : "s"));
        log.accept(String.format(Locale.ROOT, "memory plan: driver %s at a time (one %d x %d kernel matrix + dsyevd workspace;"
                        + " limit %s), staging %s on disk per kernel pass (%d tiles x %d slices); eigendecomposition: %s",
                gb(sample.driverBytes()), total, total, gb(s.maxDriverBytes()), gb(layout.stagingBytes()), layout.tiles(),
                s.kernels().size() * s.depths().size(), SymmetricEigen.implementation(lapack)));
    }

    /** --overwrite: the old result goes before anything new is written. */
    private void deleteOldOutput() throws IOException {
        if (outExisted) {
            fs.delete(new Path(s.output()), true);
            outExisted = false;
        }
    }

    /** The eigendecompositions' expected time at the implementation's typical rate. */
    private void logEstimate(int m, int passes, LAPACK lapack) {
        long factored = s.protocol().kind() == Protocol.Kind.KFOLD ? m - m / s.protocol().folds()
                : s.protocol().kind() == Protocol.Kind.HOLDOUT ? m - Math.round(s.protocol().fraction() * m) : m;
        double estimate = eigenCount(s, passes) * SymmetricEigen.flops(factored) / SymmetricEigen.typicalRate(lapack);
        log.accept(String.format(Locale.ROOT, "estimated eigendecomposition time: %.0f s (%d x dsyevd of %d rows at ~%.0f GFLOP/s;"
                        + " docs/select.md)%s", estimate, eigenCount(s, passes), factored, SymmetricEigen.typicalRate(lapack) / 1e9,
                estimate > 600 ? "; --max-rows selects on fewer rows, at (rows / " + factored + ")^3 of this" : ""));
    }

    /** One kernel pass per (weight std, bias std), each slice scored per (kernel, depth); staging and pairs go at the end. */
    private Scores scoreGrid(List<NetworkSpec> specs, Problem problem, Layout layout, LAPACK lapack) throws IOException {
        boolean ntk = s.kernels().contains("ntk");
        boolean nngp = s.kernels().contains("nngp");
        int[] depths = s.depths().stream().mapToInt(Integer::intValue).toArray();
        int partitions = Math.max(jsc.defaultParallelism(), Math.min(layout.tiles(), 4 * jsc.defaultParallelism()));
        pairs = KernelTiles.blockPairs(layout.blocks(), partitions);
        HadoopConf hc = new HadoopConf(conf);
        Scores scores = new Scores();
        double[] ridges = s.ridgeArray();
        for (NetworkSpec spec : specs) {
            kernelPass(spec, depths, ntk, nngp, layout.tiles(), hc, scores);
            // slices are written ntk first, then nngp; the grid follows --kernels' order
            for (String kernel : s.kernels()) {
                int kindIndex = kernel.equals("ntk") || !ntk ? 0 : 1;
                for (int di = 0; di < depths.length; di++) {
                    scoreSlice(spec, kernel, depths[di], kindIndex * depths.length + di, problem, layout, ridges, lapack, scores);
                }
            }
        }
        fs.delete(staging, true);
        pairs.unpersist(false);
        pairs = null;
        timings.put("kernel_seconds", scores.kernelSec);
        timings.put("assemble_seconds", scores.assembleSec);
        timings.put("eigen_seconds", scores.eigenSec);
        timings.put("score_seconds", scores.scoreSec);
        return scores;
    }

    /** Computes every (kernel, depth) slice of one network into the (emptied) staging folder. */
    private void kernelPass(NetworkSpec spec, int[] depths, boolean ntk, boolean nngp, int tiles, HadoopConf hc, Scores scores)
            throws IOException {
        long tk = System.nanoTime();
        String label = String.format(Locale.ROOT, "select: kernel pass (%s, weight std %s, bias std %s; %d tiles, depths %s)",
                spec.activation().name(), spec.weightStd(), spec.biasStd(), tiles, s.depths());
        fs.delete(staging, true);
        fs.mkdirs(staging);
        JobLabel.run(jsc.sc(), label, () -> KernelSlices.compute(pairs, spec, depths, ntk, nngp, staging.toString(), hc));
        double ks = seconds(tk);
        scores.kernelSec += ks;
        log.accept(String.format(Locale.ROOT, "kernel pass weight std %s, bias std %s: %d tiles, %d kernels x %d depths in %.1f s",
                spec.weightStd(), spec.biasStd(), tiles, s.kernels().size(), depths.length, ks));
    }

    /** Assembles one slice on the driver and scores every ridge on it; one grid row per ridge, in grid order. */
    private void scoreSlice(NetworkSpec spec, String kernel, int depth, int slice, Problem problem, Layout layout, double[] ridges,
            LAPACK lapack, Scores scores) throws IOException {
        long ta = System.nanoTime();
        double[] dense = KernelSlices.assemble(fs, staging.toString(), layout.infos(), problem.total(), slice);
        scores.assembleSec += seconds(ta);
        long te = System.nanoTime();
        Evaluator.Evaluation ev = Evaluator.evaluate(dense, problem.total(), problem.m(), problem.y(), problem.k(), problem.cls(),
                s.protocol(), ridges, s.ridgeScale(), problem.metric(), s.seed(), lapack);
        double all = seconds(te);
        scores.eigenSec += ev.eigenSeconds();
        scores.scoreSec += all - ev.eigenSeconds();
        scores.eigens += ev.eigendecompositions();
        scores.eigenFlops += (long) (ev.eigendecompositions() * SymmetricEigen.flops(ev.largestN()));
        Metric metric = problem.metric();
        Evaluator.Result bestHere = null;
        for (Evaluator.Result r : ev.results()) {
            // the grid index is the row's position in the grid order
            scores.rows.add(new Selection.Row(spec.activation().name(), spec.weightStd(), spec.biasStd(), kernel, depth, r.ridge(),
                    r.lambda(), metric.label(), r.score(), r.scoreStd(), r.folds(), scores.rows.size()));
            if (bestHere == null || better(metric, r.score(), bestHere.score())) {
                bestHere = r;
            }
        }
        log.accept(String.format(Locale.ROOT, "%s depth %d (w %s, b %s): %d eigendecomposition%s %.2f s, scores %.2f s;"
                        + " best %s %.6g at ridge %s", kernel, depth, spec.weightStd(), spec.biasStd(),
                ev.eigendecompositions(), ev.eigendecompositions() == 1 ? "" : "s", ev.eigenSeconds(), all - ev.eigenSeconds(),
                metric.label(), bestHere.score(), bestHere.ridge()));
    }

    /** The best row (Selection.best's rule), after logging the top ten and the best ridge per kernel and depth. */
    private Selection.Row choose(List<Selection.Row> rows, Metric metric) {
        Selection.Row best = Selection.best(rows, metric);
        List<Selection.Row> sorted = Selection.sorted(rows, metric);
        log.accept("top configurations:");
        for (String line : Selection.table(sorted.subList(0, Math.min(10, sorted.size())))) {
            log.accept("  " + line);
        }
        log.accept("best ridge per kernel and depth:");
        for (String line : Selection.table(Selection.bestPerDepth(rows, metric))) {
            log.accept("  " + line);
        }
        return best;
    }

    /** OUT/selection/ and OUT/selection.png (selection.json comes after them). */
    private void writeTableAndPicture(List<Selection.Row> rows, Metric metric) throws IOException {
        long tw = System.nanoTime();
        writeTable(spark, rows, new Path(s.output(), SELECTION_DIR).toString());
        writePicture(conf, rows, s, metric, new Path(s.output(), SELECTION_PNG));
        timings.put("write_seconds", seconds(tw));
    }

    /** selection.json's content up to the refit and the timings (docs/format.md). */
    private Map<String, Object> summary(Selection.Row best, Labels labels, Sample sample, Scores scores, LAPACK lapack) {
        Metric metric = labels.metric();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("best", best.toMap());
        out.put("chosen_by", (metric.higherIsBetter() ? "highest " : "lowest ") + metric.label()
                + "; ties broken towards the smaller depth, then the larger ridge, then the grid order");
        out.put("task", labels.targets().task().toString());
        if (labels.classify()) {
            out.put("classes", labels.targets().classes());
        }
        out.put("metric", metric.label());
        out.put("validation", protocolSummary(labels.nVal()));
        out.put("grid", gridSummary(scores.rows.size()));
        out.put("n_train", labels.n());
        out.put("n_selection", sample.m());
        Map<String, Object> sub = new LinkedHashMap<>();
        sub.put("subsampled", sample.m() < labels.n());
        sub.put("rows", sample.m());
        sub.put("method", sample.m() < labels.n() ? (labels.classify() ? "stratified by class" : "uniform") + ", seed " + s.seed()
                : "none");
        sub.put("reason", sample.reason());
        out.put("subsample", sub);
        out.put("normalize", s.normalize().toString().toLowerCase(Locale.ROOT));
        Map<String, Object> eg = new LinkedHashMap<>();
        eg.put("implementation", SymmetricEigen.implementation(lapack));
        eg.put("routine", "dsyevd");
        eg.put("count", scores.eigens);
        eg.put("seconds", scores.eigenSec);
        eg.put("gflops_9n3", scores.eigenSec > 0 ? scores.eigenFlops / scores.eigenSec / 1e9 : 0.0);
        out.put("eigendecomposition", eg);
        out.put("driver_bytes", sample.driverBytes());
        out.put("train", s.train());
        return out;
    }

    private Map<String, Object> protocolSummary(int nVal) {
        Map<String, Object> pm = new LinkedHashMap<>();
        pm.put("kind", s.protocol().label());
        if (s.protocol().kind() == Protocol.Kind.KFOLD) {
            pm.put("folds", s.protocol().folds());
        }
        if (s.protocol().kind() == Protocol.Kind.HOLDOUT) {
            pm.put("fraction", s.protocol().fraction());
        }
        if (s.protocol().kind() == Protocol.Kind.VALIDATION) {
            pm.put("validation", s.protocol().validation());
            pm.put("n_validation", nVal);
        }
        pm.put("seed", s.seed());
        return pm;
    }

    private Map<String, Object> gridSummary(int configurations) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("activation", s.activation());
        g.put("weight_stds", s.weightStds());
        g.put("bias_stds", s.biasStds());
        g.put("kernels", s.kernels());
        g.put("depths", s.depths());
        g.put("ridges", s.ridges());
        g.put("ridge_scale", s.ridgeScale().toString());
        g.put("configurations", configurations);
        return g;
    }

    private void logBest(Selection.Row best, Metric metric, int configurations, long tStart, double eigenSec) {
        log.accept(String.format(Locale.ROOT, "best: %s depth %d, weight std %s, bias std %s, ridge %s (lambda %.4g): %s %.6g"
                        + " (%d configurations in %.1f s; eigendecompositions %.1f s)", best.kernel(), best.depth(), best.weightStd(),
                best.biasStd(), best.ridge(), best.lambda(), metric.label(), best.score(), configurations, seconds(tStart), eigenSec));
    }

    private static boolean better(Metric m, double a, double b) {
        return Double.isNaN(b) || (m.higherIsBetter() ? a > b : a < b);
    }

    static int eigenCount(SelectSpec s, int passes) {
        int per = s.protocol().kind() == Protocol.Kind.KFOLD ? s.protocol().folds() : 1;
        return passes * s.kernels().size() * s.depths().size() * per;
    }

    /** Class index of each row from its centred one-hot target (the argmax). */
    static int[] classes(double[] y, int k) {
        int n = y.length / k;
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = Targets.argmax(y, i, k);
        }
        return c;
    }

    /** The blocks restricted to the kept rows (sorted), renumbered 0..m-1 in order; empty blocks dropped. */
    static JavaRDD<FeatureBlock> subset(JavaSparkContext jsc, JavaRDD<FeatureBlock> blocks, int[] keep, int n) {
        if (keep.length == n) {
            return blocks;
        }
        int[] newIndex = new int[n];
        java.util.Arrays.fill(newIndex, -1);
        for (int i = 0; i < keep.length; i++) {
            newIndex[keep[i]] = i;
        }
        Broadcast<int[]> bi = jsc.broadcast(newIndex);
        return blocks.map(b -> {
            int[] ni = bi.value();
            int c = 0;
            int first = -1;
            for (int r = 0; r < b.rows(); r++) {
                int v = ni[(int) b.start() + r];
                if (v >= 0) {
                    if (first < 0) {
                        first = v;
                    }
                    c++;
                }
            }
            double[] x = new double[c * b.d()];
            int p = 0;
            for (int r = 0; r < b.rows(); r++) {
                if (ni[(int) b.start() + r] >= 0) {
                    System.arraycopy(b.x(), r * b.d(), x, p * b.d(), b.d());
                    p++;
                }
            }
            return new FeatureBlock(b.index(), Math.max(first, 0), c, b.d(), x);
        }).filter(b -> b.rows() > 0).persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    }

    static final StructType SCHEMA = new StructType()
            .add("activation", DataTypes.StringType, false)
            .add("weight_std", DataTypes.DoubleType, false)
            .add("bias_std", DataTypes.DoubleType, false)
            .add("kernel", DataTypes.StringType, false)
            .add("depth", DataTypes.IntegerType, false)
            .add("ridge", DataTypes.DoubleType, false)
            .add("lambda", DataTypes.DoubleType, false)
            .add("metric", DataTypes.StringType, false)
            .add("score", DataTypes.DoubleType, false)
            .add("score_std", DataTypes.DoubleType, false)
            .add("folds", DataTypes.IntegerType, false);

    static void writeTable(SparkSession spark, List<Selection.Row> rows, String dir) {
        List<org.apache.spark.sql.Row> out = new ArrayList<>();
        for (Selection.Row r : rows) {
            out.add(RowFactory.create(r.activation(), r.weightStd(), r.biasStd(), r.kernel(), r.depth(), r.ridge(), r.lambda(), r.metric(),
                    r.score(), r.scoreStd(), r.folds()));
        }
        spark.createDataFrame(out, SCHEMA).coalesce(1).write().mode("overwrite").parquet(dir);
    }

    /** Validation metric against ridge, one line per (weight std, bias std, kernel, depth). */
    static void writePicture(Configuration conf, List<Selection.Row> rows, SelectSpec s, Metric metric, Path png) throws IOException {
        boolean logX = s.ridges().stream().allMatch(r -> r > 0);
        boolean many = s.weightStds().size() * s.biasStds().size() > 1;
        Map<String, List<Selection.Row>> lines = new LinkedHashMap<>();
        for (Selection.Row r : rows) {
            String name = r.kernel() + " L=" + r.depth() + (many ? " w=" + r.weightStd() + " b=" + r.biasStd() : "");
            lines.computeIfAbsent(name, x -> new ArrayList<>()).add(r);
        }
        List<LineChart.Series> series = new ArrayList<>();
        for (Map.Entry<String, List<Selection.Row>> e : lines.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(Selection.Row::ridge).toArray();
            double[] yv = e.getValue().stream().mapToDouble(Selection.Row::score).toArray();
            series.add(new LineChart.Series(e.getKey(), x, yv));
        }
        String title = String.format(Locale.ROOT, "ntk select: %s %s (%s), %s", s.protocol().label(), metric.label(),
                metric.higherIsBetter() ? "higher is better" : "lower is better", s.activation());
        byte[] bytes = new LineChart(title, "ridge (" + s.ridgeScale() + ")", metric.label(), logX, series).png(1000, 600);
        try (OutputStream o = png.getFileSystem(conf).create(png, true)) {
            o.write(bytes);
        }
    }

    /** Runs regress with the best configuration on the whole training set, writing OUT/model, OUT/predictions, OUT/metrics.json. */
    static Map<String, Object> refit(SparkSession spark, SelectSpec s, Selection.Row best, Consumer<String> log) throws IOException {
        NetworkSpec spec = KernelConfig.of(s.activation(), best.depth(), null, best.weightStd(), best.biasStd(), null, null, null)
                .kernel().network();
        log.accept(String.format(Locale.ROOT, "refit: regress %s depth %d, weight std %s, bias std %s, ridge %s %s on all %s rows",
                best.kernel(), best.depth(), best.weightStd(), best.biasStd(), best.ridge(), s.ridgeScale(), s.train()));
        RegressRequest req = new RegressRequest(s.train(), s.test(), s.labelCols(), s.featuresCol(), s.idCol(), s.output(), spec,
                org.sparkntk.spec.KernelKind.parse("kernel", best.kernel()), s.task(), new Ridge(best.ridge(), s.ridgeScale()), SolverChoice.Kind.AUTO,
                Double.NaN, 1000, MemoryPlan.AUTO_RANK, false, 1024, true, 10, s.maxDriverBytes(), s.normalize(),
                MemoryPlan.CachePrecision.AUTO);
        Map<String, Object> m = RegressJob.run(spark, req);
        Map<String, Object> r = new LinkedHashMap<>();
        for (String key : new String[] {"n_train", "n_test", "accuracy", "rmse", "r2", "solver"}) {
            if (m.containsKey(key)) {
                r.put(key, m.get(key));
            }
        }
        r.put("model", new Path(s.output(), RegressJob.MODEL_DIR).toString());
        r.put("predictions", new Path(s.output(), "predictions").toString());
        r.put("metrics", new Path(s.output(), RegressJob.METRICS_JSON).toString());
        return r;
    }

    /** Bytes as "1.23 GB". */
    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }

    static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
