package org.sparkntk.solve;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.function.Consumer;
import org.sparkntk.spec.UserError;
import org.netlib.util.intW;

/**
 * Dense direct solve of (K + lambda I) X = Y for all outputs at once, by one of two methods
 * picked once per JVM ({@link #method()}): LAPACK dpotrf/dpotrs through netlib (native LAPACK
 * when installed, one BLAS thread on the driver), or the {@link BlockedCholesky} in Java with
 * its products on every driver core (the project's Vector API GEMM without native BLAS, native
 * dgemm or the Vector API GEMM with it). Without native LAPACK the blocked one is used; with it,
 * the candidates are timed on this machine ({@link DenseMethod#pick}) and the fastest is used.
 * {@code -Dntk.cholesky=auto|lapack|blocked} forces one.
 *
 * <p>Memory: the N x N matrix is factored in place; only one triangle and the diagonal are
 * overwritten, and they are restored from the untouched other triangle and a saved diagonal, so
 * jitter retries and the residual check need no second N x N copy.
 *
 * <p>Jitter: when the factorization finds K + lambda I not numerically positive definite (a pivot
 * &lt;= 0 or NaN), the shift is raised by 1e-12 * mean(diag K), then x10 per retry (at most
 * {@link #MAX_JITTER_RETRIES} times), and the jitter used is reported in the result.
 */
public final class CholeskySolver {

    /** Retries before giving up (1e-12 .. 1e-1 times the mean diagonal). */
    public static final int MAX_JITTER_RETRIES = 12;

    /** System property that forces the method: auto (default), lapack or blocked. */
    public static final String METHOD_PROPERTY = "ntk.cholesky";

    /**
     * The Vector API factorization is given up for a native method when, after at least
     * {@code SLOW_AFTER_SECONDS}, it projects to more than {@code SLOW_FACTOR} times its timed
     * duration at this N. In about one run in 10-25 of a 10000 x 2000 regression the JIT compiled
     * the GEMM kernel with its vectors left as heap objects (190 young collections in 30 s): the
     * factorization then took 25-99 s instead of 3-4 s (docs/benchmarks.md, "Stop 22").
     */
    static final double SLOW_AFTER_SECONDS = 2.0;
    /** See {@link #SLOW_AFTER_SECONDS}. */
    static final double SLOW_FACTOR = 4.0;
    /** Factorizations expected to take less than this are not checked (the JIT warm-up's, small ones). */
    static final double GUARD_FROM_SECONDS = 0.5;

    private final long maxBytes;
    private final Consumer<String> log;
    private final double slowAfterSeconds;
    private final double guardFromSeconds;

    /**
     * @param maxBytes refuse when the estimate ({@link #bytesNeeded}) is above this
     * @param log      receives one line per jitter retry, and the switch when the method is given up
     */
    public CholeskySolver(long maxBytes, Consumer<String> log) {
        this(maxBytes, log, SLOW_AFTER_SECONDS, GUARD_FROM_SECONDS);
    }

    /**
     * As {@link #CholeskySolver(long, Consumer)} with the slowness check from {@code slowAfterSeconds}
     * on, for factorizations expected to take {@code guardFromSeconds} or more (tests).
     */
    CholeskySolver(long maxBytes, Consumer<String> log, double slowAfterSeconds, double guardFromSeconds) {
        this.maxBytes = maxBytes;
        this.log = log == null ? s -> { } : log;
        this.slowAfterSeconds = slowAfterSeconds;
        this.guardFromSeconds = guardFromSeconds;
    }

    /**
     * The factorization's rate on this driver in flop/s, for choosing between a dense and an
     * iterative solve: measured once per JVM for the method that will run ({@link #method()}).
     */
    public static double expectedFlops() {
        return method().flops();
    }

    /** The dense method this JVM uses at N = {@link DenseMethod#PROBE_N}, with its measured rate and why it was picked. */
    public static DenseMethod method() {
        return method(DenseMethod.PROBE_N);
    }

    /**
     * The dense method expected to be fastest for an N x N matrix, with its expected rate there and
     * why: the candidates are timed once per machine ({@link DenseTimings}; else once per JVM), on
     * first use, and their times extrapolated to N ({@link DenseMethod.Scaling}).
     */
    public static DenseMethod method(long n) {
        wanted();
        DenseMethod m = DenseMethod.best(MethodHolder.TIMED, n);
        timed = true;
        return m.with(m.flops(), m.reason() + MethodHolder.TOOK);
    }

    /**
     * Below this N a solve does not time the methods (1-2 s on an idle 2-core machine, more than
     * a dense solve of that size) unless they were timed already.
     */
    static final int TIME_FROM = 8000;

    private static volatile boolean timed;

