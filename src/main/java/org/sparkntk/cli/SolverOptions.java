package org.sparkntk.cli;

import org.sparkntk.spec.UserError;
import org.sparkntk.regress.MemoryPlan;
import org.sparkntk.regress.RegressRequest;
import org.sparkntk.regress.SolverChoice;
import org.sparkntk.solve.PcgSolver;
import org.sparkntk.solve.Ridge;
import picocli.CommandLine.Option;

/** Ridge and solver options shared by {@code regress} and {@code solve} (a picocli mixin). */
public final class SolverOptions {

    @Option(names = "--ridge", defaultValue = RegressRequest.DEFAULT_RIDGE, paramLabel = "LAMBDA",
            description = "Ridge lambda >= 0 added to the diagonal (default ${DEFAULT-VALUE}).")
    double ridge;

    @Option(names = "--ridge-scale", defaultValue = RegressRequest.DEFAULT_RIDGE_SCALE, paramLabel = "absolute|trace",
            description = "absolute: lambda as given; trace: lambda * trace(K) / N (Neural Tangents' convention). Default ${DEFAULT-VALUE}.")
    String ridgeScale;

    @Option(names = "--solver", defaultValue = RegressRequest.DEFAULT_SOLVER, paramLabel = "auto|cholesky|pcg|nystrom",
            description = "auto: cholesky when dense K fits the driver and is estimated faster, else pcg; nystrom: Nystrom"
                    + " kernel ridge regression on --centers M centres with FALKON's preconditioner (regress only;"
                    + " docs/nystrom.md). Default ${DEFAULT-VALUE}.")
    String solver;

    @Option(names = "--centers", paramLabel = "M",
            description = "Number of Nystrom centres, 1 <= M <= N (with --solver nystrom only): K(X, C) is N x M.")
    Integer centers;

    @Option(names = "--center-selection", paramLabel = "uniform|rpcholesky",
            description = "How the centres are picked from the training rows: uniform sampling (default) or randomly"
                    + " pivoted Cholesky (with --solver nystrom only).")
    String centerSelection;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the centre selection (with --solver nystrom only; default 42): the same seed picks the same centres.")
    Long seed;

    @Option(names = "--tol", defaultValue = "auto", paramLabel = "TOL|auto",
            description = "PCG stops an output when ||r|| <= TOL ||y||; auto: 1e-3 for classification (the argmax settles"
                    + " long before), 1e-6 for regression (default ${DEFAULT-VALUE}).")
    String tol;

    @Option(names = "--max-iter", defaultValue = RegressRequest.DEFAULT_MAX_ITER, paramLabel = "N",
            description = "PCG iteration limit; reaching it returns the last iterate, reported as not converged (default ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--preconditioner", defaultValue = RegressRequest.DEFAULT_PRECONDITIONER, paramLabel = "auto|none|nystrom:RANK",
            description = "Low-rank Nystrom preconditioner (randomly pivoted Cholesky) of rank RANK for PCG; auto picks the rank"
                    + " from N and driver memory (default ${DEFAULT-VALUE}).")
    String preconditioner;

    @Option(names = "--cache-precision", defaultValue = "auto", paramLabel = "auto|float64|float32",
            description = "Precision of the cached kernel tiles for PCG (products always accumulate in float64); auto: float64"
                    + " when it fits the executors' storage memory, else float32 (default ${DEFAULT-VALUE}).")
    String cachePrecision;

    @Option(names = "--checkpoint-every", defaultValue = "10", paramLabel = "K",
            description = "Save the PCG state to OUT/_checkpoint every K iterations; a rerun resumes from it (default ${DEFAULT-VALUE}; 0: never).")
    int checkpointEvery;

    @Option(names = "--max-driver-memory", paramLabel = "GB",
            description = "Largest dense solve the cholesky solver accepts, in GB (default 60%% of the driver heap).")
    Double maxDriverGb;

    Ridge ridge() {
        return new Ridge(ridge, Ridge.Scale.parse(ridgeScale));
    }

    /** The tolerance, NaN for auto (chosen by task). */
    double tol() {
        String t = tol == null ? "auto" : tol.trim();
        if (t.equalsIgnoreCase("auto")) {
            return Double.NaN;
        }
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new UserError("'tol' is '" + tol + "' but must be auto or a number in (0, 1)");
        }
        return PcgSolver.checkTol(v);
    }

    MemoryPlan.CachePrecision cachePrecision() {
        return MemoryPlan.CachePrecision.parse(cachePrecision);
    }

    SolverChoice.Kind solverKind() {
        return SolverChoice.Kind.parse(solver);
    }

    /** The Nystrom settings, or null for the exact solvers; refuses centre options without --solver nystrom. */
    org.sparkntk.regress.NystromSettings nystrom() {
        boolean asked = solverKind() == SolverChoice.Kind.NYSTROM;
        if (!asked) {
            String given = centers != null ? "centers" : centerSelection != null ? "center-selection" : seed != null ? "seed" : null;
            if (given != null) {
                throw new UserError("'" + given + "' applies to --solver nystrom only, but the solver is " + solverKind());
            }
            return null;
        }
        if (centers == null) {
            throw new UserError("--solver nystrom needs --centers M (the number of Nystrom centres, 1 <= M <= N)");
        }
        return new org.sparkntk.regress.NystromSettings(centers, org.sparkntk.regress.Centers.Selection.parse(
                centerSelection == null ? "uniform" : centerSelection),
                seed == null ? org.sparkntk.regress.NystromSettings.DEFAULT_SEED : seed);
    }

    int preconditionerRank() {
        return RegressRequest.parsePreconditioner(preconditioner);
    }

    long maxDriverBytes() {
        if (maxDriverGb != null) {
            if (!(maxDriverGb > 0)) {
                throw new UserError("'max-driver-memory' is " + maxDriverGb + " but must be > 0 (GB)");
            }
            return (long) (maxDriverGb * 1e9);
        }
        return RegressRequest.defaultMaxDriverBytes();
    }

    void validate() {
        if (checkpointEvery < 0) {
            throw new UserError("'checkpoint-every' is " + checkpointEvery + " but must be >= 0");
        }
        tol();
        cachePrecision();
        PcgSolver.checkMaxIter(maxIter);
        ridge();
        solverKind();
        preconditionerRank();
        nystrom();
    }
}
