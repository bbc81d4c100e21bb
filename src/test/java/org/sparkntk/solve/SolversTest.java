package org.sparkntk.solve;

import org.sparkntk.truth.Specs;

import org.sparkntk.tile.Rows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.spec.UserError;
import org.sparkntk.tile.Tiles;

/** The solvers against each other and against a direct solve written here (no Spark). */
public class SolversTest {

    static final int N = 2000;
    static double[] ntk;
    static double lambda;
    static double[] y;
    static final int K = 3;

    /** NTK (ReLU, L = 3, beta = 0.1) of 2000 points in 8 tight clusters: a few huge eigenvalues, a long tail. */
    @BeforeAll
    static void clusteredNtk() {
        int d = 4;
        Random r = new Random(7);
        double[][] centers = new double[8][d];
        for (double[] c : centers) {
            for (int j = 0; j < d; j++) {
                c[j] = r.nextGaussian();
            }
        }
        double[] x = new double[N * d];
        y = new double[N * K];
        for (int i = 0; i < N; i++) {
            int c = i % 8;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = centers[c][j] + 0.3 * r.nextGaussian();
            }
            for (int o = 0; o < K; o++) {
                y[i * K + o] = Math.sin(3 * x[i * d + o]) + (o == 2 ? c : 0);
            }
        }
        NetworkSpec spec = new NetworkSpec(3, Activations.parse("relu"), 1.0, 0.1);
        ntk = new double[N * N];
        Tiles.compute(Specs.of(spec, new int[] {3}, new double[][] {ntk}, null), new Rows(x, N, d),
                new Rows(x, N, d), true, new double[][] {ntk}, null);
        double tr = 0;
        for (int i = 0; i < N; i++) {
            tr += ntk[i * N + i];
        }
        lambda = new Ridge(1e-4, Ridge.Scale.TRACE).lambda(tr, N);
    }

    /** Gaussian elimination with partial pivoting on a copy of a (n x n), many right-hand sides. */
    public static double[] gauss(double[] a0, int n, double[] b0, int k) {
        double[] a = a0.clone();
        double[] b = b0.clone();
        for (int col = 0; col < n; col++) {
            int p = col;
            for (int i = col + 1; i < n; i++) {
                if (Math.abs(a[i * n + col]) > Math.abs(a[p * n + col])) {
                    p = i;
                }
            }
            for (int j = 0; j < n; j++) {
                double t = a[col * n + j];
                a[col * n + j] = a[p * n + j];
                a[p * n + j] = t;
            }
            for (int j = 0; j < k; j++) {
                double t = b[col * k + j];
                b[col * k + j] = b[p * k + j];
                b[p * k + j] = t;
            }
            for (int i = col + 1; i < n; i++) {
                double f = a[i * n + col] / a[col * n + col];
                for (int j = col; j < n; j++) {
                    a[i * n + j] -= f * a[col * n + j];
                }
                for (int j = 0; j < k; j++) {
                    b[i * k + j] -= f * b[col * k + j];
                }
            }
        }
        double[] x = new double[n * k];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = 0; j < k; j++) {
                double s = b[i * k + j];
                for (int t = i + 1; t < n; t++) {
                    s -= a[i * n + t] * x[t * k + j];
                }
                x[i * k + j] = s / a[i * n + i];
            }
        }
        return x;
    }

    static void assertClose(double[] expected, double[] actual, double rel) {
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * scale, "entry " + i);
        }
    }

    /** One rule for 'tol' and 'max-iter', with the option's name, wherever they are given (CLI, request, solver). */
    @Test
    void tolAndMaxIterRulesNameTheOption() {
        for (double bad : new double[] {0, 1, -1e-3, 2, Double.NaN}) {
            UserError e = assertThrows(UserError.class, () -> new PcgSolver.Options(bad, 10));
            assertEquals("'tol' is " + bad + " but must be in (0, 1)", e.getMessage());
        }
        UserError e = assertThrows(UserError.class, () -> new PcgSolver.Options(1e-6, 0));
        assertEquals("'max-iter' is 0 but must be >= 1", e.getMessage());
        assertEquals(1e-6, new PcgSolver.Options(1e-6, 1).tol());
    }

    @Test
    void tinyProblemAgreesWithGaussianElimination() {
        int n = 5;
        int k = 2;
        Random r = new Random(3);
        double[] b = new double[n * 3];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextGaussian();
        }
        double[] a = new double[n * n]; // rank 3 PSD: B B^T
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int t = 0; t < 3; t++) {
                    a[i * n + j] += b[i * 3 + t] * b[j * 3 + t];
                }
            }
        }
        double lam = 0.3;
        double[] rhs = {1, -2, 0.5, 0, 3, 1, -1, 2, 0.25, -0.5};
        double[] shifted = a.clone();
        for (int i = 0; i < n; i++) {
            shifted[i * n + i] += lam;
        }
        double[] truth = gauss(shifted, n, rhs, k);

        Solution chol = new CholeskySolver(Long.MAX_VALUE, null).solve(a.clone(), n, lam, rhs, k);
        assertClose(truth, chol.x(), 1e-12);
        assertEquals(0.0, chol.result().jitter());

        PcgSolver.Options opt = new PcgSolver.Options(1e-12, 50);
        Solution cg = PcgSolver.solve(new DenseSymmetric(a, n), lam, Preconditioner.NONE, rhs, k, opt, "tiny", null);
        assertClose(truth, cg.x(), 1e-10);
        assertTrue(cg.result().allConverged());
        assertTrue(cg.result().iterations() <= 6, "CG on a rank-3 + shift 5x5 needs <= 4 steps in exact arithmetic");

        Preconditioner m = LowRankPreconditioner.rpCholesky(new DenseSymmetric(a, n), 2, lam, 1, 1, null);
        Solution pcg = PcgSolver.solve(new DenseSymmetric(a, n), lam, m, rhs, k, opt, "tiny", null);
        assertClose(truth, pcg.x(), 1e-10);
    }

    @Test
    void pcgAgreesWithCholeskyOnAClusteredNtk() {
        Solution chol = new CholeskySolver(Long.MAX_VALUE, null).solve(ntk, N, lambda, y, K);
        assertTrue(chol.result().maxResidual() < 1e-10, chol.result().toString());
        DenseSymmetric op = new DenseSymmetric(ntk, N);
        Preconditioner m = LowRankPreconditioner.rpCholesky(op, 100, lambda, 25, 11, null);
        Solution pcg = PcgSolver.solve(op, lambda, m, y, K, new PcgSolver.Options(1e-10, 500), "ntk", null);
        assertTrue(pcg.result().allConverged(), pcg.result().toString());
        // predictions on the training points: K x
        double[] fc = new double[N * K];
        double[] fp = new double[N * K];
        op.apply(chol.x(), K, fc);
        op.apply(pcg.x(), K, fp);
        assertClose(fc, fp, 1e-7);
    }

    /** Centre selection's pivots-only path picks what the preconditioner's factorization picks, for any shift. */
    @Test
    void rpCholeskyPivotsAloneEqualThePreconditionersPivots() {
        DenseSymmetric op = new DenseSymmetric(ntk, N);
        int[] alone = LowRankPreconditioner.rpCholeskyPivots(op, 60, 7, 15, null);
        assertEquals(60, alone.length);
        assertEquals(60, java.util.Arrays.stream(alone).distinct().count());
        assertArrayEquals(LowRankPreconditioner.rpCholesky(op, 60, lambda, 15, 7, null).pivots(), alone);
        assertArrayEquals(LowRankPreconditioner.rpCholesky(op, 60, 0.0, 15, 7, null).pivots(), alone);
        assertFalse(java.util.Arrays.equals(LowRankPreconditioner.rpCholeskyPivots(op, 60, 8, 15, null), alone),
                "another seed draws other pivots");
    }

    /** Measured (native BLAS; +-2 between GEMM implementations): none 720, rank 100: 146, rank 400: 73 iterations to 1e-8. */
    @Test
    void preconditionerCutsIterations() {
        DenseSymmetric op = new DenseSymmetric(ntk, N);
        PcgSolver.Options opt = new PcgSolver.Options(1e-8, 2000);
        Solution plain = PcgSolver.solve(op, lambda, Preconditioner.NONE, y, K, opt, "ntk", null);
        LowRankPreconditioner m100 = LowRankPreconditioner.rpCholesky(op, 100, lambda, 25, 11, null);
        Solution r100 = PcgSolver.solve(op, lambda, m100, y, K, opt, "ntk", null);
        LowRankPreconditioner m400 = LowRankPreconditioner.rpCholesky(op, 400, lambda, 50, 11, null);
        Solution r400 = PcgSolver.solve(op, lambda, m400, y, K, opt, "ntk", null);
        int none = plain.result().iterations();
        int i100 = r100.result().iterations();
        int i400 = r400.result().iterations();
        System.out.println("iterations to 1e-8: none " + none + ", rpcholesky:100 " + i100 + ", rpcholesky:400 " + i400);
        assertTrue(plain.result().allConverged() && r100.result().allConverged() && r400.result().allConverged());
        assertTrue(none >= 600, "plain CG: " + none);
        assertTrue(i100 <= 180 && 4 * i100 <= none, "rpcholesky:100 PCG: " + i100);
        assertTrue(i400 <= 90 && i400 < i100, "rpcholesky:400 PCG: " + i400);
    }

    @Test
    void jitterEscalatesOnASingularMatrixAndTheMatrixIsRestored() {
        int n = 40;
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
        Solution s = new CholeskySolver(Long.MAX_VALUE, log::add).solve(a, n, 0.0, rhs, 1);
        assertTrue(s.result().jitter() > 0, "a rank-3 40x40 matrix needs a jitter");
        assertFalse(log.isEmpty());
        assertTrue(log.get(0).contains("retrying with jitter"), log.get(0));
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += orig[i * n + i] / n;
        }
        // each retry multiplies by 10 from 1e-12 * mean: the reported jitter is one of those steps
        double steps = Math.log10(s.result().jitter() / (1e-12 * mean));
        assertEquals(Math.rint(steps), steps, 1e-9);
        assertEquals(log.size(), (int) Math.rint(steps) + 1);
        assertArrayEquals(orig, a, "K is restored bit for bit");
        // the solution solves the jittered system
        double[] shifted = orig.clone();
        for (int i = 0; i < n; i++) {
            shifted[i * n + i] += s.result().jitter();
        }
        // cond(K + jitter I) ~ 1e12 here, so two stable solvers agree to ~1e-4 only
        assertClose(gauss(shifted, n, rhs, 1), s.x(), 1e-3);
    }

    @Test
    void resumeFromASavedStateContinuesTheSameIterates() throws Exception {
        DenseSymmetric op = new DenseSymmetric(ntk, N);
        LowRankPreconditioner m = LowRankPreconditioner.rpCholesky(op, 20, lambda, 10, 3, null);
        PcgSolver.Options opt = new PcgSolver.Options(1e-14, 30);
        byte[][] saved = new byte[1][];
        List<double[]> trace = new ArrayList<>();
        Solution straight = PcgSolver.solve(op, lambda, m, y, K, opt, "ntk-r20", (st, rr) -> {
            trace.add(rr);
            if (st.iteration() == 12) {
                try {
                    ByteArrayOutputStream bos = new ByteArrayOutputStream();
                    st.write(new DataOutputStream(bos));
                    saved[0] = bos.toByteArray();
                } catch (java.io.IOException e) {
                    throw new RuntimeException(e);
                }
            }
        });
        assertEquals(30, straight.result().iterations());
        assertFalse(straight.result().allConverged(), "tol 1e-14 is not reached in 30 iterations");
        PcgState state = PcgState.read(new DataInputStream(new ByteArrayInputStream(saved[0])));
        assertEquals(12, state.iteration());
        List<double[]> trace2 = new ArrayList<>();
        Solution resumed = PcgSolver.solve(op, lambda, m, y, K, opt, "ntk-r20", (st, rr) -> trace2.add(rr), state);
        assertEquals(18, trace2.size());
        assertArrayEquals(straight.x(), resumed.x(), "same iterates, bit for bit");
        for (int i = 0; i < 18; i++) {
            assertArrayEquals(trace.get(12 + i), trace2.get(i));
        }
        assertThrows(IllegalArgumentException.class, () -> PcgSolver.solve(op, lambda, m, y, K, opt, "other", null,
                PcgState.read(new DataInputStream(new ByteArrayInputStream(saved[0])))));
    }

    @Test
    void maxIterReturnsTheWorkDone() {
        DenseSymmetric op = new DenseSymmetric(ntk, N);
        Solution s = PcgSolver.solve(op, lambda, Preconditioner.NONE, y, K, new PcgSolver.Options(1e-8, 5), "ntk", null);
        assertEquals(5, s.result().iterations());
        assertFalse(s.result().converged()[0]);
        assertTrue(Double.isFinite(s.result().relativeResidual()[0]) && s.result().relativeResidual()[0] > 1e-8);
        assertTrue(Math.abs(s.x()[0]) > 0, "the partial solution is returned");
    }

    @Test
    void choleskyRefusesAboveTheMemoryLimit() {
        CholeskySolver small = new CholeskySolver(1_000_000, null);
        UserError e = assertThrows(UserError.class, () -> small.checkFits(1000, 10));
        assertEquals("the cholesky solver needs 0.01 GB on the driver for N = 1000 (8 N^2 bytes for K), above the limit"
                + " of 0.00 GB; use --solver pcg, or raise the driver memory (-Xmx / NTK_JAVA_OPTS)", e.getMessage());
        UserError big = assertThrows(UserError.class, () -> new CholeskySolver(Long.MAX_VALUE, null).checkFits(60000, 10));
        assertTrue(big.getMessage().contains("46340"), big.getMessage());
    }
}
