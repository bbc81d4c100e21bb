package org.sparkntk.solve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ludovic.netlib.lapack.LAPACK;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.netlib.util.intW;
import org.sparkntk.spec.UserError;
import org.sparkntk.tile.ScalarGemm;
import org.sparkntk.tile.TileKernels;
import org.sparkntk.tile.panama.PanamaSupport;

/**
 * The blocked Cholesky against netlib LAPACK dpotrf/dpotrs and against an unblocked textbook
 * Cholesky written here, with each kernel: netlib's dgemm (native OpenBLAS when installed) and
 * the Vector API GEMM forced, on odd sizes across block boundaries.
 *
 * <p>The bound: the matrices are an RBF kernel plus a ridge of 0.1 N, so by Gershgorin every
 * eigenvalue lies in [0.1 N, 1.1 N] and cond_2 &lt;= 11. All three solvers are backward stable, so
 * they differ by about cond * sqrt(N) * eps (rounding errors add like a random walk), at most
 * 11 * 32 * 1.1e-16 = 4e-14 at N = 1031; 1e-12 leaves a margin of 25 while any wrong block (an
 * index off by one, a missed tile, a wrong transpose) gives an error of order 1.
 */
class BlockedCholeskyTest {

    static final int NRHS = 3;
    static final double TOL = 1e-12;

    record Problem(double[] a, double[] y, double[] lapackFactor, double[] lapackX, double[] textbookX) {
    }

    static final Map<Integer, Problem> PROBLEMS = new HashMap<>();

    static synchronized Problem problem(int n) {
        return PROBLEMS.computeIfAbsent(n, BlockedCholeskyTest::make);
    }

