package org.sparkntk.tile;

import dev.ludovic.netlib.blas.BLAS;

/**
 * {@link Gemm} through netlib's BLAS (the library Spark MLlib uses): native OpenBLAS through JNI
 * when {@code libopenblas} is installed, otherwise netlib's pure-Java implementation.
 *
 * <p>Row-major c = a b^T is column-major c^T = b a^T, i.e. dgemm("T", "N", n, m, d, b, a).
 */
public final class NetlibGemm implements Gemm {

    private final BLAS blas;

    public NetlibGemm(BLAS blas) {
        this.blas = blas;
    }

    /** The BLAS netlib picked for this JVM (native if available). */
    public static NetlibGemm best() {
        return new NetlibGemm(BLAS.getInstance());
    }

    /** True when netlib found a native BLAS library. */
    public boolean isNative() {
        return blas.getClass().getName().contains("JNI") || blas.getClass().getName().toLowerCase().contains("native");
    }

    @Override
    public String name() {
        return "netlib:" + blas.getClass().getSimpleName();
    }

    @Override
    public void gemmABt(double[] a, int m, double[] b, int n, int d, double[] c) {
        Gemm.check(a, m, b, n, d, c);
        if (m == 0 || n == 0) {
            return;
        }
        if (d == 0) {
            java.util.Arrays.fill(c, 0, m * n, 0.0);
            return;
        }
        blas.dgemm("T", "N", n, m, d, 1.0, b, d, a, d, 0.0, c, n);
    }

    /**
     * c = a a^T by dsyrk (half the flops of dgemm), then mirrored. Seen column-major, a is a^T
     * (d x m) and c is c^T = c; dsyrk("L", "T") fills the column-major lower triangle, which is the
     * row-major upper one (j > i) that {@link Gemm#mirrorUpper} copies down; dsyrk leaves the
     * other triangle untouched, hence the mirror.
     */
    @Override
    public void gemmAAt(double[] a, int m, int d, double[] c) {
        Gemm.check(a, m, a, m, d, c);
        if (m == 0) {
            return;
        }
        if (d == 0) {
            java.util.Arrays.fill(c, 0, m * m, 0.0);
            return;
        }
        blas.dsyrk("L", "T", m, d, 1.0, a, d, 0.0, c, m);
        Gemm.mirrorUpper(c, m);
    }
}
