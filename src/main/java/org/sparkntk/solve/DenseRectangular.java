package org.sparkntk.solve;

import dev.ludovic.netlib.blas.BLAS;

/** A dense N x M matrix in one row-major array: the test oracle and the driver-side form of K_nM. */
public final class DenseRectangular implements RectangularOperator {

    private final int n;
    private final int m;
    private final double[] a;

    /** Wraps (does not copy) a row-major n x m array. */
    public DenseRectangular(double[] a, int n, int m) {
        if (n < 0 || m < 0 || a.length != (long) n * m) {
            throw new IllegalArgumentException("dense matrix: array of length " + a.length + " is not " + n + " x " + m);
        }
        this.n = n;
        this.m = m;
        this.a = a;
    }

    @Override
    public int rows() {
        return n;
    }

    @Override
    public int cols() {
        return m;
    }

    @Override
    public void apply(double[] v, int k, double[] out) {
        if (v.length != (long) m * k || out.length != (long) n * k) {
            throw new IllegalArgumentException("apply: expected " + m + " x " + k + " in and " + n + " x " + k + " out");
        }
        if (n == 0 || k == 0) {
            return;
        }
        // row-major out (n x k) = A v is column-major out^T (k x n) = v^T (k x m) A^T, A^T column-major m x n with ld m
        BLAS.getInstance().dgemm("N", "N", k, n, m, 1.0, v, k, a, m, 0.0, out, k);
    }

    @Override
    public void applyTranspose(double[] u, int k, double[] out) {
        if (u.length != (long) n * k || out.length != (long) m * k) {
            throw new IllegalArgumentException("applyTranspose: expected " + n + " x " + k + " in and " + m + " x " + k + " out");
        }
        if (m == 0 || k == 0) {
            return;
        }
        // column-major out^T (k x m) = u^T (k x n) A (n x m); A row-major is A^T column-major, so transpose it back
        BLAS.getInstance().dgemm("N", "T", k, m, n, 1.0, u, k, a, m, 0.0, out, k);
    }
}
