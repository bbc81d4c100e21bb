package org.sparkntk.regress;

import org.sparkntk.io.JobLabel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkntk.solve.CholeskySolver;
import org.sparkntk.solve.LowRankPreconditioner;
import org.sparkntk.solve.PcgSolver;
import org.sparkntk.solve.PcgState;
import org.sparkntk.solve.Preconditioner;
import org.sparkntk.solve.Ridge;
import org.sparkntk.solve.Solution;
import org.sparkntk.solve.SolveResult;

/**
 * Solves (K + lambda I) alpha = Y with K given as upper-triangle tiles on the executors: the
 * dense Cholesky path (K assembled on the driver after a memory check) or distributed PCG
 * (one Spark job per iteration, checkpoints, resume).
 */
public final class Fitter {

    /**
     * How to solve. {@code preconditionerRank} 0 means none, {@link MemoryPlan#AUTO_RANK} a rank chosen
     * from N and driver memory; {@code tol} NaN means {@link #autoTol}; {@code checkpointDir} null
     * disables checkpoints.
     */
    public record Options(Ridge ridge, SolverChoice.Kind solver, double tol, int maxIter, int preconditionerRank,
                          int checkpointEvery, long maxDriverBytes, String checkpointDir, boolean measureScan,
                          MemoryPlan.CachePrecision cachePrecision) {

        /** With the cache precision chosen automatically. */
        public Options(Ridge ridge, SolverChoice.Kind solver, double tol, int maxIter, int preconditionerRank,
                       int checkpointEvery, long maxDriverBytes, String checkpointDir, boolean measureScan) {
            this(ridge, solver, tol, maxIter, preconditionerRank, checkpointEvery, maxDriverBytes, checkpointDir, measureScan,
                    MemoryPlan.CachePrecision.AUTO);
        }

        /** Without the scan yardstick. */
        public Options(Ridge ridge, SolverChoice.Kind solver, double tol, int maxIter, int preconditionerRank,
                       int checkpointEvery, long maxDriverBytes, String checkpointDir) {
            this(ridge, solver, tol, maxIter, preconditionerRank, checkpointEvery, maxDriverBytes, checkpointDir, false);
        }

        /** The same with the tolerance resolved for the task (auto) and the rank the memory plan chose. */
        public Options resolved(boolean classification, int rank) {
            return new Options(ridge, solver, Double.isNaN(tol) ? autoTol(classification) : tol, maxIter, rank,
                    checkpointEvery, maxDriverBytes, checkpointDir, measureScan, cachePrecision);
        }
    }

    /**
     * The dual coefficients and everything metrics.json reports about the solve. {@code residuals}:
     * PCG's relative residual per output after each iteration, rows {iteration, r_1 .. r_k} (empty
     * for a direct solve), for {@link #convergencePng}.
     */
    public record Fit(double[] alpha, int n, int k, double lambda, double trace, SolveResult result, SolverChoice choice,
                      String preconditioner, Map<String, Double> timings, int passes, List<double[]> residuals) {

        /** Without a residual history. */
        public Fit(double[] alpha, int n, int k, double lambda, double trace, SolveResult result, SolverChoice choice,
                   String preconditioner, Map<String, Double> timings, int passes) {
            this(alpha, n, k, lambda, trace, result, choice, preconditioner, timings, passes, List.of());
        }
    }

