package org.sparkntk.solve;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Nystrom kernel ridge regression (docs/nystrom.md): beta = (K_nM^T K_nM + lambda K_MM)^-1 K_nM^T Y,
 * predictions K(x, C) beta, with lambda the ridge of the exact solvers (K + lambda I), so that
 * M = N with every row a centre gives beta = (K + lambda I)^-1 Y.
 *
 * <p>Solved as FALKON does (Rudi, Carratino and Rosasco 2017, Alg. 1): CG on the preconditioned
 * M x M system W gamma = B^T K_nM^T Y / N with W = B^T H B / N, B = T^-1 A^-1
 * ({@link FalkonPreconditioner}), beta = B gamma. W u = A^-T T^-T K_nM^T K_nM (T^-1 A^-1 u) / N
 * + (lambda / N) A^-T A^-1 u: one pass over K_nM per iteration ({@link RectangularOperator#normal})
 * and four triangular solves on the driver. CG itself is {@link PcgSolver} on W (all outputs in
 * lockstep, stopping per output, true-residual restarts, listener and resumable state), so the
 * residual reported is that of the preconditioned system, ||B^T (b - H beta)|| / ||B^T b||.
 */
public final class NystromSolver {

    /**
     * @param preconditioned FALKON's preconditioner (false: plain CG on H, for comparison; it
     *                       converges far more slowly)
     */
    public record Options(double tol, int maxIter, boolean preconditioned) {
    }

    private NystromSolver() {
    }

    /** Starts a new solve. */
    public static Solution solve(RectangularOperator knm, double[] kmm, double lambda, double[] y, int k, Options opt,
                                 Consumer<String> log) {
        return solve(knm, kmm, lambda, y, k, opt, "nystrom", null, null, log);
    }

    /**
     * Solves (or continues {@code resume}, a state the listener saved for the same {@code tag}).
     *
     * @param kmm    K(C, C), full symmetric M x M row-major; used as workspace (overwritten)
     * @param lambda ridge as in K + lambda I, &gt;= 0
     * @param y      row-major N x k targets
     * @return beta (row-major M x k); result solver "nystrom", iterations of CG, jitter added to K_MM
     */
    public static Solution solve(RectangularOperator knm, double[] kmm, double lambda, double[] y, int k, Options opt,
                                 String tag, PcgSolver.Listener listener, PcgState resume, Consumer<String> log) {
        int n = knm.rows();
        int m = knm.cols();
        if (y.length != (long) n * k) {
            throw new IllegalArgumentException("nystrom: Y must be " + n + " x " + k);
        }
        if (kmm.length != (long) m * m) {
            throw new IllegalArgumentException("nystrom: K_MM must be " + m + " x " + m);
        }
        if (!(lambda >= 0)) {
            throw new IllegalArgumentException("'ridge' is " + lambda + " but must be >= 0");
        }
        PcgSolver.Options po = new PcgSolver.Options(opt.tol(), opt.maxIter());
        double[] b = new double[m * k];
        knm.applyTranspose(y, k, b);
        if (!opt.preconditioned()) {
            SymmetricOperator h = new Plain(knm, kmm, lambda, m);
            Solution s = PcgSolver.solve(h, 0.0, Preconditioner.NONE, b, k, po, tag, listener, resume);
            return new Solution(s.x(), m, k, renamed(s.result(), 0));
        }
        FalkonPreconditioner p = FalkonPreconditioner.factor(kmm, m, lambda, n, log);
        double inv = 1.0 / Math.max(1, n);
        p.applyBt(b, k);
        for (int i = 0; i < b.length; i++) {
            b[i] *= inv;
        }
        SymmetricOperator w = new Preconditioned(knm, p, lambda * inv, inv);
        Solution s = PcgSolver.solve(w, 0.0, Preconditioner.NONE, b, k, po, tag, listener, resume);
        double[] beta = s.x().clone();
        p.applyB(beta, k);
        return new Solution(beta, m, k, renamed(s.result(), p.jitter()));
    }

    private static SolveResult renamed(SolveResult r, double jitter) {
        return new SolveResult("nystrom", r.converged(), r.iterations(), r.relativeResidual(), jitter);
    }

    /** H = K_nM^T K_nM + lambda K_MM, unpreconditioned. */
    private record Plain(RectangularOperator knm, double[] kmm, double lambda, int m) implements SymmetricOperator {
        @Override
        public int size() {
            return m;
        }

        @Override
        public void apply(double[] x, int k, double[] out) {
            knm.normal(x, k, out);
            double[] t = new double[m * k];
            new DenseSymmetric(kmm, m).apply(x, k, t);
            for (int i = 0; i < out.length; i++) {
                out[i] += lambda * t[i];
            }
        }

        @Override
        public double[] diagonal() {
            throw new UnsupportedOperationException("nystrom: the diagonal of H is not needed");
        }
    }

    /**
     * W = B^T H B / N = A^-T (T^-T K_nM^T K_nM T^-1 A^-1 / N + (lambda / N) A^-1), FALKON's
     * BHB(u): A^-1 u is formed once and shared by both terms, so an application costs four
     * triangular solves with M x M factors on the driver, not six.
     */
    private record Preconditioned(RectangularOperator knm, FalkonPreconditioner p, double lambdaOverN, double inv)
            implements SymmetricOperator {
        @Override
        public int size() {
            return p.size();
        }

        @Override
        public void apply(double[] u, int k, double[] out) {
            double[] z = u.clone();
            p.applyAInverse(z, k);
            double[] v = z.clone();
            p.applyTInverse(v, k);
            knm.normal(v, k, out);
            p.applyTInverseTranspose(out, k);
            for (int i = 0; i < out.length; i++) {
                out[i] = out[i] * inv + lambdaOverN * z[i];
            }
            p.applyAInverseTranspose(out, k);
        }

        @Override
        public double[] diagonal() {
            throw new UnsupportedOperationException("nystrom: the diagonal of W is not needed");
        }
    }

    /** A one-line summary for logs. */
    public static String describe(int m, String selection) {
        return String.format(Locale.ROOT, "nystrom M = %d (%s centres)", m, selection);
    }
}
