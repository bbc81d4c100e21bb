package org.sparkntk.regress;

import org.sparkntk.io.JobLabel;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sparkntk.solve.NystromSolver;
import org.sparkntk.solve.PcgState;
import org.sparkntk.solve.Solution;
import org.sparkntk.solve.Targets;
import org.sparkntk.spec.Precision;

/**
 * The fit step of {@code ntk regress --solver nystrom} (docs/nystrom.md): memory plan, diagonal
 * and ridge, centres, K(C, C) and the preconditioner, K_nM tiles (cached or matrix-free), CG with
 * one Spark job per iteration and checkpoints. {@link RegressJob} then predicts from test x centre
 * tiles and writes the model (centres and beta) and metrics.json last.
 */
final class NystromJob {

    private NystromJob() {
    }

    /** The fit step of {@link RegressJob#fit} for {@code --solver nystrom}: centres and beta in memory. */
    static Fitted fit(SparkSession spark, RegressRequest req, LabeledData train, Targets targets, double[] y, int k,
                      Map<String, Double> timings, Consumer<String> log) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        NystromSettings ns = req.nystrom();
        int n = (int) train.n();
        ns.checkRows(n);
        int m = ns.centers();
        MemoryPlan plan = MemoryPlan.nystrom(n, m, train.d(), k, req.matrixFree(), req.cachePrecision(),
                ns.selection() == Centers.Selection.RPCHOLESKY, ClusterMemory.probe(spark.sparkContext()));
        for (String line : plan.lines()) {
            log.accept(line);
        }
        boolean classify = targets.task() == Targets.Task.CLASSIFICATION;
        double tol = Double.isNaN(req.tol()) ? Fitter.autoTol(classify) : req.tol();

        long t0 = System.nanoTime();
        double[] diag = JobLabel.call(jsc.sc(), "nystrom: kernel diagonal",
                () -> KernelTiles.diagonal(train.blocks(), req.spec(), req.kind(), n));
        double trace = 0;
        for (double v : diag) {
            trace += v;
        }
        double lambda = req.ridge().lambda(trace, n);
        log.accept(String.format(Locale.ROOT, "ridge: %s (%s) -> lambda = %.6g (trace(K)/N = %.6g)", req.ridge().value(),
                req.ridge().scale(), lambda, trace / n));
        Centers c = JobLabel.call(jsc.sc(), "nystrom: select " + m + " centres (" + ns.selection() + ")",
                () -> Centers.select(jsc, train, req.spec(), req.kind(), diag, m, ns.selection(), ns.seed(), log));
        timings.put("centers_seconds", Fitter.seconds(t0));
        log.accept(String.format(Locale.ROOT, "nystrom: %d centres (%s, seed %d) in %.1f s", m, ns.selection(), ns.seed(),
                Fitter.seconds(t0)));

        long t1 = System.nanoTime();
        double[] kmm = JobLabel.call(jsc.sc(), "nystrom: K(C, C), " + m + " x " + m,
                () -> NystromOperator.kmm(jsc, c, req.spec(), req.kind(), req.blockSize()));
        timings.put("kmm_seconds", Fitter.seconds(t1));

        long t2 = System.nanoTime();
        Broadcast<FeatureBlock> bc = jsc.broadcast(c.block());
        JavaRDD<TileBlock> tiles = NystromOperator.tiles(jsc, train.blocks(), bc, req.spec(), req.kind());
        if (plan.cachePrecision() == Precision.FLOAT32) {
            tiles = tiles.map(t -> t.withPrecision(Precision.FLOAT32));
        }
        try {
            if (!req.matrixFree()) {
                tiles = tiles.persist(StorageLevel.MEMORY_AND_DISK());
                JobLabel.call(jsc.sc(), "nystrom: K_nM tiles (" + n + " x " + m + ")", tiles::count);
                log.accept(String.format(Locale.ROOT, "nystrom: K_nM (%d x %d) computed and cached (%s, %s) in %.1f s%s", n, m,
                        plan.cachePrecision().label(), MemoryPlan.gb(plan.cacheBytes()), Fitter.seconds(t2),
                        RegressJob.spilled(spark, tiles)));
            } else {
                log.accept("nystrom: matrix-free, K_nM recomputed on every pass");
            }
            Precision stored = plan.cachePrecision() == Precision.FLOAT32 ? Precision.FLOAT32 : Precision.FLOAT64;
            log.accept("nystrom: passes over K_nM through the panel product "
                    + org.sparkntk.tile.TileKernels.panelProduct(stored).name() + " (" + stored.label() + " tiles)");
            timings.put("kernel_seconds", Fitter.seconds(t2));

            NystromOperator op = new NystromOperator(jsc, tiles, n, m, "nystrom");
            String tag = String.format(Locale.ROOT, "nystrom N=%d M=%d k=%d lambda=%s tol=%s centres=%08x y=%08x diag=%08x", n, m, k,
                    Double.toString(lambda), Double.toString(tol), Arrays.hashCode(c.rows()), Arrays.hashCode(y),
                    Arrays.hashCode(diag));
            PcgState resume = IterationLog.resumable(conf, req.output(), tag, "nystrom", log);
            IterationLog listener = new IterationLog("nystrom", log, conf, req.output(), req.checkpointEvery(), resume != null, k);
            long t3 = System.nanoTime();
            Solution s = NystromSolver.solve(op, kmm, lambda, y, k, new NystromSolver.Options(tol, req.maxIter(), true), tag,
                    listener, resume, log);
            kmm = null;
            timings.put("solve_seconds", Fitter.seconds(t3));
            // the first iteration's interval also holds the factorization and the K_nM^T Y pass
            double perIteration = listener.medianSecondsAfterFirst();
            if (!Double.isNaN(perIteration)) {
                timings.put("seconds_per_iteration", perIteration);
            }
            log.accept(s.result() + " (" + op.passes() + " passes over K_nM)");
            if (!s.result().allConverged()) {
                String w = Fitter.unconvergedWarning(s.result(), tol, req.maxIter(), "falkon")
                        .replace("a larger --preconditioner nystrom:RANK", "more --centers");
                log.accept("nystrom: WARNING " + w);
                org.apache.logging.log4j.LogManager.getLogger(NystromJob.class).warn(w);
            }
            SolverChoice choice = SolverChoice.resolve(SolverChoice.Kind.NYSTROM, n, k, req.maxDriverBytes());
            Fitter.Fit fit = new Fitter.Fit(s.x(), m, k, lambda, trace, s.result(), choice, "falkon", timings, op.passes());

            return new Fitted(req, train, targets, fit, c, plan, tol, req.maxIter());
        } finally {
            tiles.unpersist(false);
            bc.destroy();
        }
    }

    static Map<String, Object> nystromMap(NystromSettings ns, double jitter) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("centers", ns.centers());
        m.put("center_selection", ns.selection().toString());
        m.put("seed", ns.seed());
        m.put("kmm_jitter", jitter);
        m.put("residual", "of the preconditioned system, ||B^T (b - H beta)|| / ||B^T b|| (docs/nystrom.md)");
        return m;
    }
}
