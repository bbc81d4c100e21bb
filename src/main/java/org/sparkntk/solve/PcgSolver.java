package org.sparkntk.solve;

import org.sparkntk.spec.UserError;

/**
 * Preconditioned conjugate gradients for (K + lambda I) X = Y, all outputs in lockstep: each
 * iteration is one application of K to the N x k block of search directions (one pass over K,
 * however many outputs), while the scalars alpha and beta are kept per output, so every column
 * follows exactly the iterates of its own single-vector PCG.
 *
 * <p>Stopping rule per output c: ||r_c|| <= tol * ||y_c||; a finished output is frozen while
 * the others go on. At the end the true residual y - (K + lambda I) x is computed (one more
 * pass); outputs whose recurrence residual drifted above the tolerance are restarted from it
 * (at most {@link #MAX_RESTARTS} times) while iterations remain. Reaching max-iter returns the
 * current solution with converged = false instead of throwing the work away.
 */
public final class PcgSolver {

    /** Restarts from the true residual after the recurrence claimed convergence. */
    public static final int MAX_RESTARTS = 2;

    /** Tolerance and iteration limit, as {@link #checkTol} and {@link #checkMaxIter} allow. */
    public record Options(double tol, int maxIter) {
        public Options {
            checkTol(tol);
            checkMaxIter(maxIter);
        }
    }

    /** The rule for 'tol' (the relative residual to stop at), wherever it is given: in (0, 1). */
    public static double checkTol(double tol) {
        if (!(tol > 0 && tol < 1)) {
            throw new UserError("'tol' is " + tol + " but must be in (0, 1)");
        }
        return tol;
    }

    /** The rule for 'max-iter', wherever it is given: at least one iteration. */
    public static int checkMaxIter(int maxIter) {
        if (maxIter < 1) {
            throw new UserError("'max-iter' is " + maxIter + " but must be >= 1");
        }
        return maxIter;
    }

    /** Called after every iteration (log the residuals, checkpoint the state every few iterations). */
    @FunctionalInterface
    public interface Listener {
        /** The state is live: copy or write it before returning if it must be kept. */
        void onIteration(PcgState state, double[] relativeResiduals);
    }

    private PcgSolver() {
    }

    /** Starts a new solve. */
    public static Solution solve(SymmetricOperator k, double lambda, Preconditioner m, double[] y, int nrhs,
                                 Options opt, String tag, Listener listener) {
        return solve(k, lambda, m, y, nrhs, opt, tag, listener, null);
    }

    /**
     * Solves, or continues {@code resume} (a state saved by the listener of an earlier run of the
     * same problem: its tag must equal {@code tag}); max-iter counts the resumed iterations too.
     */
    public static Solution solve(SymmetricOperator k, double lambda, Preconditioner m, double[] y, int nrhs,
                                 Options opt, String tag, Listener listener, PcgState resume) {
        int n = k.size();
        if (y.length != (long) n * nrhs) {
            throw new IllegalArgumentException("pcg: Y must be " + n + " x " + nrhs);
        }
        if (!(lambda >= 0)) {
            throw new IllegalArgumentException("'ridge' is " + lambda + " but must be >= 0");
        }
        Listener lis = listener == null ? (s, r) -> { } : listener;
        PcgState st;
        if (resume != null) {
            if (!resume.tag.equals(tag) || resume.n != n || resume.k != nrhs) {
                throw new IllegalArgumentException("the saved PCG state belongs to another problem ('" + resume.tag
                        + "', N = " + resume.n + ", outputs = " + resume.k + "), not to '" + tag + "'");
            }
            st = resume;
        } else {
            st = start(n, nrhs, y, m, opt.tol(), tag);
        }
        double[] q = new double[n * nrhs];
        double[] z = new double[n * nrhs];
        int restarts = 0;
        double[] trueRel;
        while (true) {
            while (st.iteration < opt.maxIter() && !all(st.done)) {
                iterate(st, k, lambda, m, opt.tol(), q, z);
                lis.onIteration(st, st.relativeResiduals());
            }
            // true residual: catches drift of the recurrence
            double[] rt = trueResidual(k, lambda, st.x, y, nrhs, q);
            trueRel = Blocks.norms(rt, nrhs);
            boolean restart = false;
            for (int c = 0; c < nrhs; c++) {
                trueRel[c] = st.yNorm[c] == 0 ? 0 : trueRel[c] / st.yNorm[c];
                if (st.done[c] && trueRel[c] > opt.tol() && restarts < MAX_RESTARTS && st.iteration < opt.maxIter()) {
                    restart = true;
                }
            }
            if (!restart) {
                break;
            }
            restarts++;
            m.solve(rt, nrhs, z);
            double[] rzNew = Blocks.dots(rt, z, nrhs);
            for (int c = 0; c < nrhs; c++) {
                if (st.done[c] && trueRel[c] > opt.tol()) {
                    st.done[c] = false;
                    st.rz[c] = rzNew[c];
                    for (int i = 0; i < n; i++) {
                        st.r[i * nrhs + c] = rt[i * nrhs + c];
                        st.p[i * nrhs + c] = z[i * nrhs + c];
                    }
                }
            }
        }
        boolean[] conv = new boolean[nrhs];
        for (int c = 0; c < nrhs; c++) {
            conv[c] = trueRel[c] <= opt.tol();
        }
        return new Solution(st.x, n, nrhs, new SolveResult("pcg", conv, st.iteration, trueRel, 0.0));
    }

