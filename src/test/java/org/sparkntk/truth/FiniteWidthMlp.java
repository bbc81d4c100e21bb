package org.sparkntk.truth;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/**
 * The seed's finite-width network (ntk-math.md, "Network and parameterization" and "Ground truth"),
 * written for the tests with plain loops: every weight and bias N(0, 1),
 * a~(1) = sigma_w W(0) x / sqrt(n0) + beta b(0), a(l) = phi(a~(l)),
 * a~(l+1) = sigma_w W(l) a(l) / sqrt(n) + beta b(l), hidden width n.
 *
 * <p>One set of hidden weights W(0..L-2) serves every depth 2..L: the depth-l network is the first
 * l-1 hidden layers followed by its own scalar readout r(l) (N(0,1) entries and bias) on a(l-1).
 * Its empirical NTK comes from backprop in closed form:
 * Theta(x,x') = sum_m (delta_m(x) . delta_m(x')) (sigma_w^2 a(m)(x) . a(m)(x') / n_m + beta^2),
 * delta_m = df / da~(m+1), delta_{l-1} = 1,
 * delta_{m-1} = (sigma_w / sqrt(n) W(m)^T delta_m) * phi'(a~(m)).
 */
public final class FiniteWidthMlp {

    final int n0;
    final int n;
    final int depth;
    final double sw;
    final double beta;
    /** w[m]: W(m), row-major (n x n0 for m = 0, n x n otherwise), m = 0..depth-2. */
    final double[][] w;
    /** b[m]: bias b(m) of hidden layer m+1. */
    final double[][] b;
    /** readout[l]: readout weights of the depth-l network on a(l-1), l = 2..depth. */
    final double[][] readout;

    /** Draws all weights from one seed. */
    public FiniteWidthMlp(int n0, int n, int depth, double sw, double beta, long seed) {
        this.n0 = n0;
        this.n = n;
        this.depth = depth;
        this.sw = sw;
        this.beta = beta;
        SplittableRandom r = new SplittableRandom(seed);
        w = new double[depth - 1][];
        b = new double[depth - 1][];
        readout = new double[depth + 1][];
        for (int m = 0; m < depth - 1; m++) {
            w[m] = gaussian(r, n * (m == 0 ? n0 : n));
            b[m] = gaussian(r, n);
        }
        for (int l = 2; l <= depth; l++) {
            readout[l] = gaussian(r, n);
        }
    }

