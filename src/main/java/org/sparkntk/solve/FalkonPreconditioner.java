package org.sparkntk.solve;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.Locale;
import java.util.function.Consumer;
import org.netlib.util.intW;
import org.sparkntk.spec.UserError;

/**
 * FALKON's preconditioner for the Nystrom system (K_nM^T K_nM + lambda K_MM) beta = K_nM^T Y
 * (docs/nystrom.md, "Preconditioner"): T upper triangular with T^T T = K_MM + jitter I and A upper
 * triangular with A^T A = T T^T / M + (lambda / N) I. Then B = T^-1 A^-1 makes B^T H B / N close to
 * the identity when the centres are a uniform sample (Rudi et al. 2017, Alg. 1, with their
 * lambda = ours / N).
 *
 * <p>Driver memory: two M x M arrays (16 M^2 bytes); T replaces K_MM in its array.
 */
public final class FalkonPreconditioner {

    /** Retries of the factorization of K_MM, jitter x10 each (as {@link CholeskySolver}). */
    public static final int MAX_JITTER_RETRIES = 12;

    private final int m;
    private final double[] t;
    private final double[] a;
    private final double jitter;

    private FalkonPreconditioner(int m, double[] t, double[] a, double jitter) {
        this.m = m;
        this.t = t;
        this.a = a;
        this.jitter = jitter;
    }

    /** Driver bytes of the factors: 16 M^2. */
    public static long bytesNeeded(long m) {
        return 16L * m * m;
    }

    /**
     * Factors the preconditioner.
     *
     * @param kmm    K(C, C), full symmetric M x M; overwritten (it becomes T, column-major upper)
     * @param lambda the ridge of the exact solver (added to the diagonal of K + lambda I)
     * @param n      training rows N
     */
    public static FalkonPreconditioner factor(double[] kmm, int m, double lambda, long n, Consumer<String> log) {
        return factor(kmm, m, lambda, n, log, CholeskySolver.methodFor(m));
    }

    /**
     * As {@link #factor(double[], int, double, long, Consumer)} by a given dense method: LAPACK
     * (dpotrf, dlauum, dpotrf on one thread) or a {@link BlockedCholesky} (its factorization and
     * {@link BlockedCholesky#upperGram} on every driver core). The dense solve's rule picks it
     * ({@link CholeskySolver#methodFor}): the blocked one without native LAPACK, and with it
     * whichever is expected to be fastest at this M.
     */
    static FalkonPreconditioner factor(double[] kmm, int m, double lambda, long n, Consumer<String> log, DenseMethod method) {
        if (kmm.length != (long) m * m) {
            throw new IllegalArgumentException("K_MM must be " + m + " x " + m);
        }
        long t0 = System.nanoTime();
        double[] diag = new double[m];
        double mean = 0;
        for (int i = 0; i < m; i++) {
            diag[i] = kmm[i * m + i];
            mean += diag[i];
        }
        mean = m == 0 ? 0 : mean / m;
        // FALKON's jitter, eps M, relative to the kernel's scale: keeps T invertible when centres nearly coincide
        double jitter = Math.ulp(1.0) * m * mean;
        LAPACK lapack = LAPACK.getInstance();
        BlockedCholesky blocked = method.blocked();
        for (int retry = 0; ; retry++) {
            for (int i = 0; i < m; i++) {
                kmm[i * m + i] = diag[i] + jitter;
            }
            // the column-major upper triangle is the row-major lower one: the blocked factor writes it alike
            intW info = new intW(0);
            if (blocked != null) {
                info.val = blocked.factor(kmm, m);
            } else {
                lapack.dpotrf("U", m, kmm, Math.max(1, m), info);
            }
            if (info.val == 0) {
                break;
            }
            if (info.val < 0) {
                throw new IllegalStateException("dpotrf: illegal argument " + (-info.val));
            }
            // dpotrf "U" touched only the upper triangle (column-major); rebuild it from the lower one
            for (int j = 0; j < m; j++) {
                for (int i = 0; i < j; i++) {
                    kmm[i + j * m] = kmm[j + i * m];
                }
            }
            if (retry == MAX_JITTER_RETRIES || !(mean > 0)) {
                throw new UserError("K(C, C) of the Nystrom centres is not positive definite even with a jitter of " + jitter
                        + " (mean diagonal " + mean + "); the kernel has NaN/Inf or is badly broken");
            }
            jitter *= 10;
            if (log != null) {
                log.accept("nystrom: K(C, C) not numerically positive definite (dpotrf info " + info.val
                        + "); retrying with jitter " + jitter);
            }
        }
        // T: zero the strict lower triangle so the array is exactly the factor
        for (int j = 0; j < m; j++) {
            for (int i = j + 1; i < m; i++) {
                kmm[i + j * m] = 0;
            }
        }
        // A^T A = T T^T / M + (lambda / N) I, T T^T by dlauum on a copy; blocked: T^T row-major is T
        // read column-major, an upper triangular R with R R^T = T T^T in its lower triangle
        double[] a;
        intW info = new intW(0);
        if (blocked != null) {
            a = transpose(kmm, m);
            blocked.upperGram(a, m);
        } else {
            a = kmm.clone();
            if (m > 0) {
                lapack.dlauum("U", m, a, m, info);
            }
        }
        if (info.val != 0) {
            throw new IllegalStateException("dlauum failed, info " + info.val);
        }
        double shift = lambda / Math.max(1, n);
        for (int j = 0; j < m; j++) {
            for (int i = 0; i <= j; i++) {
                a[i + j * m] /= m;
            }
            a[j + j * m] += shift;
        }
        if (m > 0 && blocked != null) {
            info.val = blocked.factor(a, m);
        } else if (m > 0) {
            lapack.dpotrf("U", m, a, m, info);
        }
        if (info.val != 0) {
            throw new UserError(String.format(Locale.ROOT, "the Nystrom preconditioner T T^T / M + lambda / N I is not"
                    + " positive definite (dpotrf info %d, lambda / N = %.3g); use a larger --ridge", info.val, shift));
        }
        for (int j = 0; j < m; j++) {
            for (int i = j + 1; i < m; i++) {
                a[i + j * m] = 0;
            }
        }
        if (log != null) {
            log.accept(String.format(Locale.ROOT, "nystrom: preconditioner factored in %.1f s (M = %d: T, T T^T and A, M^3"
                    + " flops, by %s; jitter %.3g, lambda / N = %.3g)", (System.nanoTime() - t0) / 1e9, m, method.name(), jitter, shift));
        }
        return new FalkonPreconditioner(m, kmm, a, jitter);
    }

