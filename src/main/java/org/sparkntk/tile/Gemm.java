package org.sparkntk.tile;

/**
 * The Gram product of two row blocks: c = a b^T with a (m x d), b (n x d), c (m x n), all
 * row-major and dense. Implementations: {@link ScalarGemm} (reference), {@link NetlibGemm}
 * (netlib BLAS dgemm: native OpenBLAS when installed, else netlib's Java fallback) and a Vector
 * API kernel for machines without native BLAS. Pick with {@link TileKernels#gemm()}.
 */
public interface Gemm {

    /** Implementation name for logs and {@code ntk doctor}. */
    String name();

    /** c[i*n+j] = sum_k a[i*d+k] * b[j*d+k]; c is overwritten. */
    void gemmABt(double[] a, int m, double[] b, int n, int d, double[] c);

    /** Argument check shared by implementations (public entry; kernels stay check-free). */
    static void check(double[] a, int m, double[] b, int n, int d, double[] c) {
        if (m < 0 || n < 0 || d < 0) {
            throw new IllegalArgumentException("gemm sizes must be >= 0, got m=" + m + " n=" + n + " d=" + d);
        }
        if (a.length < (long) m * d || b.length < (long) n * d || c.length < (long) m * n) {
            throw new IllegalArgumentException("gemm arrays too small for m=" + m + " n=" + n + " d=" + d);
        }
    }
}
