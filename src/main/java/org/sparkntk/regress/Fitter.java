package org.sparkntk.regress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
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

    /** How to solve. {@code preconditionerRank} 0 means none; {@code checkpointDir} null disables checkpoints. */
    public record Options(Ridge ridge, SolverChoice.Kind solver, double tol, int maxIter, int preconditionerRank,
                          int checkpointEvery, long maxDriverBytes, String checkpointDir, boolean measureScan) {

        /** Without the scan yardstick. */
        public Options(Ridge ridge, SolverChoice.Kind solver, double tol, int maxIter, int preconditionerRank,
                       int checkpointEvery, long maxDriverBytes, String checkpointDir) {
            this(ridge, solver, tol, maxIter, preconditionerRank, checkpointEvery, maxDriverBytes, checkpointDir, false);
        }
    }

    /** The dual coefficients and everything metrics.json reports about the solve. */
    public record Fit(double[] alpha, int n, int k, double lambda, double trace, SolveResult result, SolverChoice choice,
                      String preconditioner, Map<String, Double> timings, int passes) {
    }

    private Fitter() {
    }

    /**
     * @param tiles   upper-triangle tiles (cached or recomputed per pass)
     * @param diag    the diagonal of K (from the diagonal recursion, no tile pass)
     * @param y       row-major N x k targets
     */
    public static Fit fit(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n, int blockSize, double[] diag,
                          double[] y, int k, Options opt, Consumer<String> log) {
        double trace = 0;
        for (double v : diag) {
            trace += v;
        }
        double lambda = opt.ridge().lambda(trace, n);
        log.accept(String.format(Locale.ROOT, "ridge: %s (%s) -> lambda = %.6g (trace(K)/N = %.6g)", opt.ridge().value(),
                opt.ridge().scale(), lambda, trace / n));
        SolverChoice choice = SolverChoice.resolve(opt.solver(), n, k, opt.maxDriverBytes());
        log.accept("solver: " + choice.kind() + " (" + choice.reason() + ")");
        Map<String, Double> timings = new LinkedHashMap<>();
        if (choice.kind() == SolverChoice.Kind.CHOLESKY) {
            CholeskySolver chol = new CholeskySolver(opt.maxDriverBytes(), log);
            chol.checkFits(n, k);
            long t0 = System.nanoTime();
            jsc.setJobDescription("cholesky: assemble K on the driver");
            double[] dense = new double[n * n];
            Iterator<TileBlock> it = tiles.toLocalIterator();
            while (it.hasNext()) {
                put(dense, n, it.next());
            }
            timings.put("assemble_seconds", seconds(t0));
            long t1 = System.nanoTime();
            Solution s = chol.solve(dense, n, lambda, y, k);
            timings.put("solve_seconds", seconds(t1));
            log.accept("cholesky: " + s.result());
            return new Fit(s.x(), n, k, lambda, trace, s.result(), choice, "none", timings, 1);
        }
        TileOperator op = new TileOperator(jsc, tiles, n, blockSize, "PCG");
        Preconditioner m = Preconditioner.NONE;
        long t0 = System.nanoTime();
        if (opt.preconditionerRank() > 0) {
            int rank = Math.min(opt.preconditionerRank(), n);
            int block = Math.max(1, Math.min(rank, Math.max(64, (rank + 3) / 4)));
            m = new CachedDiagonal(op, diag).preconditioner(rank, lambda, block, log);
            timings.put("preconditioner_seconds", seconds(t0));
        }
        String tag = String.format(Locale.ROOT, "N=%d k=%d lambda=%s tol=%s precond=%s y=%08x diag=%08x", n, k,
                Double.toString(lambda), Double.toString(opt.tol()), m.describe(), Arrays.hashCode(y), Arrays.hashCode(diag));
        Configuration hconf = jsc.hadoopConfiguration();
        PcgState resume = null;
        if (opt.checkpointDir() != null) {
            try {
                PcgState saved = Checkpoints.load(hconf, opt.checkpointDir());
                if (saved != null && saved.tag().equals(tag)) {
                    resume = saved;
                    log.accept("pcg: resuming from the checkpoint at iteration " + saved.iteration());
                } else if (saved != null) {
                    log.accept("pcg: ignoring a checkpoint of another problem (" + saved.tag() + ")");
                }
            } catch (IOException e) {
                log.accept("pcg: unreadable checkpoint ignored (" + e.getMessage() + ")");
            }
        }
        long t1 = System.nanoTime();
        long[] last = {System.nanoTime()};
        PcgSolver.Listener listener = (st, rr) -> {
            long now = System.nanoTime();
            double max = 0;
            int done = 0;
            boolean[] dn = st.done();
            for (int c = 0; c < rr.length; c++) {
                max = Math.max(max, rr[c]);
                done += dn[c] ? 1 : 0;
            }
            log.accept(String.format(Locale.ROOT, "pcg iteration %d: relative residual max %.3e, outputs done %d/%d, %.2f s",
                    st.iteration(), max, done, rr.length, (now - last[0]) / 1e9));
            last[0] = now;
            if (opt.checkpointDir() != null && opt.checkpointEvery() > 0 && st.iteration() % opt.checkpointEvery() == 0) {
                try {
                    Checkpoints.save(hconf, opt.checkpointDir(), st);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
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
            log.accept("pcg: WARNING not every output reached the tolerance " + opt.tol() + " in " + opt.maxIter()
                    + " iterations; the coefficients are the last iterate (raise --max-iter or use --preconditioner nystrom:RANK)");
        }
        return new Fit(s.x(), n, k, lambda, trace, s.result(), choice, m.describe(), timings, op.passes());
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

    /** Writes a tile (and its mirror) into a dense row-major N x N array. */
    static void put(double[] dense, int n, TileBlock t) {
        int r0 = (int) t.rowStart();
        int c0 = (int) t.colStart();
        int nc = t.numCols();
        for (int i = 0; i < t.numRows(); i++) {
            System.arraycopy(t.values(), i * nc, dense, (r0 + i) * n + c0, nc);
            if (!t.diagonal()) {
                for (int j = 0; j < nc; j++) {
                    dense[(c0 + j) * n + r0 + i] = t.values()[i * nc + j];
                }
            }
        }
    }

    static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
