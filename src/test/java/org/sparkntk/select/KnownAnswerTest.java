package org.sparkntk.select;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.solve.Ridge;
import org.sparkntk.tile.Tiles;

/**
 * Selection on tasks whose answer is known: targets drawn from a Gaussian process with the kernel of
 * a known depth (and kind) plus noise of a known variance; the selection must find that depth, kind and
 * a ridge near the noise variance. No Spark: the grid is scored as the job scores it.
 */
class KnownAnswerTest {

    static double[] rows(int n, int d, long seed) {
        Random r = new Random(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        return x;
    }

    static double[] kernel(double[] x, int n, int d, NetworkSpec spec, int depth, boolean ntk) {
        double[] k = new double[n * n];
        double[][] t = {k};
        Tiles.compute(org.sparkntk.truth.Specs.of(spec, new int[] {depth}, ntk ? t : null, ntk ? null : t), new org.sparkntk.tile.Rows(x, n, d), new org.sparkntk.tile.Rows(x, n, d), true, ntk ? t : null, ntk ? null : t);
        return k;
    }

    /** Lower Cholesky factor of a (row-major), plain loops. */
    static double[] cholesky(double[] a, int n) {
        double[] l = new double[n * n];
        for (int j = 0; j < n; j++) {
            double s = a[j * n + j];
            for (int p = 0; p < j; p++) {
                s -= l[j * n + p] * l[j * n + p];
            }
            l[j * n + j] = Math.sqrt(s);
            for (int i = j + 1; i < n; i++) {
                double t = a[i * n + j];
                for (int p = 0; p < j; p++) {
                    t -= l[i * n + p] * l[j * n + p];
                }
                l[i * n + j] = t / l[j * n + j];
            }
        }
        return l;
    }

    /** k outputs drawn from N(0, K + noise I): L z + sqrt(noise) e. */
    static double[] draw(double[] kmat, int n, int k, double noise, long seed) {
        double[] a = kmat.clone();
        for (int i = 0; i < n; i++) {
            a[i * n + i] += 1e-10 * kmat[i * n + i];
        }
        double[] l = cholesky(a, n);
        Random r = new Random(seed);
        double[] y = new double[n * k];
        for (int o = 0; o < k; o++) {
            double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                z[i] = r.nextGaussian();
            }
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int p = 0; p <= i; p++) {
                    s += l[i * n + p] * z[p];
                }
                y[i * k + o] = s + Math.sqrt(noise) * r.nextGaussian();
            }
        }
        return y;
    }

    static List<Selection.Row> grid(double[] x, int n, int d, NetworkSpec spec, int[] depths, String[] kinds, double[] y, int k,
                                    double[] ridges, Metric metric) {
        List<Selection.Row> rows = new ArrayList<>();
        int g = 0;
        for (String kind : kinds) {
            for (int depth : depths) {
                double[] km = kernel(x, n, d, spec, depth, kind.equals("ntk"));
                Evaluator.Evaluation ev = Evaluator.evaluate(km, n, n, y, k, null, Protocol.of(true, null, null, null), ridges,
                        Ridge.Scale.ABSOLUTE, metric, 1L, SymmetricEigen.lapack());
                for (Evaluator.Result r : ev.results()) {
                    rows.add(new Selection.Row("relu", spec.weightStd(), spec.biasStd(), kind, depth, r.ridge(), r.lambda(), metric.label(),
                            r.score(), r.scoreStd(), r.folds(), g++));
                }
            }
        }
        return rows;
    }

    @Test
    void depthFourDrawsSelectDepthFourAndTheNoiseLevel() {
        int n = 200;
        int d = 6;
        int k = 6;
        NetworkSpec spec = new NetworkSpec(8, Activations.parse("relu"), 1.0, 0.1);
        double[] x = rows(n, d, 5);
        double[] k4 = kernel(x, n, d, spec, 4, true);
        double scale = 0;
        for (int i = 0; i < n; i++) {
            scale += k4[i * n + i] / n;
        }
        double noise = 0.1 * scale; // large enough for the ridge to matter (at 0.01 x the scale the LOO NLL is flat below it)
        double[] y = draw(k4, n, k, noise, 17);
        double[] ridges = {noise / 100, noise / 10, noise, noise * 10, noise * 100};
        for (Metric metric : new Metric[] {Metric.NLL, Metric.RMSE}) {
            List<Selection.Row> rows = grid(x, n, d, spec, new int[] {1, 2, 3, 4, 5, 6, 7, 8}, new String[] {"ntk"}, y, k, ridges, metric);
            Selection.Row best = Selection.best(rows, metric);
            assertEquals(4, best.depth(), metric + ": " + best);
            if (metric == Metric.NLL) {
                assertEquals(noise, best.ridge(), 0.0, "the ridge at the noise variance: " + best);
            }
        }
    }

    @Test
    void ntkAndNngpDrawsAreTold() {
        int n = 150;
        int d = 5;
        int k = 4;
        NetworkSpec spec = new NetworkSpec(3, Activations.parse("relu"), 1.0, 0.0);
        double[] x = rows(n, d, 8);
        for (boolean ntk : new boolean[] {true, false}) {
            double[] km = kernel(x, n, d, spec, 3, ntk);
            double noise = 1e-3 * km[0];
            double[] y = draw(km, n, k, noise, 23);
            List<Selection.Row> rows = grid(x, n, d, spec, new int[] {3}, new String[] {"ntk", "nngp"}, y, k,
                    new double[] {noise / 10, noise, noise * 10}, Metric.NLL);
            assertEquals(ntk ? "ntk" : "nngp", Selection.best(rows, Metric.NLL).kernel());
        }
    }
}
