package org.sparkntk.solve;

import dev.ludovic.netlib.blas.BLAS;

/**
 * A dense symmetric N x N matrix held in one array (row-major, which for a symmetric matrix is
 * also column-major): the Cholesky solver's input and the test oracle for the other solvers.
 */
public final class DenseSymmetric implements SymmetricOperator {

    private final int n;
    private final double[] a;

    /** Wraps (does not copy) a full symmetric n x n array. */
    public DenseSymmetric(double[] a, int n) {
        if (n < 0 || a.length != (long) n * n) {
            throw new IllegalArgumentException("dense matrix: array of length " + a.length + " is not " + n + " x " + n);
        }
        this.n = n;
        this.a = a;
    }

    /** The backing array. */
    public double[] array() {
        return a;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public void apply(double[] x, int k, double[] out) {
        if (x.length != (long) n * k || out.length != (long) n * k) {
            throw new IllegalArgumentException("apply: expected " + n + " x " + k + " blocks");
        }
        if (n == 0 || k == 0) {
            return;
        }
        // row-major out(n x k) = A x is column-major out^T(k x n) = x^T(k x n) A(n x n)
        BLAS.getInstance().dgemm("N", "N", k, n, n, 1.0, x, k, a, n, 0.0, out, k);
    }

    @Override
    public double[] diagonal() {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = a[i * n + i];
        }
        return d;
    }

    @Override
    public double[] columns(int[] cols) {
        int r = cols.length;
        double[] out = new double[n * r];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < r; c++) {
                out[i * r + c] = a[i * n + cols[c]];
            }
        }
        return out;
    }
}
