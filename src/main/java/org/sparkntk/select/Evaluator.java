package org.sparkntk.select;

import dev.ludovic.netlib.lapack.LAPACK;
import java.util.ArrayList;
import java.util.List;
import org.sparkntk.solve.Ridge;

/**
 * Scores every ridge for one dense kernel matrix (one kernel at one depth) under a {@link Protocol}:
 * one eigendecomposition for leave-one-out and validation sets, one per fold for K-fold and
 * holdout. Pure Java (LAPACK/BLAS through netlib); docs/select.md.
 */
public final class Evaluator {

    private Evaluator() {
    }

    /** One ridge's validation result. {@code lambda} is the mean over folds when the trace scale differs per fold. */
    public record Result(double ridge, double lambda, double score, double scoreStd, int folds) {
    }

    /** The results in ridge order, and the time spent in eigendecompositions. */
    public record Evaluation(List<Result> results, double eigenSeconds, int eigendecompositions, long largestN) {
    }

    /**
     * @param k        the kernel matrix, row-major m x m, m = nTrain (+ validation rows appended); overwritten
     * @param y        targets row-major m x outputs (the validation rows' too)
     * @param classes  class index per row (classification) or null (regression): stratifies the folds
     * @param scale    ridge scale: lambda = ridge, or ridge x trace(K_train) / n_train of the matrix factored
     */
    public static Evaluation evaluate(double[] k, int m, int nTrain, double[] y, int outputs, int[] classes, Protocol protocol,
                                      double[] ridges, Ridge.Scale scale, Metric metric, long seed, LAPACK lapack) {
        int r = ridges.length;
        List<Result> out = new ArrayList<>();
        if (protocol.kind() == Protocol.Kind.LOO) {
            double[] lambdas = lambdas(ridges, scale, trace(k, m, null), m);
            long t0 = System.nanoTime();
            SymmetricEigen e = SymmetricEigen.decompose(k, m, lapack);
            double es = (System.nanoTime() - t0) / 1e9;
            Spectral.Predictions p = Spectral.leaveOneOut(e, y, outputs, lambdas);
            for (int q = 0; q < r; q++) {
                double[] rows = Scores.perRow(metric, p.values()[q], p.variances()[q], y, outputs);
                double score = Scores.score(metric, p.values()[q], p.variances()[q], y, outputs);
                out.add(new Result(ridges[q], lambdas[q], score, Scores.meanStd(rows)[1], m));
            }
            return new Evaluation(out, es, 1, m);
        }
        int[] fold = new int[m];
        int nf;
        switch (protocol.kind()) {
            case KFOLD -> {
                int[] f = Folds.kFold(classes == null ? null : java.util.Arrays.copyOf(classes, nTrain), nTrain, protocol.folds(), seed);
                System.arraycopy(f, 0, fold, 0, nTrain);
                nf = protocol.folds();
            }
            case HOLDOUT -> {
                boolean[] h = Folds.holdout(classes == null ? null : java.util.Arrays.copyOf(classes, nTrain), nTrain, protocol.fraction(), seed);
                for (int i = 0; i < nTrain; i++) {
                    fold[i] = h[i] ? 0 : -1;
                }
                nf = 1;
            }
            default -> { // VALIDATION: the appended rows are the one held-out fold
                for (int i = 0; i < m; i++) {
                    fold[i] = i < nTrain ? -1 : 0;
                }
                nf = 1;
            }
        }
        double[][] scores = new double[r][nf];
        double[] lambdaSum = new double[r];
        double es = 0;
        long largest = 0;
        for (int f = 0; f < nf; f++) {
            int[] tr = rows(fold, f, false);
            int[] he = rows(fold, f, true);
            int nt = tr.length;
            int nh = he.length;
            largest = Math.max(largest, nt);
            double[] ktt = new double[nt * nt];
            for (int a = 0; a < nt; a++) {
                int ra = tr[a] * m;
                for (int b = 0; b < nt; b++) {
                    ktt[a * nt + b] = k[ra + tr[b]];
                }
            }
            double[] kht = new double[nh * nt];
            double[] dh = new double[nh];
            double[] yt = new double[nt * outputs];
            double[] yh = new double[nh * outputs];
            for (int a = 0; a < nh; a++) {
                int ra = he[a] * m;
                for (int b = 0; b < nt; b++) {
                    kht[a * nt + b] = k[ra + tr[b]];
                }
                dh[a] = k[ra + he[a]];
                System.arraycopy(y, he[a] * outputs, yh, a * outputs, outputs);
            }
            for (int a = 0; a < nt; a++) {
                System.arraycopy(y, tr[a] * outputs, yt, a * outputs, outputs);
            }
            double[] lambdas = lambdas(ridges, scale, trace(ktt, nt, null), nt);
            long t0 = System.nanoTime();
            SymmetricEigen e = SymmetricEigen.decompose(ktt, nt, lapack);
            es += (System.nanoTime() - t0) / 1e9;
            Spectral.Predictions p = Spectral.heldOut(e, yt, outputs, kht, nh, dh, lambdas);
            for (int q = 0; q < r; q++) {
                scores[q][f] = Scores.score(metric, p.values()[q], p.variances()[q], yh, outputs);
                lambdaSum[q] += lambdas[q];
            }
        }
        for (int q = 0; q < r; q++) {
            double[] ms = Scores.meanStd(scores[q]);
            out.add(new Result(ridges[q], lambdaSum[q] / nf, ms[0], ms[1], nf));
        }
        return new Evaluation(out, es, nf, largest);
    }

    /** The lambdas added to the diagonal, as regress' {@link Ridge#lambda}: absolute, or ridge x trace / n. */
    public static double[] lambdas(double[] ridges, Ridge.Scale scale, double trace, int n) {
        double[] l = new double[ridges.length];
        for (int q = 0; q < l.length; q++) {
            l[q] = new Ridge(ridges[q], scale).lambda(trace, n);
        }
        return l;
    }

    static double trace(double[] k, int m, int[] unused) {
        double t = 0;
        for (int i = 0; i < m; i++) {
            t += k[i * m + i];
        }
        return t;
    }

    private static int[] rows(int[] fold, int f, boolean held) {
        int c = 0;
        for (int v : fold) {
            if ((v == f) == held) {
                c++;
            }
        }
        int[] out = new int[c];
        int p = 0;
        for (int i = 0; i < fold.length; i++) {
            if ((fold[i] == f) == held) {
                out[p++] = i;
            }
        }
        return out;
    }
}
