package org.sparkntk.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ludovic.netlib.lapack.JavaLAPACK;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.solve.Ridge;
import org.sparkntk.tile.Tiles;

/**
 * The spectral shortcuts against brute force written here with plain Gaussian elimination:
 * leave-one-out (N solves) for every ridge, and fold predictions against explicit fits.
 */
public class SpectralTest {

    static final int N = 100;

    /** A depth-3 ReLU NTK (or NNGP) of random rows: a real kernel's conditioning. */
    static double[] kernel(int n, int d, long seed, boolean ntk, int depth) {
        Random r = new Random(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        double[] k = new double[n * n];
        double[][] t = {k};
        Tiles.compute(org.sparkntk.truth.Specs.of(new NetworkSpec(depth, Activations.parse("relu"), 1.0, 0.1), new int[] {depth}, ntk ? t : null, ntk ? null : t), new org.sparkntk.tile.Rows(x, n, d), new org.sparkntk.tile.Rows(x, n, d), true, ntk ? t : null, ntk ? null : t);
        return k;
    }

    /** Solves A x = b (A n x n row-major, b n x k) by Gaussian elimination with partial pivoting. */
    static double[] solve(double[] a0, int n, double[] b0, int k) {
        double[] a = a0.clone();
        double[] b = b0.clone();
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int i = c + 1; i < n; i++) {
                if (Math.abs(a[i * n + c]) > Math.abs(a[p * n + c])) {
                    p = i;
                }
            }
            for (int j = 0; j < n; j++) {
                double t = a[c * n + j];
                a[c * n + j] = a[p * n + j];
                a[p * n + j] = t;
            }
            for (int j = 0; j < k; j++) {
                double t = b[c * k + j];
                b[c * k + j] = b[p * k + j];
                b[p * k + j] = t;
            }
            for (int i = c + 1; i < n; i++) {
                double f = a[i * n + c] / a[c * n + c];
                for (int j = c; j < n; j++) {
                    a[i * n + j] -= f * a[c * n + j];
                }
                for (int j = 0; j < k; j++) {
                    b[i * k + j] -= f * b[c * k + j];
                }
            }
        }
        double[] x = new double[n * k];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = 0; j < k; j++) {
                double s = b[i * k + j];
                for (int c = i + 1; c < n; c++) {
                    s -= a[i * n + c] * x[c * k + j];
                }
                x[i * k + j] = s / a[i * n + i];
            }
        }
        return x;
    }

    /** Predictions for rows {@code held} of a fit on rows {@code train}: K(held, train) (K(train) + lambda I)^-1 y(train). */
    public static double[] explicitFit(double[] k, int n, double[] y, int outputs, int[] train, int[] held, double lambda) {
        int nt = train.length;
        double[] a = new double[nt * nt];
        double[] yt = new double[nt * outputs];
        for (int i = 0; i < nt; i++) {
            for (int j = 0; j < nt; j++) {
                a[i * nt + j] = k[train[i] * n + train[j]] + (i == j ? lambda : 0);
            }
            System.arraycopy(y, train[i] * outputs, yt, i * outputs, outputs);
        }
        double[] alpha = solve(a, nt, yt, outputs);
        double[] p = new double[held.length * outputs];
        for (int h = 0; h < held.length; h++) {
            for (int i = 0; i < nt; i++) {
                for (int o = 0; o < outputs; o++) {
                    p[h * outputs + o] += k[held[h] * n + train[i]] * alpha[i * outputs + o];
                }
            }
        }
        return p;
    }

    static double[] targets(int n, int outputs, long seed) {
        Random r = new Random(seed);
        double[] y = new double[n * outputs];
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextGaussian();
        }
        return y;
    }

    static double meanDiag(double[] k, int n) {
        double t = 0;
        for (int i = 0; i < n; i++) {
            t += k[i * n + i];
        }
        return t / n;
    }

    @Test
    void leaveOneOutEqualsNSolvesForEveryRidge() {
        for (int outputs : new int[] {1, 3}) {
            double[] k = kernel(N, 7, 3, true, 3);
            double[] y = targets(N, outputs, 11);
            double s = meanDiag(k, N);
            double[] lambdas = {1e-4 * s, 1e-2 * s, 1.0 * s};
            Spectral.Predictions p = Spectral.leaveOneOut(SymmetricEigen.decompose(k.clone(), N, SymmetricEigen.lapack()), y, outputs, lambdas);
            for (int q = 0; q < lambdas.length; q++) {
                double worst = 0;
                double scale = 0;
                for (int i = 0; i < N; i++) {
                    int[] train = new int[N - 1];
                    for (int j = 0, t = 0; j < N; j++) {
                        if (j != i) {
                            train[t++] = j;
                        }
                    }
                    double[] f = explicitFit(k, N, y, outputs, train, new int[] {i}, lambdas[q]);
                    for (int o = 0; o < outputs; o++) {
                        worst = Math.max(worst, Math.abs(f[o] - p.values()[q][i * outputs + o]));
                        scale = Math.max(scale, Math.abs(f[o]));
                    }
                }
                assertTrue(worst <= 1e-7 * Math.max(1, scale), "outputs " + outputs + " lambda " + lambdas[q] + ": LOO off by " + worst);
            }
        }
    }

    @Test
    void leaveOneOutVarianceIsTheGpPredictiveVariance() {
        double[] k = kernel(40, 5, 4, false, 2);
        double lambda = 0.05 * meanDiag(k, 40);
        Spectral.Predictions p = Spectral.leaveOneOut(SymmetricEigen.decompose(k.clone(), 40, SymmetricEigen.lapack()),
                targets(40, 1, 2), 1, new double[] {lambda});
        // row 7: k77 + lambda - k_7^T (K_-7 + lambda I)^-1 k_7
        int i = 7;
        int[] train = new int[39];
        for (int j = 0, t = 0; j < 40; j++) {
            if (j != i) {
                train[t++] = j;
            }
        }
        double[] a = new double[39 * 39];
        double[] b = new double[39];
        for (int r = 0; r < 39; r++) {
            for (int c = 0; c < 39; c++) {
                a[r * 39 + c] = k[train[r] * 40 + train[c]] + (r == c ? lambda : 0);
            }
            b[r] = k[train[r] * 40 + i];
        }
        double[] x = solve(a, 39, b, 1);
        double v = k[i * 40 + i] + lambda;
        for (int r = 0; r < 39; r++) {
            v -= b[r] * x[r];
        }
        assertEquals(v, p.variances()[0][i], 1e-8 * v);
    }

    @Test
    void kFoldAndHoldoutScoresEqualExplicitFitsOnTheSameSplits() {
        int n = 90;
        int outputs = 2;
        double[] k = kernel(n, 6, 5, true, 4);
        double[] y = targets(n, outputs, 6);
        double[] ridges = {1e-3, 1e-1};
        for (Protocol protocol : new Protocol[] {Protocol.of(false, 4, null, null), Protocol.of(false, null, 0.3, null)}) {
            Evaluator.Evaluation ev = Evaluator.evaluate(k.clone(), n, n, y, outputs, null, protocol, ridges, Ridge.Scale.TRACE,
                    Metric.RMSE, 9L, SymmetricEigen.lapack());
            int nf = protocol.kind() == Protocol.Kind.KFOLD ? 4 : 1;
            int[] fold = nf == 4 ? Folds.kFold(null, n, 4, 9L) : new int[n];
            if (nf == 1) {
                boolean[] h = Folds.holdout(null, n, 0.3, 9L);
                for (int i = 0; i < n; i++) {
                    fold[i] = h[i] ? 0 : -1;
                }
            }
            for (int q = 0; q < ridges.length; q++) {
                double[] s = new double[nf];
                for (int f = 0; f < nf; f++) {
                    final int ff = f;
                    int[] tr = java.util.stream.IntStream.range(0, n).filter(i -> fold2(fold, i) != ff).toArray();
                    int[] he = java.util.stream.IntStream.range(0, n).filter(i -> fold2(fold, i) == ff).toArray();
                    double tr2 = 0;
                    for (int i : tr) {
                        tr2 += k[i * n + i];
                    }
                    double lambda = ridges[q] * tr2 / tr.length;
                    double[] pred = explicitFit(k, n, y, outputs, tr, he, lambda);
                    double se = 0;
                    for (int h = 0; h < he.length; h++) {
                        for (int o = 0; o < outputs; o++) {
                            double e = pred[h * outputs + o] - y[he[h] * outputs + o];
                            se += e * e;
                        }
                    }
                    s[f] = Math.sqrt(se / (he.length * outputs));
                }
                double[] ms = Scores.meanStd(s);
                Evaluator.Result r = ev.results().get(q);
                assertEquals(ms[0], r.score(), 1e-9 * ms[0], protocol.label() + " ridge " + ridges[q]);
                assertEquals(ms[1], r.scoreStd(), 1e-9 * Math.max(ms[1], 1e-3));
                assertEquals(nf, r.folds());
            }
        }
    }

    private static int fold2(int[] fold, int i) {
        return fold[i];
    }

    @Test
    void javaLapackGivesTheSameDecomposition() {
        double[] k = kernel(60, 5, 8, true, 3);
        SymmetricEigen a = SymmetricEigen.decompose(k.clone(), 60, SymmetricEigen.lapack());
        SymmetricEigen b = SymmetricEigen.decompose(k.clone(), 60, JavaLAPACK.getInstance());
        for (int j = 0; j < 60; j++) {
            assertEquals(a.values()[j], b.values()[j], 1e-10 * a.values()[59]);
        }
    }

    @Test
    void stratifiedFoldsKeepClassShares() {
        int n = 103;
        int[] cls = new int[n];
        for (int i = 0; i < n; i++) {
            cls[i] = i % 10 < 7 ? 0 : (i % 10 < 9 ? 1 : 2);
        }
        int[] f = Folds.kFold(cls, n, 5, 3L);
        int[][] count = new int[5][3];
        for (int i = 0; i < n; i++) {
            count[f[i]][cls[i]]++;
        }
        for (int c = 0; c < 3; c++) {
            int lo = Integer.MAX_VALUE;
            int hi = 0;
            for (int q = 0; q < 5; q++) {
                lo = Math.min(lo, count[q][c]);
                hi = Math.max(hi, count[q][c]);
            }
            assertTrue(hi - lo <= 1, "class " + c + " spread " + lo + ".." + hi);
        }
        int[] sub = Folds.subsample(cls, n, 30, 4L);
        assertEquals(30, sub.length);
        int zeros = 0;
        for (int i : sub) {
            zeros += cls[i] == 0 ? 1 : 0;
        }
        assertEquals(Math.round(30 * 73 / 103.0), zeros);
        org.junit.jupiter.api.Assertions.assertArrayEquals(sub, Folds.subsample(cls, n, 30, 4L));
    }

    @Test
    void heldOutVarianceIsTheGpPredictiveVariance() {
        int n = 50;
        double[] k = kernel(n, 4, 12, true, 3);
        double lambda = 0.02 * meanDiag(k, n);
        int[] tr = java.util.stream.IntStream.range(0, 40).toArray();
        int[] he = java.util.stream.IntStream.range(40, n).toArray();
        double[] ktt = new double[40 * 40];
        double[] a = new double[40 * 40];
        for (int i = 0; i < 40; i++) {
            for (int j = 0; j < 40; j++) {
                ktt[i * 40 + j] = k[i * n + j];
                a[i * 40 + j] = k[i * n + j] + (i == j ? lambda : 0);
            }
        }
        double[] kht = new double[10 * 40];
        double[] dh = new double[10];
        for (int h = 0; h < 10; h++) {
            for (int j = 0; j < 40; j++) {
                kht[h * 40 + j] = k[he[h] * n + j];
            }
            dh[h] = k[he[h] * n + he[h]];
        }
        double[] y = targets(n, 1, 3);
        Spectral.Predictions p = Spectral.heldOut(SymmetricEigen.decompose(ktt, 40, SymmetricEigen.lapack()),
                java.util.Arrays.copyOf(y, 40), 1, kht, 10, dh, new double[] {lambda});
        double[] f = explicitFit(k, n, y, 1, tr, he, lambda);
        for (int h = 0; h < 10; h++) {
            double[] b = java.util.Arrays.copyOfRange(kht, h * 40, h * 40 + 40);
            double[] x = solve(a, 40, b, 1);
            double v = dh[h] + lambda;
            for (int j = 0; j < 40; j++) {
                v -= b[j] * x[j];
            }
            assertEquals(v, p.variances()[0][h], 1e-8 * v, "variance of held-out row " + h);
            assertEquals(f[h], p.values()[0][h], 1e-9 * Math.max(1, Math.abs(f[h])), "prediction of held-out row " + h);
        }
    }
}