    private static double[] gaussian(SplittableRandom r, int count) {
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = r.nextGaussian();
        }
        return out;
    }

    /** Empirical kernels for K inputs: ntk[l][i][j] for depths l = 2..depth, nngp[l][i][j] for l = 1..depth. */
    public record Kernels(double[][][] ntk, double[][][] nngp) {
    }

    /**
     * Forward and backward passes of the K inputs xs (each of length n0).
     * NNGP at depth l < depth: (1/n) sum_k a~(l)_k(x) a~(l)_k(x'), the mean over the n units of a
     * depth-l network with n outputs. At l = depth: sigma_w^2 a(L-1) . a(L-1)' / n + beta^2, the
     * exact mean over infinitely many output units given the hidden layers.
     */
    public Kernels kernels(DoubleUnaryOperator phi, DoubleUnaryOperator dphi, double[][] xs) {
        int k = xs.length;
        // a[m][i]: a(m)(x_i), m = 0..depth-1 (a(0) = x); h[m][i]: a~(m)(x_i), m = 1..depth-1
        double[][][] a = new double[depth][][];
        double[][][] h = new double[depth][][];
        a[0] = xs;
        for (int m = 1; m < depth; m++) {
            int nin = m == 1 ? n0 : n;
            double[] wm = w[m - 1];
            double[] bm = b[m - 1];
            double scale = sw / Math.sqrt(nin);
            h[m] = new double[k][n];
            a[m] = new double[k][n];
            for (int row = 0; row < n; row++) {
                int off = row * nin;
                for (int i = 0; i < k; i++) {
                    double[] in = a[m - 1][i];
                    double s = 0;
                    for (int j = 0; j < nin; j++) {
                        s += wm[off + j] * in[j];
                    }
                    double pre = scale * s + beta * bm[row];
                    h[m][i][row] = pre;
                    a[m][i][row] = phi.applyAsDouble(pre);
                }
            }
        }
        // dot products of activations per layer: layerDot[m][i][j] = sw^2 a(m)_i . a(m)_j / n_m + beta^2
        double[][][] layerTerm = new double[depth][k][k];
        for (int m = 0; m < depth; m++) {
            int nm = m == 0 ? n0 : n;
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    layerTerm[m][i][j] = sw * sw * dot(a[m][i], a[m][j]) / nm + beta * beta;
                }
            }
        }
        double[][][] nngp = new double[depth + 1][k][k];
        for (int l = 1; l < depth; l++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    nngp[l][i][j] = dot(h[l][i], h[l][j]) / n;
                }
            }
        }
        nngp[depth] = layerTerm[depth - 1];

        double[][][] ntk = new double[depth + 1][k][k];
        for (int l = 2; l <= depth; l++) {
            double[][] theta = new double[k][k];
            add(theta, layerTerm[l - 1], null);
            // delta_{l-2} = sw/sqrt(n) r(l) * phi'(a~(l-1))
            double[][] delta = new double[k][n];
            double s = sw / Math.sqrt(n);
            for (int i = 0; i < k; i++) {
                for (int row = 0; row < n; row++) {
                    delta[i][row] = s * readout[l][row] * dphi.applyAsDouble(h[l - 1][i][row]);
                }
            }
            for (int m = l - 2; m >= 0; m--) {
                // term m: (delta_m . delta_m') * layerTerm[m]
                double[][] dd = new double[k][k];
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        dd[i][j] = dot(delta[i], delta[j]);
                    }
                }
                add(theta, layerTerm[m], dd);
                if (m == 0) {
                    break;
                }
                // delta_{m-1} = (sw/sqrt(n) W(m)^T delta_m) * phi'(a~(m)); W(m) is n x n here (m >= 1)
                double[] wm = w[m];
                double[][] next = new double[k][n];
                for (int row = 0; row < n; row++) {
                    int off = row * n;
                    for (int i = 0; i < k; i++) {
                        double c = delta[i][row];
                        double[] out = next[i];
                        for (int j = 0; j < n; j++) {
                            out[j] += c * wm[off + j];
                        }
                    }
                }
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < n; j++) {
                        next[i][j] *= s * dphi.applyAsDouble(h[m][i][j]);
                    }
                }
                delta = next;
            }
            ntk[l] = theta;
        }
        return new Kernels(ntk, nngp);
    }

    /** f of the depth-l network at x, without its readout bias (for finite-difference checks). */
    public double output(DoubleUnaryOperator phi, int l, double[] x) {
        double[] act = x;
        for (int m = 1; m < l; m++) {
            int nin = m == 1 ? n0 : n;
            double[] next = new double[n];
            for (int row = 0; row < n; row++) {
                double s = 0;
                for (int j = 0; j < nin; j++) {
                    s += w[m - 1][row * nin + j] * act[j];
                }
                next[row] = phi.applyAsDouble(sw / Math.sqrt(nin) * s + beta * b[m - 1][row]);
            }
            act = next;
        }
        return sw / Math.sqrt(n) * dot(readout[l], act);
    }

    /** Every trainable array of the depth-l network except its readout bias (whose gradient is beta). */
    public double[][] parameters(int l) {
        double[][] out = new double[2 * (l - 1) + 1][];
        for (int m = 0; m < l - 1; m++) {
            out[2 * m] = w[m];
            out[2 * m + 1] = b[m];
        }
        out[2 * (l - 1)] = readout[l];
        return out;
    }

    private static void add(double[][] acc, double[][] term, double[][] factor) {
        for (int i = 0; i < acc.length; i++) {
            for (int j = 0; j < acc.length; j++) {
                acc[i][j] += term[i][j] * (factor == null ? 1 : factor[i][j]);
            }
        }
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }
}