    /**
     * The PCG convergence picture (relative residual of each output against the iteration, log y) as
     * PNG bytes, or null when the fit has no residual history (Cholesky).
     */
    public static byte[] convergencePng(Fit fit, List<String> outputNames) throws IOException {
        List<double[]> h = fit.residuals();
        if (h.isEmpty()) {
            return null;
        }
        double[] it = new double[h.size()];
        for (int i = 0; i < it.length; i++) {
            it[i] = h.get(i)[0];
        }
        List<org.sparkntk.chart.LineChart.Series> series = new ArrayList<>();
        for (int c = 0; c < fit.k(); c++) {
            double[] r = new double[h.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = h.get(i)[1 + c];
            }
            series.add(new org.sparkntk.chart.LineChart.Series(c < outputNames.size() ? outputNames.get(c) : "output " + c, it, r));
        }
        String title = String.format(Locale.ROOT, "PCG, N = %d, preconditioner %s, lambda %.3g: %s", fit.n(), fit.preconditioner(),
                fit.lambda(), fit.result().allConverged() ? "converged" : "NOT converged");
        return new org.sparkntk.chart.LineChart(title, "iteration", "relative residual ||y - (K + lambda I) a|| / ||y||", false, true,
                series).png(1000, 600);
    }

    private Fitter() {
    }

    /**
     * Default PCG tolerance for a task: classification only needs the argmax of the scores, which
     * settles long before the residual is small (benchmarks.md, "Regression": the
     * accuracy at 1e-3 equals the dense solve's); regression reports rmse and r2 to ~4 digits.
     */
    public static double autoTol(boolean classification) {
        return classification ? AUTO_TOL_CLASSIFICATION : AUTO_TOL_REGRESSION;
    }

    /** See {@link #autoTol}. */
    public static final double AUTO_TOL_CLASSIFICATION = 1e-3;
    /** See {@link #autoTol}. */
    public static final double AUTO_TOL_REGRESSION = 1e-6;

    /**
     * @param tiles   upper-triangle tiles (cached or recomputed per pass)
     * @param diag    the diagonal of K (from the diagonal recursion, no tile pass); null only for the dense solve
     * @param y       row-major N x k targets
     */
    public static Fit fit(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n, int blockSize, double[] diag,
                          double[] y, int k, Options opt, Consumer<String> log) {
        SolverChoice choice = SolverChoice.resolve(opt.solver(), n, k, opt.maxDriverBytes());
        return fit(jsc, tiles, n, blockSize, diag, y, k, opt, choice, log);
    }

    /**
     * As {@link #fit(JavaSparkContext, JavaRDD, int, int, double[], double[], int, Options, Consumer)} with the solver already chosen.
     * {@code diag} may be null for the dense solve: the trace then comes from the assembled K's
     * diagonal, and the caller saves the diagonal's job.
     */
    public static Fit fit(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n, int blockSize, double[] diag,
                          double[] y, int k, Options opt, SolverChoice choice, Consumer<String> log) {
        if (choice.kind() == SolverChoice.Kind.CHOLESKY) {
            return dense(jsc, tiles, n, diag, y, k, opt, choice, log);
        }
        if (diag == null) {
            throw new IllegalArgumentException("PCG needs the diagonal of K");
        }
        double trace = trace(diag, n, 1);
        return pcg(jsc, tiles, n, blockSize, diag, y, k, opt, choice, opt.ridge().lambda(trace, n), trace, log);
    }

    /** The sum of {@code n} values {@code stride} apart: the trace of K from its diagonal, or from row-major K itself (stride n + 1). */
    static double trace(double[] a, int n, int stride) {
        double t = 0;
        for (int i = 0; i < n; i++) {
            t += a[(int) ((long) i * stride)];
        }
        return t;
    }

    private static void logRidge(Options opt, SolverChoice choice, double lambda, double trace, int n, Consumer<String> log) {
        log.accept(String.format(Locale.ROOT, "ridge: %s (%s) -> lambda = %.6g (trace(K)/N = %.6g)", opt.ridge().value(),
                opt.ridge().scale(), lambda, trace / n));
        log.accept("solver: " + choice.kind() + " (" + choice.reason() + ")");
    }