    /** RBF kernel exp(-|xi - xj|^2 / 2) of N points in [0, 2]^3 plus 0.1 N I; NRHS Gaussian right-hand sides. */
    static Problem make(int n) {
        Random r = new Random(n);
        double[] x = new double[n * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * r.nextDouble();
        }
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double d2 = 0;
                for (int t = 0; t < 3; t++) {
                    double d = x[i * 3 + t] - x[j * 3 + t];
                    d2 += d * d;
                }
                a[i * n + j] = Math.exp(-d2 / 2) + (i == j ? 0.1 * n : 0);
            }
        }
        double[] y = new double[n * NRHS];
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextGaussian();
        }
        // LAPACK: the row-major array is its own column-major transpose (symmetric)
        double[] f = a.clone();
        intW info = new intW(0);
        LAPACK.getInstance().dpotrf("L", n, f, n, info);
        assertEquals(0, info.val);
        double[] b = new double[n * NRHS];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < NRHS; c++) {
                b[c * n + i] = y[i * NRHS + c];
            }
        }
        LAPACK.getInstance().dpotrs("L", n, NRHS, f, n, b, n, info);
        assertEquals(0, info.val);
        double[] lx = new double[n * NRHS];
        double[] lf = new double[n * n]; // dpotrf's L, row-major lower
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < NRHS; c++) {
                lx[i * NRHS + c] = b[c * n + i];
            }
            for (int j = 0; j <= i; j++) {
                lf[i * n + j] = f[i + j * n];
            }
        }
        return new Problem(a, y, lf, lx, textbook(a, n, y, NRHS));
    }

    /** Unblocked Cholesky-Crout (L[i][j] = (a[i][j] - sum_k L[i][k] L[j][k]) / L[j][j]) and two substitutions. */
    static double[] textbook(double[] a, int n, double[] y, int k) {
        double[][] l = new double[n][];
        for (int i = 0; i < n; i++) {
            l[i] = new double[i + 1];
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int t = 0; t < j; t++) {
                    s -= l[i][t] * l[j][t];
                }
                l[i][j] = j == i ? Math.sqrt(s) : s / l[j][j];
            }
        }
        double[] x = new double[n * k];
        for (int c = 0; c < k; c++) {
            double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                double s = y[i * k + c];
                for (int t = 0; t < i; t++) {
                    s -= l[i][t] * z[t];
                }
                z[i] = s / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double s = z[i];
                for (int t = i + 1; t < n; t++) {
                    s -= l[t][i] * x[t * k + c];
                }
                x[i * k + c] = s / l[i][i];
            }
        }
        return x;
    }

    static BlockedCholesky kernel(String name, int threads) {
        return switch (name) {
            case "netlib" -> BlockedCholesky.nativeBlas(threads);
            case "vector" -> BlockedCholesky.withGemm(PanamaSupport.gemm(), threads);
            case "scalar" -> BlockedCholesky.withGemm(new ScalarGemm(), threads);
            default -> throw new IllegalArgumentException(name);
        };
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String k : new String[] {"netlib", "vector"}) {
            for (int n : new int[] {1, 2, 7, 13, 103, 257, 1031}) {
                out.add(Arguments.of(k, n, BlockedCholesky.BLOCK, BlockedCholesky.WIDE, 2));
            }
            for (int n : new int[] {13, 103, 257}) {
                // many block boundaries, trailing rows in products of 3 blocks and a ragged rest, more threads than cores
                out.add(Arguments.of(k, n, 16, 48, 3));
            }
        }
        out.add(Arguments.of("scalar", 103, 7, 7, 1));
        return out.stream();
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static void assertClose(double[] expected, double[] actual, double rel, String what) {
        double scale = maxAbs(expected);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= rel * scale, what + ": max difference " + worst + " is above " + rel + " x " + scale);
    }

    @ParameterizedTest(name = "{0} N={1} block={2} wide={3} threads={4}")
    @MethodSource("cases")
    void agreesWithLapackAndATextbookCholesky(String kernel, int n, int block, int wide, int threads) {
        if (kernel.equals("vector")) {
            assertNull(TileKernels.vectorUnavailableReason(), "the test JVM runs with --add-modules jdk.incubator.vector");
        }
        Problem p = problem(n);
        BlockedCholesky chol = kernel(kernel, threads).withBlock(block).withWide(wide);
        double[] a = p.a().clone();
        assertEquals(0, chol.factor(a, n));
        // the factor itself, entry by entry, and the strict upper triangle untouched
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (j <= i) {
                    l[i * n + j] = a[i * n + j];
                } else {
                    assertEquals(p.a()[i * n + j], a[i * n + j], "upper triangle (" + i + ", " + j + ") written");
                }
            }
        }
        assertClose(p.lapackFactor(), l, TOL, "L against dpotrf");
        double[] x = chol.solve(a, n, p.y(), NRHS);
        assertClose(p.lapackX(), x, TOL, "X against dpotrs");
        assertClose(p.textbookX(), x, TOL, "X against the textbook Cholesky");
        // each output on its own agrees with a one-column solve: the outputs do not mix
        double[] y1 = new double[n];
        for (int i = 0; i < n; i++) {
            y1[i] = p.y()[i * NRHS + NRHS - 1];
        }
        double[] x1 = chol.solve(a, n, y1, 1);
        for (int i = 0; i < n; i++) {
            assertEquals(x[i * NRHS + NRHS - 1], x1[i], TOL * maxAbs(x1), "output " + (NRHS - 1) + " row " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void solverRestoresKAndReportsTheResidual(String kernel) {
        int n = 257;
        Problem p = problem(n);
        double[] k = p.a().clone();
        double lambda = 0.5;
        Solution s = new CholeskySolver(Long.MAX_VALUE, null).solve(k, n, lambda, p.y(), NRHS,
                DenseMethod.blocked(kernel(kernel, 2)));
        assertArrayEquals(p.a(), k, "K is restored bit for bit");
        double[] shifted = p.a().clone();
        for (int i = 0; i < n; i++) {
            shifted[i * n + i] += lambda;
        }
        assertClose(textbook(shifted, n, p.y(), NRHS), s.x(), TOL, "X of K + lambda I");
        assertArrayEquals(CholeskySolver.residual(p.a(), n, lambda, s.x(), p.y(), NRHS), s.result().relativeResidual(), 1e-14);
        assertTrue(s.result().maxResidual() < 1e-13, s.result().toString());
        assertTrue(s.result().solver().startsWith("cholesky (blocked java cholesky ("), s.result().solver());
        assertEquals(0.0, s.result().jitter());
    }

    /**
     * A Vector API factorization far slower than its timing on this machine is given up for a
     * native method (the JIT's occasional bad compile of the GEMM kernel): K comes back bit for
     * bit, the answer is the textbook one, and the log and the result name the method that finished.
     */
    @Test
    void aFactorizationFarSlowerThanItsTimingIsFinishedByANativeMethod() {
        assumeTrue(DenseMethod.nativeLapack(), "the switch needs native LAPACK (.ci/run installs OpenBLAS)");
        int n = 1031;
        Problem p = problem(n);
        double lambda = 0.5;
        double[] shifted = p.a().clone();
        for (int i = 0; i < n; i++) {
            shifted[i * n + i] += lambda;
        }
        double[] want = textbook(shifted, n, p.y(), NRHS);
        // "timed" at 1e18 flop/s: every real run projects to far more than 4x that; checked from the first block on
        double[] k = p.a().clone();
        List<String> log = new ArrayList<>();
        Solution s = new CholeskySolver(Long.MAX_VALUE, log::add, 0.0, 0.0).solve(k, n, lambda, p.y(), NRHS,
                new DenseMethod("vector test", kernel("vector", 2).withBlock(16), 1e18, "test"));
        assertArrayEquals(p.a(), k, "K is restored bit for bit");
        assertTrue(log.stream().anyMatch(l -> l.contains("vector test ran at") && l.contains("finishing with")), log.toString());
        assertFalse(s.result().solver().contains("vector"), s.result().solver());
        assertClose(want, s.x(), TOL, "X from the native method");
        // timed at 1 flop/s it is never given up
        k = p.a().clone();
        log.clear();
        s = new CholeskySolver(Long.MAX_VALUE, log::add, 0.0, 0.0).solve(k, n, lambda, p.y(), NRHS,
                new DenseMethod("vector test", kernel("vector", 2).withBlock(16), 1.0, "test"));
        assertTrue(log.isEmpty(), log.toString());
        assertTrue(s.result().solver().contains("vector test"), s.result().solver());
        assertClose(want, s.x(), TOL, "X from the Vector API method");
        assertArrayEquals(p.a(), k);
    }

    @Test
    void theCheckIsAskedWithinATrailingUpdateNotOnlyAfterIt() {
        int n = 1031;
        Problem p = problem(n);
        BlockedCholesky chol = kernel("vector", 2).withBlock(16);
        double firstColumn = 1 - Math.pow(1 - 16.0 / n, 3);
        List<Double> asked = java.util.Collections.synchronizedList(new ArrayList<>());
        // asked between every two tasks (no time limit): a stop answered at once ends the first update
        double[] a = p.a().clone();
        assertEquals(BlockedCholesky.STOPPED, chol.factor(a, n, null, d -> {
            asked.add(d);
            return true;
        }, 0L));
        // no task starts after the stop; one in flight on the other thread may still ask once
        assertTrue(asked.size() <= 2, "asked after the stop: " + asked);
        for (double d : asked) {
            assertTrue(d > 0 && d < firstColumn, d + " within the first column's " + firstColumn);
        }
        // never stopped: the factor is LAPACK's, and the shares asked run up to all of the work
        asked.clear();
        a = p.a().clone();
        assertEquals(0, chol.factor(a, n, null, d -> {
            asked.add(d);
            return false;
        }, 0L));
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a, i * n, l, i * n, i + 1);
        }
        assertClose(p.lapackFactor(), l, TOL, "L against dpotrf");
        // the last ask is after the last update, with only the last diagonal block left
        double last = 1 - Math.pow(1 - (double) (n - n % 16) / n, 3);
        assertEquals(last, asked.stream().mapToDouble(Double::doubleValue).max().orElse(0), 1e-12);
        assertTrue(asked.stream().allMatch(d -> d > 0 && d <= 1), asked.toString());
        assertTrue(asked.size() > n / 16, "asked within the updates too: " + asked.size());
    }

    @Test
    void theSlownessCheckProjectsTheWorkDone() {
        CholeskySolver c = new CholeskySolver(Long.MAX_VALUE, null);
        // 10000 rows expected in 3 s: a tenth of the rows is 27% of the work, 0.81 s expected
        double tenth = 1 - Math.pow(0.9, 3); // the first 1000 rows of 10000: 27.1 % of the flops
        assertFalse(c.tooSlow(1.9, tenth, 3.0), "not before SLOW_AFTER_SECONDS");
        assertFalse(c.tooSlow(3.2, tenth, 3.0), "3.2 s < 4 x 0.81 s");
        assertTrue(c.tooSlow(3.3, tenth, 3.0), "3.3 s > 4 x 0.81 s");
        assertFalse(c.tooSlow(100, 1.0, 3.0), "never once the last rows are done");
        // with the default rules, a factorization expected to take milliseconds (the JIT warm-up's)
        // is never given up, however slow it runs
        java.util.List<String> log = new ArrayList<>();
        int n = 257;
        Problem p = problem(n);
        double[] k = p.a().clone();
        Solution s = new CholeskySolver(Long.MAX_VALUE, log::add, 0.0, CholeskySolver.GUARD_FROM_SECONDS).solve(k, n, 0.5,
                p.y(), NRHS, new DenseMethod("vector test", kernel("vector", 2).withBlock(16), 1e18, "test"));
        assertTrue(log.isEmpty(), log.toString());
        assertTrue(s.result().solver().contains("vector test"), s.result().solver());
    }

    static Stream<String> kernels() {
        return Stream.of("netlib", "vector");
    }

    /** B B^T with B 300 x 3: rank 3, so K + 0 I fails and the jitter ladder of CholeskySolver runs, across block boundaries. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void jitterEscalatesOnARankDeficientMatrix(String kernel) {
        int n = 300;
        Random r = new Random(5);
        double[] b = new double[n * 3];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextGaussian();
        }
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int t = 0; t < 3; t++) {
                    a[i * n + j] += b[i * 3 + t] * b[j * 3 + t];
                }
            }
        }
        double[] orig = a.clone();
        double[] rhs = new double[n];
        for (int i = 0; i < n; i++) {
            rhs[i] = r.nextGaussian();
        }
        List<String> log = new ArrayList<>();
        Solution s = new CholeskySolver(Long.MAX_VALUE, log::add).solve(a, n, 0.0, rhs, 1,
                DenseMethod.blocked(kernel(kernel, 2).withBlock(64)));
        assertTrue(s.result().jitter() > 0, "a rank-3 matrix needs a jitter");
        assertTrue(log.get(0).contains("not numerically positive definite (pivot of row ") && log.get(0).contains("retrying with jitter"),
                log.get(0));
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += orig[i * n + i] / n;
        }
        double steps = Math.log10(s.result().jitter() / (1e-12 * mean));
        assertEquals(Math.rint(steps), steps, 1e-9, "the jitter is 1e-12 x mean diagonal x 10^retries");
        assertEquals(log.size(), (int) Math.rint(steps) + 1);
        assertArrayEquals(orig, a, "K is restored bit for bit");
        double[] shifted = orig.clone();
        for (int i = 0; i < n; i++) {
            shifted[i * n + i] += s.result().jitter();
        }
        // cond(K + jitter I) is up to ~1e15 here, so solutions of two stable solvers need not agree;
        // what a backward stable solve guarantees is a small normwise backward error
        // ||y - (K + jI) x|| / (||K + jI|| ||x||), a few eps (Frobenius norms)
        double[] res = rhs.clone();
        double an = 0;
        double xn = 0;
        double rn = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                res[i] -= shifted[i * n + j] * s.x()[j];
                an += shifted[i * n + j] * shifted[i * n + j];
            }
            xn += s.x()[i] * s.x()[i];
        }
        for (double v : res) {
            rn += v * v;
        }
        double backward = Math.sqrt(rn) / (Math.sqrt(an) * Math.sqrt(xn));
        assertTrue(backward < 1e-14, "backward error " + backward);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void refusesAMatrixWithNaN(String kernel) {
        int n = 103;
        double[] a = problem(n).a().clone();
        a[90 * n + 20] = Double.NaN; // below the first 64-block: reaches row 90's pivot through the panel and update
        a[20 * n + 90] = Double.NaN;
        double[] orig = a.clone();
        List<String> log = new ArrayList<>();
        CholeskySolver solver = new CholeskySolver(Long.MAX_VALUE, log::add);
        DenseMethod m = DenseMethod.blocked(kernel(kernel, 2).withBlock(64));
        UserError e = assertThrows(UserError.class, () -> solver.solve(a, n, 0.1, new double[n], 1, m));
        assertTrue(e.getMessage().startsWith("K + lambda I is not positive definite even with a jitter of "), e.getMessage());
        assertTrue(e.getMessage().endsWith("); the kernel matrix has NaN/Inf or is badly broken"), e.getMessage());
        assertEquals(CholeskySolver.MAX_JITTER_RETRIES, log.size(), "every retry logged, then refused");
        assertTrue(log.get(0).contains("pivot of row 91 not positive"), log.get(0));
        assertArrayEquals(orig, a, "K is restored (NaN included)");

        double[] d = problem(n).a().clone();
        d[5 * n + 5] = Double.NaN;
        UserError e2 = assertThrows(UserError.class, () -> solver.solve(d, n, 0.1, new double[n], 1, m));
        assertEquals("K + lambda I is not positive definite even with a jitter of 0.0 (mean diagonal NaN); the kernel matrix"
                + " has NaN/Inf or is badly broken", e2.getMessage());
    }

    /** The memory refusal is the solver's, before any work, whatever the method. */
    @Test
    void blockedMethodRefusesAboveTheMemoryLimitLikeLapack() {
        int n = 103;
        double[] a = problem(n).a().clone();
        CholeskySolver small = new CholeskySolver(1000, null);
        for (DenseMethod m : new DenseMethod[] {DenseMethod.lapack(), DenseMethod.blocked(kernel("vector", 2))}) {
            UserError e = assertThrows(UserError.class, () -> small.solve(a, n, 0.1, new double[n], 1, m));
            assertEquals("the cholesky solver needs 0.00 GB on the driver for N = 103 (8 N^2 bytes for K), above the limit"
                    + " of 0.00 GB; use --solver pcg, or raise the driver memory (-Xmx / NTK_JAVA_OPTS)", e.getMessage());
        }
        assertArrayEquals(problem(n).a(), a, "nothing was touched");
    }

    /** R R^T of an upper triangular R by tiles on two threads, against the product written here; the strict upper triangle untouched. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"netlib", "vector"})
    void upperGramEqualsTheProductOfTheTriangle(String name) {
        for (int n : new int[] {1, 63, 64, 200}) {
            java.util.Random r = new java.util.Random(n);
            double[] a = new double[n * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextGaussian();
            }
            double[] orig = a.clone();
            kernel(name, 2).withBlock(64).withWide(128).upperGram(a, n);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (j > i) {
                        assertEquals(orig[i * n + j], a[i * n + j], 0.0, "strict upper (" + i + ", " + j + ") untouched");
                        continue;
                    }
                    double c = 0;
                    for (int k = i; k < n; k++) { // row i of R starts at column i; row j at column j <= i
                        c += orig[i * n + k] * orig[j * n + k];
                    }
                    assertEquals(c, a[i * n + j], 1e-12 * Math.sqrt(n) * 4, name + " N = " + n + " (" + i + ", " + j + ")");
                }
            }
        }
    }

    /**
     * The expected time at N from a run at the probe's size: LAPACK's grows as N^3, the blocked
     * method's diagonal blocks as N and its panels as N^2, so the pick can change with N.
     */
    @Test
    void theRateIsExtrapolatedToTheSizeAsked() {
        DenseMethod.Scaling s = new DenseMethod.Scaling(1000, 0.5, 0.3, 0.4);
        assertEquals(1.2, s.secondsAt(1000), 1e-12);
        assertEquals(0.5 * 64 + 0.3 * 16 + 0.4 * 4, s.secondsAt(4000), 1e-12);
        DenseMethod lapack = DenseMethod.lapack().with(1e9 / 3, "").with(new DenseMethod.Scaling(1000, 1.0, 0, 0));
        DenseMethod blocked = DenseMethod.blocked(kernel("vector", 2)).with(1e9 / 3 / 1.2, "").with(s);
        List<DenseMethod> both = List.of(lapack, blocked);
        DenseMethod at1000 = DenseMethod.best(both, 1000);
        assertNull(at1000.blocked(), at1000.describe());
        assertEquals(1e9 / 3, at1000.flops(), 1e-3);
        assertTrue(at1000.reason().startsWith("measured at N = 1000: lapack dpotrf"), at1000.reason());
        DenseMethod at4000 = DenseMethod.best(both, 4000);
        assertNotNull(at4000.blocked(), at4000.describe());
        assertEquals(4000.0 * 4000 * 4000 / 3 / 38.4, at4000.flops(), 1e-3);
        assertTrue(at4000.reason().startsWith("expected at N = 4000 from runs at N = 1000: lapack dpotrf"), at4000.reason());
        assertTrue(at4000.reason().contains(String.format(java.util.Locale.ROOT, "%s %.1f GFLOP/s", blocked.name(),
                at4000.flops() / 1e9)), at4000.reason());
        // a timed run splits into parts that add up to its time
        for (DenseMethod m : DenseMethod.timed("blocked", 600)) {
            DenseMethod.Scaling t = m.scaling();
            assertTrue(t.cubic() >= 0 && t.quadratic() >= 0 && t.linear() >= 0 && t.quadratic() + t.linear() > 0, t.toString());
            assertEquals(600.0 * 600 * 600 / 3 / m.flops(), t.secondsAt(600), 1e-9);
        }
    }

    /** The picks on a 600 x 600 probe (the solver's own times 3072 x 3072, too slow for a unit test). */
    @Test
    void methodIsPickedAndMeasured() {
        DenseMethod auto = DenseMethod.pick("auto", 600);
        assertTrue(Double.isFinite(auto.flops()) && auto.flops() > 1e8, auto.describe());
        if (!DenseMethod.nativeLapack()) {
            assertNotNull(auto.blocked(), "without native LAPACK the blocked method runs: " + auto.describe());
            assertEquals("netlib has no native LAPACK; its Java port runs about 1.8 GFLOP/s", auto.reason());
        } else if (Fanout.cores() > 1) {
            // all candidates named with their rates, the pick among them
            assertTrue(auto.reason().startsWith("measured at N = 600: lapack dpotrf, native, 1 thread ")
                    && auto.reason().contains(", blocked java cholesky (netlib "), auto.reason());
            assertTrue(auto.reason().contains(auto.name() + String.format(java.util.Locale.ROOT, " %.1f GFLOP/s", auto.flops() / 1e9)),
                    auto.describe());
        }
        DenseMethod lapack = DenseMethod.pick("lapack", 600);
        assertNull(lapack.blocked());
        assertTrue(lapack.reason().equals("forced by -Dntk.cholesky=lapack") && lapack.flops() > 1e8, lapack.describe());
        DenseMethod blocked = DenseMethod.pick("blocked", 600);
        assertNotNull(blocked.blocked());
        assertEquals(Fanout.cores(), blocked.blocked().threads());
        // a small N is not worth timing: the rule's method, untimed
        DenseMethod small = DenseMethod.untimed("auto");
        assertEquals(DenseMethod.nativeLapack(), small.blocked() == null, small.describe());
        assertTrue(Double.isNaN(small.flops()));
        assertNotNull(DenseMethod.untimed("blocked").blocked());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DenseMethod.pick("fast"));
        assertEquals("-Dntk.cholesky=fast but must be one of auto, lapack, blocked", e.getMessage());
        String old = System.getProperty(CholeskySolver.METHOD_PROPERTY);
        System.setProperty(CholeskySolver.METHOD_PROPERTY, "fast");
        try {
            UserError u = assertThrows(UserError.class, CholeskySolver::wanted);
            assertEquals("-Dntk.cholesky=fast but must be one of auto, lapack, blocked", u.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(CholeskySolver.METHOD_PROPERTY);
            } else {
                System.setProperty(CholeskySolver.METHOD_PROPERTY, old);
            }
        }
    }
}
