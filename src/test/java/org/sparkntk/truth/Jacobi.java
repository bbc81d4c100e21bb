package org.sparkntk.truth;

/**
 * Cyclic Jacobi eigenvalue method for a small dense symmetric matrix (test helper, written for
 * the tests: no library code). Slow (O(n^3) per sweep) but very accurate and obviously right.
 */
public final class Jacobi {

    /** Eigenvalues (ascending) of a symmetric n x n row-major matrix. */
    public final double[] values;
    /** Eigenvectors as columns of an n x n row-major matrix, in the order of {@link #values}. */
    public final double[] vectors;

    private Jacobi(double[] values, double[] vectors) {
        this.values = values;
        this.vectors = vectors;
    }

    /** Diagonalises a copy of {@code a} (n x n, symmetric, row-major). */
    public static Jacobi of(double[] a0, int n) {
        double[] a = a0.clone();
        double[] v = new double[n * n];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diag = 0;
            for (int p = 0; p < n; p++) {
                diag += a[p * n + p] * a[p * n + p];
                for (int q = p + 1; q < n; q++) {
                    off += a[p * n + q] * a[p * n + q];
                }
            }
            if (off == 0 || off <= 1e-34 * diag) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p * n + q];
                    if (apq == 0) {
                        continue;
                    }
                    // rotation J with J_pp = J_qq = c, J_pq = s, J_qp = -s zeroing a_pq in J^T A J
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) { // columns: A J
                        double akp = a[k * n + p];
                        double akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                        double vkp = v[k * n + p];
                        double vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                    for (int k = 0; k < n; k++) { // rows: J^T (A J)
                        double apk = a[p * n + k];
                        double aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    a[p * n + q] = 0;
                    a[q * n + p] = 0;
                }
            }
        }
        // sort ascending, carrying the eigenvector columns
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        final double[] d = a;
        java.util.Arrays.sort(idx, (x, y) -> Double.compare(d[x * n + x], d[y * n + y]));
        double[] values = new double[n];
        double[] vectors = new double[n * n];
        for (int j = 0; j < n; j++) {
            values[j] = a[idx[j] * n + idx[j]];
            for (int k = 0; k < n; k++) {
                vectors[k * n + j] = v[k * n + idx[j]];
            }
        }
        return new Jacobi(values, vectors);
    }
}