    /** The dense solve: K assembled on the driver, then Cholesky; lambda from {@code diag}, or from K's diagonal when null. */
    private static Fit dense(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n, double[] diag, double[] y, int k,
                             Options opt, SolverChoice choice, Consumer<String> log) {
        double lambda = Double.NaN;
        double trace = Double.NaN;
        if (diag != null) {
            trace = trace(diag, n, 1);
            lambda = opt.ridge().lambda(trace, n);
            logRidge(opt, choice, lambda, trace, n, log);
        } else {
            log.accept("solver: " + choice.kind() + " (" + choice.reason() + ")");
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        CholeskySolver chol = new CholeskySolver(opt.maxDriverBytes(), log);
        chol.checkFits(n, k);
        long t0 = System.nanoTime();
        Thread warm = CholeskySolver.warmUp(n); // beside the assembly, whose tasks wait on the driver at times
        KernelTiles.Assembled assembled;
        try (Progress p = Progress.start(jsc, "assemble K", log)) {
            assembled = JobLabel.call(jsc.sc(), "cholesky: assemble K on the driver", () -> assemble(jsc, tiles, n));
        }
        double[] dense = assembled.k();
        timings.put("assemble_seconds", seconds(t0));
        log.accept(String.format(Locale.ROOT, "cholesky: K assembled in %.1f s: %s", seconds(t0), assembled.route()));
        if (diag == null) {
            trace = trace(dense, n, n + 1);
            lambda = opt.ridge().lambda(trace, n);
            log.accept(String.format(Locale.ROOT, "ridge: %s (%s) -> lambda = %.6g (trace(K)/N = %.6g, from K's diagonal)",
                    opt.ridge().value(), opt.ridge().scale(), lambda, trace / n));
        }
        join(warm);
        long t1 = System.nanoTime();
        Solution s = chol.solve(dense, n, lambda, y, k);
        timings.put("solve_seconds", seconds(t1));
        log.accept("cholesky: " + s.result());
        return new Fit(s.x(), n, k, lambda, trace, s.result(), choice, "none", timings, 1);
    }

    /** Distributed PCG over the tiles. */
    private static Fit pcg(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n, int blockSize, double[] diag,
                           double[] y, int k, Options opt, SolverChoice choice, double lambda, double trace,
                           Consumer<String> log) {
        Map<String, Double> timings = new LinkedHashMap<>();
        logRidge(opt, choice, lambda, trace, n, log);
        TileOperator op = new TileOperator(jsc, tiles, n, blockSize, "PCG");
        Preconditioner m = Preconditioner.NONE;
        long t0 = System.nanoTime();
        int askedRank = opt.preconditionerRank();
        if (askedRank == MemoryPlan.AUTO_RANK) {
            askedRank = MemoryPlan.plan(n, k, blockSize, false, true, MemoryPlan.CachePrecision.AUTO, askedRank,
                    new MemoryPlan.Resources(-1, "", (long) (0.5 * Runtime.getRuntime().maxMemory()), false)).rank();
        }
        if (askedRank > 0) {
            int rank = Math.min(askedRank, n);
            int block = MemoryPlan.fetchBlock(n, rank);
            m = new CachedDiagonal(op, diag).preconditioner(rank, lambda, block, log);
            timings.put("preconditioner_seconds", seconds(t0));
        }
        String tag = String.format(Locale.ROOT, "N=%d k=%d lambda=%s tol=%s precond=%s y=%08x diag=%08x", n, k,
                Double.toString(lambda), Double.toString(opt.tol()), m.describe(), Arrays.hashCode(y), Arrays.hashCode(diag));
        Configuration hconf = jsc.hadoopConfiguration();
        PcgState resume = IterationLog.resumable(hconf, opt.checkpointDir(), tag, "pcg", log);
        long t1;
        IterationLog listener = new IterationLog("pcg", log, hconf, opt.checkpointDir(), opt.checkpointEvery(), resume != null, k);
        double scan = opt.measureScan() ? op.scanSeconds() : Double.NaN;
        t1 = System.nanoTime();
        int before = op.passes();
        Solution s = PcgSolver.solve(op, lambda, m, y, k, new PcgSolver.Options(opt.tol(), opt.maxIter()), tag, listener, resume);
        timings.put("solve_seconds", seconds(t1));
        int passes = op.passes() - before;
        if (passes > 0) {
            double perPass = seconds(t1) / passes;
            timings.put("seconds_per_pass", perPass);
            if (!Double.isNaN(scan)) {
                timings.put("scan_pass_seconds", scan);
                log.accept(String.format(Locale.ROOT, "pcg: %.2f s per pass over K, %.2fx a plain scan of the cached tiles (%.2f s)",
                        perPass, perPass / scan, scan));
            }
        }
        log.accept(s.result() + " (" + op.passes() + " passes over K)");
        if (!s.result().allConverged()) {
            String w = unconvergedWarning(s.result(), opt.tol(), opt.maxIter(), m.describe());
            log.accept("pcg: WARNING " + w);
            org.apache.logging.log4j.LogManager.getLogger(Fitter.class).warn(w);
        }
        return new Fit(s.x(), n, k, lambda, trace, s.result(), choice, m.describe(), timings, op.passes(), listener.history());
    }

    /** Writes {@code OUT/convergence.png} for a PCG fit (nothing for a direct solve); the outputs are named by class or label column. */
    public static void writeConvergence(Configuration conf, String out, Fit fit, org.sparkntk.solve.Targets targets,
                                        List<String> labelCols) throws IOException {
        List<String> names = new ArrayList<>();
        if (targets.task() == org.sparkntk.solve.Targets.Task.CLASSIFICATION) {
            for (Object c : targets.classes()) {
                names.add("class " + c);
            }
        } else {
            names.addAll(labelCols);
        }
        byte[] png = convergencePng(fit, names);
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(out, CONVERGENCE_PNG);
        if (png == null) {
            // an --overwrite of a PCG output by a direct solve: no stale picture
            p.getFileSystem(conf).delete(p, false);
            return;
        }
        try (var os = p.getFileSystem(conf).create(p, true)) {
            os.write(png);
        }
    }

    /** Name of the PCG convergence picture in regress's OUT. */
    public static final String CONVERGENCE_PNG = "convergence.png";

    /** What an unconverged PCG tells the user: the worst residual against the tolerance, and what to try. */
    static String unconvergedWarning(SolveResult r, double tol, int maxIter, String preconditioner) {
        double worst = 0;
        int bad = 0;
        for (int c = 0; c < r.converged().length; c++) {
            if (!r.converged()[c]) {
                bad++;
                worst = Math.max(worst, r.relativeResidual()[c]);
            }
        }
        return String.format(Locale.ROOT, "PCG did not converge: %d of %d outputs above the tolerance %.1e after %d"
                        + " iterations (worst relative residual %.3e, preconditioner %s); the predictions come from the last"
                        + " iterate. Try a larger --max-iter, a larger --preconditioner nystrom:RANK, a larger --ridge or"
                        + " --solver cholesky if K fits on the driver", bad, r.converged().length, tol, maxIter, worst,
                preconditioner);
    }

    /** The operator with the diagonal already known (computed without a tile pass). */
    private record CachedDiagonal(TileOperator op, double[] diag) implements org.sparkntk.solve.SymmetricOperator {
        @Override
        public int size() {
            return op.size();
        }

        @Override
        public void apply(double[] x, int k, double[] out) {
            op.apply(x, k, out);
        }

        @Override
        public double[] diagonal() {
            return diag.clone();
        }

        @Override
        public double[] columns(int[] cols) {
            return op.columns(cols);
        }

        Preconditioner preconditioner(int rank, double lambda, int block, Consumer<String> log) {
            return LowRankPreconditioner.rpCholesky(this, rank, lambda, block, 42L, log);
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** K as a dense row-major N x N array on the driver ({@link KernelTiles#assemble}). */
    static KernelTiles.Assembled assemble(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n) {
        return KernelTiles.assemble(jsc, tiles, n, KernelTiles.inProcessAllowed());
    }

    static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