    /** {@link #method(long)}, or for a small N before anything was timed the rule's method untimed. */
    static DenseMethod methodFor(int n) {
        if (timed || n >= TIME_FROM) {
            return method(n);
        }
        return DenseMethod.untimed(wanted());
    }

    /** The -Dntk.cholesky value, refused (exit 2) before anything is picked when it is not one of the three. */
    public static String wanted() {
        String want = System.getProperty(METHOD_PROPERTY, "auto");
        if (!java.util.List.of("auto", "lapack", "blocked").contains(want)) {
            throw new UserError("-D" + METHOD_PROPERTY + "=" + want + " but must be one of auto, lapack, blocked");
        }
        return want;
    }

    /** Picks the method once per JVM, on first use (timing the candidates when native LAPACK is there). */
    private static final class MethodHolder {
        static final long T0 = System.nanoTime();
        static final String[] SOURCE = {""};
        static final java.util.List<DenseMethod> TIMED = DenseMethod.timedOrStored(System.getProperty(METHOD_PROPERTY, "auto"),
                DenseMethod.PROBE_N, DenseTimings.dir(), s -> SOURCE[0] = s);
        static final String TOOK = String.format(java.util.Locale.ROOT, "; %s, in %.2f s", SOURCE[0], (System.nanoTime() - T0) / 1e9);
    }

    /** Driver bytes a dense solve of N samples and k outputs needs: K, Y, X and the residual. */
    public static long bytesNeeded(long n, int k) {
        return 8L * n * n + 4L * 8L * n * k + 8L * n;
    }

    /**
     * Starts a daemon thread that runs the dense solve N would use ({@link #methodFor}) on a small
     * matrix (factor, solve, residual; a few rounds, about 0.3 s) so that the JIT has compiled its
     * kernels before the real solve (once the timings are kept per machine, nothing else runs the
     * blocked method's code before it: docs/benchmarks.md, "Dense method: timed once per
     * machine"). Join it before the solve. Below {@link #TIME_FROM}, where the solve itself takes
     * well under a second, and for a method without Java kernels (LAPACK) the thread does nothing.
     */
    public static Thread warmUp(int n) {
        DenseMethod m = methodFor(n);
        Thread t = new Thread(() -> {
            if (m.blocked() == null || n < TIME_FROM) {
                return;
            }
            int w = 2 * BlockedCholesky.BLOCK + 37; // two block columns and a ragged edge: every kernel runs
            double[] a = DenseMethod.probeMatrix(w);
            double[] y = new double[w * 3];
            java.util.Arrays.fill(y, 1.0);
            CholeskySolver s = new CholeskySolver(Long.MAX_VALUE, null);
            long end = System.nanoTime() + 300_000_000L;
            for (int r = 0; r < 3 || (r < 20 && System.nanoTime() < end); r++) {
                s.solve(a, w, 0.0, y, 3, m);
            }
        }, "ntk-cholesky-warm-up");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Refuses (UserError) when the dense solve does not fit the configured limit or a Java array. */
    public void checkFits(long n, int k) {
        long need = bytesNeeded(n, k);
        if (n * n > Integer.MAX_VALUE - 8) {
            throw new UserError("the cholesky solver holds K in one array, at most 46340 x 46340; N = " + n
                    + " needs " + gb(need) + "; use --solver pcg");
        }
        if (need > maxBytes) {
            throw new UserError("the cholesky solver needs " + gb(need) + " on the driver for N = " + n
                    + " (8 N^2 bytes for K), above the limit of " + gb(maxBytes)
                    + "; use --solver pcg, or raise the driver memory (-Xmx / NTK_JAVA_OPTS)");
        }
    }

    static String gb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.2f GB", bytes / 1e9);
    }

    /**
     * Solves (K + lambda I) X = Y.
     *
     * @param k      full symmetric N x N array; used as workspace and restored on return
     * @param y      row-major N x nrhs right-hand sides (not modified)
     * @param lambda ridge, >= 0
     */
    public Solution solve(double[] k, int n, double lambda, double[] y, int nrhs) {
        return solve(k, n, lambda, y, nrhs, methodFor(n));
    }

