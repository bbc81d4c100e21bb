package org.sparkntk.select;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Kernel ridge regression for many ridges from one eigendecomposition K = Q diag(w) Q^T
 * (docs/select.md, "One factorization for every ridge"): (K + lambda I)^-1 = Q diag(1/(w + lambda)) Q^T,
 * so each extra ridge costs matrix products, not a factorization.
 */
public final class Spectral {

    private Spectral() {
    }

    /** Columns of Q squared per block in {@link #inverseDiagonals}: bounds the scratch to n x 256 doubles. */
    private static final int BLOCK = 256;

    /**
     * The eigenvalues used: rounding leaves a PSD kernel's smallest eigenvalues slightly negative or
     * at ~n eps max(w); they are raised to that floor, the spectral counterpart of regress' jitter,
     * so w + lambda > 0 even for lambda = 0.
     */
    public static double[] flooredValues(double[] w) {
        int n = w.length;
        double max = 0;
        for (double v : w) {
            max = Math.max(max, Math.abs(v));
        }
        double floor = Math.max(n, 1) * 0x1p-52 * max;
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            out[j] = Math.max(w[j], floor);
        }
        if (max == 0) {
            java.util.Arrays.fill(out, Double.MIN_NORMAL);
        }
        return out;
    }

    /** Q^T Y as a row-major n x k array (Y row-major n x k). */
    public static double[] project(SymmetricEigen e, double[] y, int k) {
        int n = e.n();
        double[] c = new double[n * k];
        // column-major view: Y^T is k x n, C^T = Y^T Q is k x n (= C row-major)
        BLAS.getInstance().dgemm("N", "N", k, n, n, 1.0, y, k, e.vectors(), n, 0.0, c, k);
        return c;
    }

    /**
     * Dual coefficients alpha_r = (K + lambda_r I)^-1 Y for every ridge: result[r] is row-major n x k.
     *
     * @param c Q^T Y from {@link #project}
     */
    public static double[][] coefficients(SymmetricEigen e, double[] w, double[] c, int k, double[] lambdas) {
        int n = e.n();
        int r = lambdas.length;
        int kr = k * r;
        double[] z = new double[kr * n]; // column-major kr x n: z[(q*k + o) + j*kr] = c[j,o] / (w_j + lambda_q)
        for (int j = 0; j < n; j++) {
            for (int q = 0; q < r; q++) {
                double s = 1.0 / (w[j] + lambdas[q]);
                for (int o = 0; o < k; o++) {
                    z[q * k + o + j * kr] = c[j * k + o] * s;
                }
            }
        }
        double[] at = new double[kr * n]; // column-major kr x n: (Q Z)^T
        BLAS.getInstance().dgemm("N", "T", kr, n, n, 1.0, z, kr, e.vectors(), n, 0.0, at, kr);
        double[][] out = new double[r][n * k];
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < r; q++) {
                System.arraycopy(at, q * k + i * kr, out[q], i * k, k);
            }
        }
        return out;
    }

    /**
     * [(K + lambda_r I)^-1]_ii = sum_j Q_ij^2 / (w_j + lambda_r) for every row and ridge: result[r]
     * has length n. One GEMM of (Q o Q) by the n x R matrix of 1/(w + lambda), in column blocks.
     */
    public static double[][] inverseDiagonals(SymmetricEigen e, double[] w, double[] lambdas) {
        int n = e.n();
        int r = lambdas.length;
        double[] d = new double[n * r]; // column-major n x r
        for (int q = 0; q < r; q++) {
            for (int j = 0; j < n; j++) {
                d[j + q * n] = 1.0 / (w[j] + lambdas[q]);
            }
        }
        double[] h = new double[n * r];
        double[] sq = new double[n * Math.min(BLOCK, Math.max(n, 1))];
        double[] qv = e.vectors();
        BLAS blas = BLAS.getInstance();
        for (int j0 = 0; j0 < n; j0 += BLOCK) {
            int b = Math.min(BLOCK, n - j0);
            for (int t = 0; t < b * n; t++) {
                double v = qv[j0 * n + t];
                sq[t] = v * v;
            }
            blas.dgemm("N", "N", n, r, b, 1.0, sq, 0, n, d, j0, n, 1.0, h, 0, n);
        }
        double[][] out = new double[r][n];
        for (int q = 0; q < r; q++) {
            System.arraycopy(h, q * n, out[q], 0, n);
        }
        return out;
    }

    /**
     * Exact leave-one-out residuals for every ridge: y_i - f_{-i}(x_i) = alpha_i / [(K + lambda I)^-1]_ii
     * (docs/select.md, "Leave-one-out"). Also the LOO predictive variances 1 / [(K + lambda I)^-1]_ii.
     *
     * @param y row-major n x k targets
     */
    public static Predictions leaveOneOut(SymmetricEigen e, double[] y, int k, double[] lambdas) {
        double[] w = flooredValues(e.values());
        double[] c = project(e, y, k);
        double[][] alpha = coefficients(e, w, c, k, lambdas);
        double[][] h = inverseDiagonals(e, w, lambdas);
        int n = e.n();
        double[][] pred = new double[lambdas.length][n * k];
        double[][] var = new double[lambdas.length][n];
        for (int q = 0; q < lambdas.length; q++) {
            for (int i = 0; i < n; i++) {
                double hi = h[q][i];
                var[q][i] = 1.0 / hi;
                for (int o = 0; o < k; o++) {
                    pred[q][i * k + o] = y[i * k + o] - alpha[q][i * k + o] / hi;
                }
            }
        }
        return new Predictions(pred, var);
    }

    /**
     * Predictions on held-out rows from a fit on the training rows, for every ridge:
     * f = K_ht Q diag(1/(w + lambda)) Q^T y_t, and the GP predictive variances
     * K_hh + lambda - sum_j (K_ht Q)_hj^2 / (w_j + lambda).
     *
     * @param eTrain   decomposition of the training rows' K (n_t x n_t)
     * @param yTrain   row-major n_t x k targets
     * @param kHeld    K(held, train) row-major n_h x n_t
     * @param diagHeld K(x_h, x_h) per held-out row
     */
    public static Predictions heldOut(SymmetricEigen eTrain, double[] yTrain, int k, double[] kHeld, int nh, double[] diagHeld,
                                      double[] lambdas) {
        int nt = eTrain.n();
        double[] w = flooredValues(eTrain.values());
        double[] c = project(eTrain, yTrain, k);
        BLAS blas = BLAS.getInstance();
        // B^T = Q^T K_th : column-major nt x nh; with K_ht row-major (= K_th column-major nt x nh)
        double[] bt = new double[nt * nh];
        blas.dgemm("T", "N", nt, nh, nt, 1.0, eTrain.vectors(), nt, kHeld, nt, 0.0, bt, nt);
        int r = lambdas.length;
        double[][] pred = new double[r][nh * k];
        double[][] var = new double[r][nh];
        double[] z = new double[nt * k];
        double[] pt = new double[k * nh];
        for (int q = 0; q < r; q++) {
            for (int j = 0; j < nt; j++) {
                double s = 1.0 / (w[j] + lambdas[q]);
                for (int o = 0; o < k; o++) {
                    z[o + j * k] = c[j * k + o] * s; // column-major k x nt
                }
            }
            // P^T (k x nh) = Z^T-ish: pt = z (k x nt) * bt (nt x nh)
            blas.dgemm("N", "N", k, nh, nt, 1.0, z, k, bt, nt, 0.0, pt, k);
            System.arraycopy(pt, 0, pred[q], 0, nh * k);
            for (int h = 0; h < nh; h++) {
                double s = 0;
                for (int j = 0; j < nt; j++) {
                    double b = bt[j + h * nt];
                    s += b * b / (w[j] + lambdas[q]);
                }
                var[q][h] = Math.max(diagHeld[h] + lambdas[q] - s, lambdas[q] > 0 ? lambdas[q] : Double.MIN_NORMAL);
            }
        }
        return new Predictions(pred, var);
    }

    /**
     * Predictions per ridge: {@code values[r]} row-major rows x k, {@code variances[r]} the
     * predictive variance of each row's target under the GP with covariance K and noise lambda.
     */
    public record Predictions(double[][] values, double[][] variances) {
    }
}
