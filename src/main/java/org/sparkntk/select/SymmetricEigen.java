package org.sparkntk.select;

import dev.ludovic.netlib.lapack.JavaLAPACK;
import dev.ludovic.netlib.lapack.LAPACK;
import dev.ludovic.netlib.lapack.NativeLAPACK;
import org.netlib.util.intW;

/**
 * K = Q diag(w) Q^T of a dense symmetric matrix by LAPACK dsyevd (divide and conquer) through
 * netlib: native (OpenBLAS' LAPACK) when the JVM finds it, else netlib's Java port (F2J).
 * docs/select.md, "One factorization for every ridge", says why one decomposition serves all ridges.
 *
 * @param values  eigenvalues in ascending order (length n)
 * @param vectors the eigenvectors, column-major n x n: column j (entries j*n .. j*n+n-1) belongs to values[j]
 */
public record SymmetricEigen(int n, double[] values, double[] vectors) {

    /** The LAPACK this JVM uses for the decomposition: native unless -Dntk.lapack=java. */
    public static LAPACK lapack() {
        if ("java".equalsIgnoreCase(System.getProperty("ntk.lapack", ""))) {
            return JavaLAPACK.getInstance();
        }
        return LAPACK.getInstance();
    }

    /** 'native' or 'java (F2J)': what {@link #lapack()} returned, for logs and selection.json. */
    public static String implementation(LAPACK l) {
        return l instanceof NativeLAPACK ? "native (" + l.getClass().getSimpleName() + ")" : "java (" + l.getClass().getSimpleName() + ", F2J)";
    }

    /** Doubles dsyevd needs beside the matrix (workspace), for the driver's memory plan: 1 + 6n + 2n^2. */
    public static long workspaceDoubles(long n) {
        return 1 + 6 * n + 2 * n * n;
    }

    /**
     * Decomposes the symmetric n x n matrix {@code a} (row- or column-major: it is symmetric, both
     * triangles are read as the upper) in place: on return {@code a} holds the eigenvectors.
     */
    public static SymmetricEigen decompose(double[] a, int n, LAPACK lapack) {
        if (a.length < (long) n * n) {
            throw new IllegalArgumentException("matrix has " + a.length + " entries, need " + n + " x " + n);
        }
        double[] w = new double[n];
        if (n == 0) {
            return new SymmetricEigen(0, w, a);
        }
        intW info = new intW(0);
        double[] wq = new double[1];
        int[] iwq = new int[1];
        lapack.dsyevd("V", "U", n, a, Math.max(1, n), w, wq, -1, iwq, -1, info);
        int lwork = (int) Math.max(wq[0], 1 + 6L * n + 2L * n * n);
        int liwork = Math.max(iwq[0], 3 + 5 * n);
        double[] work = new double[lwork];
        int[] iwork = new int[liwork];
        info.val = 0;
        lapack.dsyevd("V", "U", n, a, Math.max(1, n), w, work, lwork, iwork, liwork, info);
        if (info.val != 0) {
            throw new ArithmeticException("dsyevd failed (info = " + info.val + ") on a " + n + " x " + n + " kernel matrix");
        }
        return new SymmetricEigen(n, w, a);
    }

    /**
     * The rate to expect (9 n^3 flops per second) for time estimates: ~15 GFLOP/s native and ~2 GFLOP/s
     * for the Java port, measured at n = 1000-3000 on a loaded 2-core VM (docs/select.md).
     */
    public static double typicalRate(LAPACK l) {
        return l instanceof NativeLAPACK ? 15e9 : 2e9;
    }

    /** Flops of a dsyevd with eigenvectors, the usual count for rates: 9 n^3 (tridiagonalization 4/3 n^3, D&C and back-transformation). */
    public static double flops(long n) {
        return 9.0 * n * n * n;
    }
}