    /** As {@link #solve(double[], int, double, double[], int)} by a given method (tests, benchmarks). */
    public Solution solve(double[] k, int n, double lambda, double[] y, int nrhs, DenseMethod method) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new UserError("'ridge' is " + lambda + " but must be >= 0 and finite");
        }
        if (k.length != (long) n * n || y.length != (long) n * nrhs) {
            throw new IllegalArgumentException("cholesky: K must be " + n + " x " + n + " and Y " + n + " x " + nrhs);
        }
        checkFits(n, nrhs);
        double[] diag = new double[n];
        double meanDiag = 0;
        for (int i = 0; i < n; i++) {
            diag[i] = k[i * n + i];
            meanDiag += diag[i];
        }
        meanDiag = n == 0 ? 0 : meanDiag / n;
        BlockedCholesky blocked = method.blocked();
        return blocked == null ? lapack(k, n, lambda, y, nrhs, diag, meanDiag, method)
                : blocked(blocked, k, n, lambda, y, nrhs, diag, meanDiag, method);
    }

    /** The next jitter after a failed factorization, or a UserError when the retries are spent. */
    private double nextJitter(double jitter, int retry, double meanDiag, String why) {
        if (retry == MAX_JITTER_RETRIES || !(meanDiag > 0)) {
            throw new UserError("K + lambda I is not positive definite even with a jitter of " + jitter
                    + " (mean diagonal " + meanDiag + "); the kernel matrix has NaN/Inf or is badly broken");
        }
        double next = jitter == 0 ? 1e-12 * meanDiag : jitter * 10;
        log.accept("cholesky: K + lambda I not numerically positive definite (" + why + "); retrying with jitter " + next);
        return next;
    }

    private Solution lapack(double[] k, int n, double lambda, double[] y, int nrhs, double[] diag, double meanDiag,
                            DenseMethod method) {
        LAPACK lapack = LAPACK.getInstance();
        double jitter = 0;
        int retry = 0;
        boolean restored = false;
        try {
            while (true) {
                for (int i = 0; i < n; i++) {
                    k[i * n + i] = diag[i] + lambda + jitter;
                }
                intW info = new intW(0);
                lapack.dpotrf("L", n, k, Math.max(n, 1), info);
                // OpenBLAS's dpotrf tests pivots with <= 0 only, so a NaN passes: look at the diagonal
                for (int i = 0; info.val == 0 && i < n; i++) {
                    double d = k[i * n + i];
                    if (!(d > 0) || d == Double.POSITIVE_INFINITY) {
                        info.val = i + 1;
                    }
                }
                if (info.val == 0) {
                    break;
                }
                if (info.val < 0) {
                    throw new IllegalStateException("dpotrf: illegal argument " + (-info.val));
                }
                restore(k, n, diag);
                jitter = nextJitter(jitter, retry, meanDiag, "dpotrf info " + info.val);
                retry++;
            }
            // column-major B (n x nrhs) = Y; dpotrs overwrites it with X
            double[] b = new double[n * nrhs];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < nrhs; c++) {
                    b[c * n + i] = y[i * nrhs + c];
                }
            }
            intW info = new intW(0);
            if (n > 0 && nrhs > 0) {
                lapack.dpotrs("L", n, nrhs, k, Math.max(n, 1), b, Math.max(n, 1), info);
            }
            if (info.val != 0) {
                throw new IllegalStateException("dpotrs failed, info " + info.val);
            }
            double[] x = new double[n * nrhs];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < nrhs; c++) {
                    x[i * nrhs + c] = b[c * n + i];
                }
            }
            restore(k, n, diag);
            restored = true;
            double[] res = residual(k, n, lambda, x, y, nrhs);
            return solution(x, n, nrhs, res, jitter, method);
        } finally {
            if (!restored) { // a failure left K factored: put it back (a second pass over N^2 entries otherwise)
                restore(k, n, diag);
            }
        }
    }

    private Solution blocked(BlockedCholesky chol, double[] k, int n, double lambda, double[] y, int nrhs, double[] diag,
                             double meanDiag, DenseMethod method) {
        double jitter = 0;
        int retry = 0;
        boolean restored = false;
        // the check only where a native method can take over, and a solve that is expected to take
        // seconds (not the warm-up's small one, slow by design while the JIT compiles it); the
        // method's timing says what to expect
        double expected = (double) n * n * n / 3 / method.flopsAt(n);
        boolean guarded = chol.javaGemm() && expected > 0 && expected >= guardFromSeconds && DenseMethod.nativeLapack();
        try {
            while (true) {
                for (int i = 0; i < n; i++) {
                    k[i * n + i] = diag[i] + lambda + jitter;
                }
                long t0 = System.nanoTime();
                double[] share = {0};
                java.util.function.DoublePredicate stop = !guarded ? null : done -> {
                    synchronized (share) {
                        share[0] = done;
                        return tooSlow((System.nanoTime() - t0) / 1e9, done, expected);
                    }
                };
                int info = chol.factor(k, n, null, stop);
                if (info == BlockedCholesky.STOPPED) {
                    restoreLower(k, n, diag);
                    restored = true;
                    DenseMethod fallback = nativeFallback(n);
                    double s = (System.nanoTime() - t0) / 1e9;
                    double done;
                    synchronized (share) {
                        done = share[0];
                    }
                    String w = String.format(java.util.Locale.ROOT, "cholesky: %s ran at %.1f GFLOP/s for %.1f s against the %.1f GFLOP/s"
                            + " timed on this machine (the JIT compiled its kernel badly); finishing with %s", method.name(),
                            done * n * (double) n * n / 3 / s / 1e9, s, method.flopsAt(n) / 1e9, fallback.name());
                    log.accept(w);
                    org.apache.logging.log4j.LogManager.getLogger(CholeskySolver.class).warn(w);
                    return solve(k, n, lambda, y, nrhs, fallback);
                }
                if (info == 0) {
                    break;
                }
                restoreLower(k, n, diag);
                jitter = nextJitter(jitter, retry, meanDiag, "pivot of row " + info + " not positive");
                retry++;
            }
            double[] x = chol.solve(k, n, y, nrhs);
            restoreLower(k, n, diag);
            restored = true;
            double[] res = chol.residual(k, n, lambda, x, y, nrhs);
            return solution(x, n, nrhs, res, jitter, method);
        } finally {
            if (!restored) {
                restoreLower(k, n, diag);
            }
        }
    }

    /**
     * True when a factorization {@code seconds} in, with the share {@code done} of its N^3 / 3 flops
     * done (after r of N rows, 1 - (1 - r / N)^3), projects to more than {@link #SLOW_FACTOR} times
     * the {@code expected} seconds.
     */
    boolean tooSlow(double seconds, double done, double expected) {
        if (seconds < slowAfterSeconds || done >= 1) {
            return false;
        }
        return seconds > SLOW_FACTOR * expected * done;
    }

    /**
     * The fastest timed method at N that does not run on the Vector API GEMM (native LAPACK, or
     * the blocked method on native dgemm); LAPACK untimed when none was timed. Only with native LAPACK.
     */
    static DenseMethod nativeFallback(int n) {
        DenseMethod best = null;
        for (DenseMethod m : MethodHolder.TIMED) {
            boolean nativeOne = m.blocked() == null || !m.blocked().javaGemm();
            if (nativeOne && (best == null || m.flopsAt(n) > best.flopsAt(n))) {
                best = m;
            }
        }
        return best == null ? DenseMethod.lapack() : best;
    }

    private static Solution solution(double[] x, int n, int nrhs, double[] res, double jitter, DenseMethod method) {
        boolean[] conv = new boolean[nrhs];
        for (int c = 0; c < nrhs; c++) {
            conv[c] = Double.isFinite(res[c]);
        }
        return new Solution(x, n, nrhs, new SolveResult("cholesky (" + method.name() + ")", conv, 0, res, jitter));
    }

    /**
     * Copies the row-major strict upper triangle onto the lower one (which {@link BlockedCholesky}
     * overwrites) in cache-sized blocks, and puts the original diagonal back.
     */
    static void restoreLower(double[] k, int n, double[] diag) {
        final int bs = 16;
        for (int i0 = 0; i0 < n; i0 += bs) {
            int i1 = Math.min(n, i0 + bs);
            for (int j0 = 0; j0 <= i0; j0 += bs) {
                int j1 = Math.min(n, j0 + bs);
                for (int i = i0; i < i1; i++) {
                    int row = i * n;
                    for (int j = j0; j < Math.min(j1, i); j++) {
                        k[row + j] = k[j * n + i];
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            k[i * n + i] = diag[i];
        }
    }

    /** Copies the strict upper triangle into the lower one and puts the original diagonal back. */
    private static void restore(double[] k, int n, double[] diag) {
        for (int j = 0; j < n; j++) {
            // column-major lower element (i, j), i > j, is k[i + j n]; its mirror k[j + i n] is untouched
            for (int i = j + 1; i < n; i++) {
                k[i + j * n] = k[j + i * n];
            }
            k[j * n + j] = diag[j];
        }
    }

    /** Relative residual per output of the system asked, ||y - (K + lambda I) x|| / ||y||. */
    static double[] residual(double[] k, int n, double lambda, double[] x, double[] y, int nrhs) {
        double[] r = y.clone();
        if (n > 0 && nrhs > 0) {
            BLAS.getInstance().dgemm("N", "N", nrhs, n, n, -1.0, x, nrhs, k, n, 1.0, r, nrhs);
        }
        for (int i = 0; i < r.length; i++) {
            r[i] -= lambda * x[i];
        }
        double[] rn = Blocks.norms(r, nrhs);
        double[] yn = Blocks.norms(y, nrhs);
        for (int c = 0; c < nrhs; c++) {
            rn[c] = yn[c] == 0 ? (rn[c] == 0 ? 0 : Double.POSITIVE_INFINITY) : rn[c] / yn[c];
        }
        return rn;
    }
}