    private static PcgState start(int n, int nrhs, double[] y, Preconditioner m, double tol, String tag) {
        double[] x = new double[n * nrhs];
        double[] r = y.clone();
        double[] p = new double[n * nrhs];
        m.solve(r, nrhs, p);
        double[] rz = Blocks.dots(r, p, nrhs);
        double[] yNorm = Blocks.norms(y, nrhs);
        boolean[] done = new boolean[nrhs];
        for (int c = 0; c < nrhs; c++) {
            done[c] = yNorm[c] == 0;
        }
        return new PcgState(n, nrhs, x, r, p, rz, yNorm, done, 0, tag);
    }

    /** One lockstep iteration: q = A p, x += alpha p, r -= alpha q, z = M^-1 r, p = z + beta p. */
    private static void iterate(PcgState st, SymmetricOperator k, double lambda, Preconditioner m, double tol,
                                double[] q, double[] z) {
        int n = st.n;
        int nrhs = st.k;
        k.apply(st.p, nrhs, q);
        for (int i = 0; i < q.length; i++) {
            q[i] += lambda * st.p[i];
        }
        double[] pq = Blocks.dots(st.p, q, nrhs);
        double[] alpha = new double[nrhs];
        boolean[] active = new boolean[nrhs];
        for (int c = 0; c < nrhs; c++) {
            if (st.done[c]) {
                continue;
            }
            if (!(pq[c] > 0) || !Double.isFinite(pq[c])) {
                // p^T A p <= 0: A is not numerically positive definite along p; stop this output
                st.done[c] = true;
                continue;
            }
            active[c] = true;
            alpha[c] = st.rz[c] / pq[c];
        }
        for (int i = 0; i < n; i++) {
            int o = i * nrhs;
            for (int c = 0; c < nrhs; c++) {
                if (active[c]) {
                    st.x[o + c] += alpha[c] * st.p[o + c];
                    st.r[o + c] -= alpha[c] * q[o + c];
                }
            }
        }
        st.iteration++;
        double[] rn = Blocks.norms(st.r, nrhs);
        m.solve(st.r, nrhs, z);
        double[] rzNew = Blocks.dots(st.r, z, nrhs);
        double[] beta = new double[nrhs];
        for (int c = 0; c < nrhs; c++) {
            if (!active[c]) {
                continue;
            }
            if (rn[c] <= tol * st.yNorm[c]) {
                st.done[c] = true;
                active[c] = false;
                continue;
            }
            beta[c] = rzNew[c] / st.rz[c];
            st.rz[c] = rzNew[c];
        }
        for (int i = 0; i < n; i++) {
            int o = i * nrhs;
            for (int c = 0; c < nrhs; c++) {
                if (active[c]) {
                    st.p[o + c] = z[o + c] + beta[c] * st.p[o + c];
                }
            }
        }
    }

    private static double[] trueResidual(SymmetricOperator k, double lambda, double[] x, double[] y, int nrhs, double[] q) {
        k.apply(x, nrhs, q);
        double[] r = new double[y.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = y[i] - q[i] - lambda * x[i];
        }
        return r;
    }

    private static boolean all(boolean[] b) {
        for (boolean v : b) {
            if (!v) {
                return false;
            }
        }
        return true;
    }
}
