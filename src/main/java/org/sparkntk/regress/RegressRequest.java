package org.sparkntk.regress;

import org.sparkntk.spec.KernelKind;
import java.util.List;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.options.Normalize;
import org.sparkntk.spec.UserError;
import org.sparkntk.solve.PcgSolver;
import org.sparkntk.solve.Ridge;
import org.sparkntk.solve.TaskChoice;

/**
 * What {@code ntk regress} was asked: data, kernel, task, ridge and solver settings.
 *
 * @param task               as asked: auto (from the label types), classification or regression
 * @param tol                PCG tolerance; NaN: {@link Fitter#autoTol} for the task
 * @param preconditionerRank 0 for none, {@link MemoryPlan#AUTO_RANK} for a rank chosen by the memory plan
 * @param checkpointEvery    save the PCG state every this many iterations (0: never)
 * @param maxDriverBytes     the Cholesky solver refuses above this
 * @param normalize          NONE, L2 or STANDARDIZE (column statistics of --train, applied to --test too), recorded with the model
 * @param nystrom            the centres of {@code --solver nystrom} (null for the exact solvers)
 */
public record RegressRequest(String train, String test, List<String> labelCols, String featuresCol, String idCol,
                             String output, NetworkSpec spec, KernelKind kind, TaskChoice task, Ridge ridge,
                             SolverChoice.Kind solver, double tol, int maxIter, int preconditionerRank, boolean matrixFree,
                             int blockSize, boolean overwrite, int checkpointEvery, long maxDriverBytes, Normalize normalize,
                             MemoryPlan.CachePrecision cachePrecision, NystromSettings nystrom) {

    // the defaults of regress's options, shared by the CLI (cli.SolverOptions, cli.RegressCommand) and the Spark ML stages
    public static final String DEFAULT_KERNEL = "ntk";
    public static final String DEFAULT_RIDGE = "1e-6";
    public static final String DEFAULT_RIDGE_SCALE = "absolute";
    public static final String DEFAULT_SOLVER = "auto";
    public static final String DEFAULT_MAX_ITER = "1000";
    public static final String DEFAULT_PRECONDITIONER = "auto";
    /** Rows per block when --block-size is not given: 1024 x 1024 tiles (8 MB) cache and stream well. */
    public static final int DEFAULT_BLOCK_SIZE = 1024;

    /** The Cholesky solver's limit when --max-driver-memory is not given: 60% of the driver heap. */
    public static long defaultMaxDriverBytes() {
        return (long) (0.6 * Runtime.getRuntime().maxMemory());
    }

    /** An exact solve (no Nystrom settings). */
    public RegressRequest(String train, String test, List<String> labelCols, String featuresCol, String idCol,
                          String output, NetworkSpec spec, org.sparkntk.spec.KernelKind kind, TaskChoice task, Ridge ridge,
                          SolverChoice.Kind solver, double tol, int maxIter, int preconditionerRank, boolean matrixFree,
                          int blockSize, boolean overwrite, int checkpointEvery, long maxDriverBytes, Normalize normalize,
                          MemoryPlan.CachePrecision cachePrecision) {
        this(train, test, labelCols, featuresCol, idCol, output, spec, kind, task, ridge, solver, tol, maxIter,
                preconditionerRank, matrixFree, blockSize, overwrite, checkpointEvery, maxDriverBytes, normalize,
                cachePrecision, null);
    }

    public RegressRequest {
        if ((solver == SolverChoice.Kind.NYSTROM) != (nystrom != null)) {
            throw new UserError(nystrom == null ? "--solver nystrom needs --centers M (the number of Nystrom centres)"
                    : "'centers' applies to --solver nystrom only, but the solver is " + solver);
        }
        if (labelCols == null || labelCols.isEmpty()) {
            throw new UserError("'label-col' is empty; name the label column (or several numeric columns for multi-output regression)");
        }
        if (!Double.isNaN(tol)) {
            PcgSolver.checkTol(tol);
        }
        PcgSolver.checkMaxIter(maxIter);
        if (blockSize < 1) {
            throw new UserError("'block-size' is " + blockSize + " but must be > 0");
        }
        if (task == null) {
            throw new IllegalArgumentException("task is null; use TaskChoice.AUTO");
        }
    }

    /**
     * Parses {@code auto}, {@code none} or {@code nystrom:RANK} (also {@code rpcholesky:RANK}) to a rank:
     * {@link MemoryPlan#AUTO_RANK} for auto, 0 for none.
     */
    public static int parsePreconditioner(String s) {
        String t = s == null ? "auto" : s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("none")) {
            return 0;
        }
        if (t.equals("auto")) {
            return MemoryPlan.AUTO_RANK;
        }
        int c = t.indexOf(':');
        String kind = c < 0 ? t : t.substring(0, c);
        if ((kind.equals("nystrom") || kind.equals("rpcholesky")) && c > 0) {
            try {
                int r = Integer.parseInt(t.substring(c + 1));
                if (r >= 1) {
                    return r;
                }
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new UserError("'preconditioner' is '" + s + "' but must be auto, none or nystrom:RANK with RANK >= 1 (e.g. nystrom:500)");
    }
}
