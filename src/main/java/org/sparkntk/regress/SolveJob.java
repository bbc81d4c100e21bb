package org.sparkntk.regress;

import org.sparkntk.io.JobLabel;
import org.sparkntk.spec.KernelKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.TileStore;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.options.Normalize;
import org.sparkntk.spec.UserError;
import org.sparkntk.solve.Targets;
import org.sparkntk.solve.TaskChoice;

/**
 * {@code ntk solve}: kernel ridge regression coefficients from a precomputed Gram output of
 * {@code gram} (its tiles are read once and cached on the executors), saved as a model for
 * {@code ntk predict}.
 */
public final class SolveJob {

    /**
     * What solve was asked. The network options are null when not given; given ones must match
     * the kernel's kernel.json.
     */
    public record Request(String kernelDir, String labels, List<String> labelCols, String idCol, String output,
                          String kernelName, Integer depth, String activation, Double weightStd, Double biasStd,
                          TaskChoice task, Fitter.Options solver, boolean overwrite) {
    }

    private SolveJob() {
    }

    /** Checks the kernel directory against the request and returns its manifest. */
    static KernelManifest checkKernel(Configuration conf, Request req, int depth) {
        KernelManifest m = TileStore.manifest(conf, req.kernelDir(), req.kernelName(), depth);
        if (!m.symmetric()) {
            throw new UserError("'" + req.kernelDir() + "' is a cross kernel; solve needs the symmetric Gram K(TRAIN, TRAIN)");
        }
        List<String> diffs = new ArrayList<>();
        if (req.activation() != null && !Activations.parse(req.activation()).name().equals(Activations.parse(m.activation()).name())) {
            diffs.add("activation " + m.activation() + " (asked " + req.activation() + ")");
        }
        if (req.weightStd() != null && req.weightStd() != m.weightStd()) {
            diffs.add("weight-std " + m.weightStd() + " (asked " + req.weightStd() + ")");
        }
        if (req.biasStd() != null && req.biasStd() != m.biasStd()) {
            diffs.add("bias-std " + m.biasStd() + " (asked " + req.biasStd() + ")");
        }
        if (!diffs.isEmpty()) {
            throw new UserError("'" + req.kernelDir() + "' was made with other options than asked: " + String.join(", ", diffs));
        }
        if (normalize(m) == Normalize.STANDARDIZE) {
            throw new UserError("'" + req.kernelDir() + "' was made with --normalize standardize; solve supports kernels of"
                    + " --normalize none or l2 (predict recomputes test x train tiles from the features, and the column"
                    + " statistics of standardize are not kept with the kernel)");
        }
        if (m.input() == null || m.input().featuresCol() == null) {
            throw new UserError("'" + req.kernelDir() + "' was made from --features-cols; solve needs a --features-col input");
        }
        return m;
    }

    /** The kernel's --normalize (none for kernels that do not record it). */
    private static Normalize normalize(KernelManifest m) {
        return Normalize.parse(m.normalize() == null ? "none" : m.normalize());
    }