    /** The transpose of a row-major m x m array, in cache-sized blocks. */
    static double[] transpose(double[] x, int m) {
        double[] t = new double[x.length];
        final int bs = 32;
        for (int i0 = 0; i0 < m; i0 += bs) {
            for (int j0 = 0; j0 < m; j0 += bs) {
                for (int i = i0; i < Math.min(m, i0 + bs); i++) {
                    for (int j = j0; j < Math.min(m, j0 + bs); j++) {
                        t[j * m + i] = x[i * m + j];
                    }
                }
            }
        }
        return t;
    }

    /** M. */
    public int size() {
        return m;
    }

    /** The jitter added to the diagonal of K_MM. */
    public double jitter() {
        return jitter;
    }

    /** K_MM + jitter I = T^T T applied to an M x k block (for the ridge term and tests). */
    public void kmm(double[] u, int k, double[] out) {
        System.arraycopy(u, 0, out, 0, u.length);
        // row-major out (M x k) is column-major out^T (k x M): out^T = u^T T^T T
        trmm(out, k, "T");
        trmm(out, k, "N");
    }

    /** v = B u = T^-1 A^-1 u for a row-major M x k block, in place. */
    public void applyB(double[] u, int k) {
        trsm(a, u, k, "T");
        trsm(t, u, k, "T");
    }

    /** v = B^T u = A^-T T^-T u for a row-major M x k block, in place. */
    public void applyBt(double[] u, int k) {
        trsm(t, u, k, "N");
        trsm(a, u, k, "N");
    }

    /** A^-1 u for a row-major M x k block, in place (the first half of {@link #applyB}). */
    public void applyAInverse(double[] u, int k) {
        trsm(a, u, k, "T");
    }

    /** T^-1 u, in place (the second half of {@link #applyB}). */
    public void applyTInverse(double[] u, int k) {
        trsm(t, u, k, "T");
    }

    /** T^-T u, in place (the first half of {@link #applyBt}). */
    public void applyTInverseTranspose(double[] u, int k) {
        trsm(t, u, k, "N");
    }

    /** A^-T u, in place (the second half of {@link #applyBt}). */
    public void applyAInverseTranspose(double[] u, int k) {
        trsm(a, u, k, "N");
    }

    /** v = A^-T A^-1 u (= B^T K_MM B u), in place. */
    public void applyAtA(double[] u, int k) {
        trsm(a, u, k, "T");
        trsm(a, u, k, "N");
    }

    /**
     * Row-major M x k block u is column-major u^T (k x M): U^-1 u is (u^T U^-T), a right solve with
     * U^T ("T"); U^-T u is u^T U^-1 ("N").
     */
    private void trsm(double[] u, double[] b, int k, String trans) {
        if (m > 0 && k > 0) {
            BLAS.getInstance().dtrsm("R", "U", trans, "N", k, m, 1.0, u, m, b, k);
        }
    }

    /** b^T := b^T op(T): "N" multiplies the block by T^T, "T" by T (row-major view). */
    private void trmm(double[] b, int k, String trans) {
        if (m > 0 && k > 0) {
            BLAS.getInstance().dtrmm("R", "U", trans, "N", k, m, 1.0, t, m, b, k);
        }
    }
}
