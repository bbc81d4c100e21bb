package org.sparkntk.select.spark;

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

    private SelectJob() {
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
        Consumer<String> log = RegressJob.stdoutLog("select: ");
        long tStart = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        checkOutput(conf, s.output(), s.overwrite());
        // every network of the grid is built (and so validated) before any data is read
        List<NetworkSpec> specs = new ArrayList<>();
        String depthList = String.join(",", s.depths().stream().map(String::valueOf).toList());
        for (double w : s.weightStds()) {
            for (double b : s.biasStds()) {
                specs.add(KernelConfig.of(s.activation(), null, depthList, w, b, null, null, null).kernel().network());
            }
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        jsc.setJobDescription("select: read --train");
        LabeledData train = LabeledData.load(spark, s.train(), "--train", s.featuresCol(), s.idCol(), s.labelCols(), true,
                s.blockSize(), s.normalize());
        LabeledData val = null;
        Path staging = new Path(s.output(), STAGING);
        FileSystem fs = staging.getFileSystem(conf);
        boolean outExisted = fs.exists(new Path(s.output()));
        JavaRDD<FeatureBlock[]> pairs = null;
        JavaRDD<FeatureBlock> kept = null;
        try {
            if (s.protocol().kind() == Protocol.Kind.VALIDATION) {
                jsc.setJobDescription("select: read --validation");
                val = LabeledData.load(spark, s.protocol().validation(), "--validation", s.featuresCol(), s.idCol(), s.labelCols(), true,
                        s.blockSize(), train.normalizer());
                if (val.d() != train.d()) {
                    throw new UserError("--train has " + train.d() + " features per row but --validation has " + val.d()
                            + "; both sets must have the same feature dimension");
                }
            }
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
                    for (int i = 0; i < nVal; i++) {
                        Object l = val.labels().get(i)[0];
                        if (l == null || targets.classIndex(Targets.normalize(l, s.labelCols().get(0), i)) < 0) {
                            throw new UserError("--validation row with id " + val.ids().get(i) + " has label " + l
                                    + ", not among the training classes " + targets.classes());
                        }
                    }
                }
                yVal = RegressJob.rhs(val, targets, s.labelCols());
            }
            int[] classAll = classify ? classes(yAll, k) : null;

            // how many training rows the driver can factor
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
            int[] keep = Folds.subsample(classAll, n, m, s.seed());
            if (m < n) {
                log.accept(String.format(Locale.ROOT, "selecting on a %s subsample of %d of %d training rows (seed %d; %s);"
                        + " the best depth and trace-scaled ridge usually transfer to the full set (--refit trains on all rows)", classify ? "stratified" : "random", m, n, s.seed(),
                        subsampleReason));
            }
            int total = m + nVal;
            double[] y = new double[total * k];
            int[] cls = classify ? new int[total] : null;
            for (int i = 0; i < m; i++) {
                System.arraycopy(yAll, keep[i] * k, y, i * k, k);
                if (classify) {
                    cls[i] = classAll[keep[i]];
                }
            }
            if (nVal > 0) {
                System.arraycopy(yVal, 0, y, m * k, nVal * k);
                if (classify) {
                    int[] cv = classes(yVal, k);
                    System.arraycopy(cv, 0, cls, m, nVal);
                }
            }
            long bytes = driverBytes(s.protocol(), m, nVal);
            kept = subset(jsc, train.blocks(), keep, n);
            JavaRDD<FeatureBlock> blocks = kept;
            List<KernelSlices.BlockInfo> layout = new ArrayList<>(blocks.map(b -> new KernelSlices.BlockInfo(b.index(), b.start(), b.rows())).collect());
            int offset = layout.stream().mapToInt(KernelSlices.BlockInfo::index).max().orElse(0) + 1;
            if (val != null) {
                final int off = offset;
                final long mStart = m;
                JavaRDD<FeatureBlock> vb = val.blocks().map(b -> new FeatureBlock(b.index() + off, b.start() + mStart, b.rows(), b.d(), b.x()));
                blocks = blocks.union(vb);
                layout.addAll(vb.map(b -> new KernelSlices.BlockInfo(b.index(), b.start(), b.rows())).collect());
            }
            layout.sort(java.util.Comparator.comparingInt(KernelSlices.BlockInfo::index));
            int nb = layout.size();
            int kinds = s.kernels().size();
            long stagingBytes = 0;
            for (KernelSlices.BlockInfo a : layout) {
                for (KernelSlices.BlockInfo b : layout) {
                    if (a.index() <= b.index()) {
                        stagingBytes += 8L * a.rows() * b.rows() * kinds * s.depths().size();
                    }
                }
            }
            timings.put("read_seconds", seconds(t0));
            LAPACK lapack = SymmetricEigen.lapack();
            log.accept(String.format(Locale.ROOT, "train N = %d (%d used), %svalidation %s, d = %d, task %s, outputs %d, metric %s;"
                            + " grid %d configurations (%d kernel pass%s, %d eigendecomposition%s)", n, m,
                    nVal > 0 ? "" : "", s.protocol().label(), train.d(), targets.task(), k, metric.label(), s.configurations(),
                    specs.size(), specs.size() == 1 ? "" : "es", eigenCount(s, specs.size()), eigenCount(s, specs.size()) == 1 ? "" : "s"));
            log.accept(String.format(Locale.ROOT, "memory plan: driver %s at a time (one %d x %d kernel matrix + dsyevd workspace;"
                            + " limit %s), staging %s on disk per kernel pass (%d tiles x %d slices); eigendecomposition: %s", gb(bytes),
                    total, total, gb(budget), gb(stagingBytes), nb * (nb + 1) / 2, kinds * s.depths().size(),
                    SymmetricEigen.implementation(lapack)));

            if (outExisted) { // --overwrite: the old result goes before anything new is written
                fs.delete(new Path(s.output()), true);
                outExisted = false;
            }
            long factored = s.protocol().kind() == Protocol.Kind.KFOLD ? m - m / s.protocol().folds()
                    : s.protocol().kind() == Protocol.Kind.HOLDOUT ? m - Math.round(s.protocol().fraction() * m) : m;
            double estimate = eigenCount(s, specs.size()) * SymmetricEigen.flops(factored) / SymmetricEigen.typicalRate(lapack);
            log.accept(String.format(Locale.ROOT, "estimated eigendecomposition time: %.0f s (%d x dsyevd of %d rows at ~%.0f GFLOP/s;"
                            + " docs/select.md)%s", estimate, eigenCount(s, specs.size()), factored, SymmetricEigen.typicalRate(lapack) / 1e9,
                    estimate > 600 ? "; --max-rows selects on fewer rows, at (rows / " + factored + ")^3 of this" : ""));
            boolean ntk = s.kernels().contains("ntk");
            boolean nngp = s.kernels().contains("nngp");
            int[] depths = s.depths().stream().mapToInt(Integer::intValue).toArray();
            int partitions = Math.max(jsc.defaultParallelism(), Math.min(nb * (nb + 1) / 2, 4 * jsc.defaultParallelism()));
            pairs = KernelTiles.blockPairs(blocks, partitions);
            HadoopConf hc = new HadoopConf(conf);
            List<Selection.Row> rows = new ArrayList<>();
            double kernelSec = 0;
            double assembleSec = 0;
            double eigenSec = 0;
            double scoreSec = 0;
            long eigenFlops = 0;
            int eigens = 0;
            int grid = 0;
            double[] ridges = s.ridgeArray();
            for (NetworkSpec spec : specs) {
                long tk = System.nanoTime();
                jsc.setJobDescription(String.format(Locale.ROOT, "select: kernel pass (%s, weight std %s, bias std %s; %d tiles, depths %s)",
                        spec.activation().name(), spec.weightStd(), spec.biasStd(), nb * (nb + 1) / 2, s.depths()));
                fs.delete(staging, true);
                fs.mkdirs(staging);
                KernelSlices.compute(pairs, spec, depths, ntk, nngp, staging.toString(), hc);
                double ks = seconds(tk);
                kernelSec += ks;
                log.accept(String.format(Locale.ROOT, "kernel pass weight std %s, bias std %s: %d tiles, %d kernels x %d depths in %.1f s",
                        spec.weightStd(), spec.biasStd(), nb * (nb + 1) / 2, kinds, depths.length, ks));
                // slices are written ntk first, then nngp; the grid follows --kernels' order
                for (String kernel : s.kernels()) {
                    int kindIndex = kernel.equals("ntk") || !ntk ? 0 : 1;
                    for (int di = 0; di < depths.length; di++) {
                        long ta = System.nanoTime();
                        double[] dense = KernelSlices.assemble(fs, staging.toString(), layout, total, kindIndex * depths.length + di);
                        assembleSec += seconds(ta);
                        long te = System.nanoTime();
                        Evaluator.Evaluation ev = Evaluator.evaluate(dense, total, m, y, k, cls, s.protocol(), ridges, s.ridgeScale(),
                                metric, s.seed(), lapack);
                        double all = seconds(te);
                        eigenSec += ev.eigenSeconds();
                        scoreSec += all - ev.eigenSeconds();
                        eigens += ev.eigendecompositions();
                        eigenFlops += (long) (ev.eigendecompositions() * SymmetricEigen.flops(ev.largestN()));
                        Evaluator.Result bestHere = null;
                        for (Evaluator.Result r : ev.results()) {
                            rows.add(new Selection.Row(spec.activation().name(), spec.weightStd(), spec.biasStd(), kernel, depths[di], r.ridge(),
                                    r.lambda(), metric.label(), r.score(), r.scoreStd(), r.folds(), grid++));
                            if (bestHere == null || better(metric, r.score(), bestHere.score())) {
                                bestHere = r;
                            }
                        }
                        log.accept(String.format(Locale.ROOT, "%s depth %d (w %s, b %s): %d eigendecomposition%s %.2f s, scores %.2f s;"
                                        + " best %s %.6g at ridge %s", kernel, depths[di], spec.weightStd(), spec.biasStd(),
                                ev.eigendecompositions(), ev.eigendecompositions() == 1 ? "" : "s", ev.eigenSeconds(), all - ev.eigenSeconds(),
                                metric.label(), bestHere.score(), bestHere.ridge()));
                    }
                }
            }
            fs.delete(staging, true);
            pairs.unpersist(false);
            pairs = null;
            timings.put("kernel_seconds", kernelSec);
            timings.put("assemble_seconds", assembleSec);
            timings.put("eigen_seconds", eigenSec);
            timings.put("score_seconds", scoreSec);

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

            long tw = System.nanoTime();
            writeTable(spark, rows, new Path(s.output(), SELECTION_DIR).toString());
            writePicture(conf, rows, s, metric, new Path(s.output(), SELECTION_PNG));
            timings.put("write_seconds", seconds(tw));

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("best", best.toMap());
            out.put("chosen_by", (metric.higherIsBetter() ? "highest " : "lowest ") + metric.label()
                    + "; ties broken towards the smaller depth, then the larger ridge, then the grid order");
            out.put("task", targets.task().toString());
            if (classify) {
                out.put("classes", targets.classes());
            }
            out.put("metric", metric.label());
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
            out.put("validation", pm);
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("activation", s.activation());
            g.put("weight_stds", s.weightStds());
            g.put("bias_stds", s.biasStds());
            g.put("kernels", s.kernels());
            g.put("depths", s.depths());
            g.put("ridges", s.ridges());
            g.put("ridge_scale", s.ridgeScale().toString());
            g.put("configurations", rows.size());
            out.put("grid", g);
            out.put("n_train", n);
            out.put("n_selection", m);
            Map<String, Object> sub = new LinkedHashMap<>();
            sub.put("subsampled", m < n);
            sub.put("rows", m);
            sub.put("method", m < n ? (classify ? "stratified by class" : "uniform") + ", seed " + s.seed() : "none");
            sub.put("reason", subsampleReason);
            out.put("subsample", sub);
            out.put("normalize", s.normalize().toString().toLowerCase(Locale.ROOT));
            Map<String, Object> eg = new LinkedHashMap<>();
            eg.put("implementation", SymmetricEigen.implementation(lapack));
            eg.put("routine", "dsyevd");
            eg.put("count", eigens);
            eg.put("seconds", eigenSec);
            eg.put("gflops_9n3", eigenSec > 0 ? eigenFlops / eigenSec / 1e9 : 0.0);
            out.put("eigendecomposition", eg);
            out.put("driver_bytes", bytes);
            out.put("train", s.train());
            if (s.refit()) {
                long tr = System.nanoTime();
                out.put("refit", refit(spark, s, best, log));
                timings.put("refit_seconds", seconds(tr));
            }
            timings.put("total_seconds", seconds(tStart));
            out.put("wall_seconds", timings);
            out.put("spark_ntk_version", org.sparkntk.spec.BuildInfo.version());
            Outputs.writeJson(conf, new Path(s.output(), SELECTION_JSON), out);
            log.accept(String.format(Locale.ROOT, "best: %s depth %d, weight std %s, bias std %s, ridge %s (lambda %.4g): %s %.6g"
                            + " (%d configurations in %.1f s; eigendecompositions %.1f s)", best.kernel(), best.depth(), best.weightStd(),
                    best.biasStd(), best.ridge(), best.lambda(), metric.label(), best.score(), rows.size(), seconds(tStart), eigenSec));
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