    /** Runs solve and writes the model. */
    public static void run(SparkSession spark, Request req) throws IOException {
        Consumer<String> log = RegressJob.stdoutLog("solve: ");
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        RegressJob.checkOutput(conf, req.output(), req.overwrite(), ModelStore.MODEL_JSON);
        int depth;
        if (req.depth() != null) {
            depth = req.depth();
        } else {
            Path kj = new Path(req.kernelDir(), KernelManifest.KERNEL_JSON);
            if (!kj.getFileSystem(conf).exists(kj)) {
                throw new UserError("'" + req.kernelDir() + "' is not a complete kernel: " + KernelManifest.KERNEL_JSON
                        + " is missing (run 'ntk gram ... --resume' to finish it)");
            }
            KernelManifest any = KernelManifest.read(conf, kj);
            depth = any.depths().get(any.depths().size() - 1);
        }
        KernelManifest m = checkKernel(conf, req, depth);
        int n = (int) m.n();
        // labels, matched to the kernel's rows by id
        String idCol = req.idCol() != null ? req.idCol() : m.input().idCol();
        LabelTable lt = LabelTable.read(spark, req.labels(), "--labels", idCol, req.labelCols());
        List<Object> rowIds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rowIds.add(null);
        }
        for (Row r : spark.read().parquet(new Path(req.kernelDir(), "index").toString()).select("row", "id").collectAsList()) {
            rowIds.set((int) r.getLong(0), r.get(1));
        }
        Map<Object, Object[]> byId = new HashMap<>(lt.ids().size() * 2);
        for (int i = 0; i < lt.ids().size(); i++) {
            byId.put(lt.ids().get(i), lt.labels().get(i));
        }
        List<Object[]> labels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Object[] l = byId.get(rowIds.get(i));
            if (l == null) {
                throw new UserError("--labels '" + req.labels() + "' has no row with id " + rowIds.get(i) + " (kernel row " + i
                        + ")" + (idCol == null ? "; without an id column rows are matched by input order" : " in column '" + idCol + "'"));
            }
            labels.add(l);
        }
        Targets targets = RegressJob.targets(lt.types(), labels, rowIds, req.task(), req.labelCols());
        double[] y = RegressJob.rhs(labels, rowIds, targets, req.labelCols());
        int k = targets.width();
        if (req.solver().solver() == SolverChoice.Kind.CHOLESKY) {
            new org.sparkntk.solve.CholeskySolver(req.solver().maxDriverBytes(), log).checkFits(n, k);
        }
        log.accept(String.format(Locale.ROOT, "kernel %s depth %d of '%s': N = %d, block size %d, task %s, outputs %d",
                req.kernelName(), depth, req.kernelDir(), n, m.blockSize(), targets.task(), k));
        double read = Fitter.seconds(t0);
        SolverChoice choice = SolverChoice.resolve(req.solver().solver(), n, k, req.solver().maxDriverBytes());
        MemoryPlan plan = MemoryPlan.plan(n, k, m.blockSize(), choice.kind() == SolverChoice.Kind.CHOLESKY, false,
                req.solver().cachePrecision(), req.solver().preconditionerRank(), ClusterMemory.probe(spark.sparkContext()));
        for (String line : plan.lines()) {
            log.accept(line);
        }
        Fitter.Options so = req.solver().resolved(targets.task() == Targets.Task.CLASSIFICATION, plan.rank());
        boolean f32 = plan.cachePrecision() == org.sparkntk.spec.Precision.FLOAT32;
        long t1 = System.nanoTime();
        JavaRDD<TileBlock> tiles = TileStore.readTiles(spark, req.kernelDir(), req.kernelName(), depth)
                .map(t -> {
                    TileBlock b = new TileBlock(t.blockRow(), t.blockCol(), t.rowStart(), t.colStart(), t.numRows(),
                            t.numCols(), t.values());
                    return f32 ? b.withPrecision(org.sparkntk.spec.Precision.FLOAT32) : b;
                })
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            JobLabel.call(jsc.sc(), "solve: read and cache the tiles", tiles::count);
            double load = Fitter.seconds(t1);
            TileOperator op = new TileOperator(jsc, tiles, n, m.blockSize(), "solve");
            double[] diag = op.diagonal();
            Fitter.Fit fit = Fitter.fit(jsc, tiles, n, m.blockSize(), diag, y, k, so, choice, log);
            NetworkSpec spec = m.spec().withDepth(depth);
            ModelStore.write(spark, req.output(), new ModelStore.Info(spec, KernelKind.parse("name", req.kernelName()),
                    m.blockSize(), m.input().path(), m.input().featuresCol(), m.input().idCol(), n, m.d(), rowIds,
                    lt.idType(), targets, req.labelCols(), lt.types(), req.solver().ridge(),
                    "precomputed Gram '" + req.kernelDir() + "'", normalize(m) == Normalize.L2
                    ? org.sparkntk.gram.Normalizer.l2() : org.sparkntk.gram.Normalizer.none()), fit);
            Checkpoints.clear(conf, req.output());
            log.accept(String.format(Locale.ROOT, "model written to %s: %s; read %.1f s, tiles %.1f s, total %.1f s", req.output(),
                    fit.result(), read, load, Fitter.seconds(t0)));
        } finally {
            tiles.unpersist(false);
        }
    }
}
