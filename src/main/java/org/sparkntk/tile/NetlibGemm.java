package org.sparkntk.tile;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;

/**
 * {@link Gemm} through netlib's BLAS (the library Spark MLlib uses): native OpenBLAS through JNI
 * when {@code libopenblas} is installed, otherwise netlib's pure-Java implementation.
 *
 * <p>Row-major c = a b^T is column-major c^T = b a^T, i.e. dgemm("T", "N", n, m, d, b, a).
 */
public final class NetlibGemm extends Gemm {

    private final BLAS blas;

    public NetlibGemm(BLAS blas) {
        this.blas = blas;
    }

    /** The BLAS netlib picked for this JVM (native if available). */
    public static NetlibGemm best() {
        return new NetlibGemm(BLAS.getInstance());
    }

    /** True when netlib found a native BLAS library (its implementation is a {@link NativeBLAS}). */
    public boolean isNative() {
        return blas instanceof NativeBLAS;
    }

    @Override
    public String name() {
        return "netlib:" + blas.getClass().getSimpleName();
    }

    @Override
    public String floatName() {
        return name() + " sgemm";
    }

    @Override
    protected void sgemmABtK(float[] a, int m, float[] b, int n, int d, float[] c) {
        blas.sgemm("T", "N", n, m, d, 1f, b, d, a, d, 0f, c, n);
    }

    /** c = a a^T by ssyrk and a mirror, as {@link #gemmAAtK}. */
    @Override
    protected void sgemmAAtK(float[] a, int m, int d, float[] c) {
        blas.ssyrk("L", "T", m, d, 1f, a, d, 0f, c, m);
        Gemm.mirrorUpper(c, m);
    }

    @Override
    protected void gemmABtK(double[] a, int m, double[] b, int n, int d, double[] c) {
        blas.dgemm("T", "N", n, m, d, 1.0, b, d, a, d, 0.0, c, n);
    }

    /**
     * netlib checks that c holds all m rows of ldc entries after cOff, though BLAS reads only n of
     * the last row: a block that ends where c ends by less (a tile's last panel) runs on Gemm's
     * copying default.
     */
    @Override
    protected void gemmABtK(double[] a, int aOff, int m, double[] b, int bOff, int n, int d, double[] c, int cOff, int ldc) {
        if (cOff + (long) m * ldc > c.length) {
            super.gemmABtK(a, aOff, m, b, bOff, n, d, c, cOff, ldc);
            return;
        }
        blas.dgemm("T", "N", n, m, d, 1.0, b, bOff, d, a, aOff, d, 0.0, c, cOff, ldc);
    }

    /** The block by dsyrk and a mirror, as {@link #gemmAAtK(double[], int, int, double[])}; c's extent as above. */
    @Override
    protected void gemmAAtK(double[] a, int aOff, int m, int d, double[] c, int cOff, int ldc) {
        if (cOff + (long) m * ldc > c.length) {
            super.gemmAAtK(a, aOff, m, d, c, cOff, ldc);
            return;
        }
        blas.dsyrk("L", "T", m, d, 1.0, a, aOff, d, 0.0, c, cOff, ldc);
        Gemm.mirrorUpper(c, cOff, m, ldc);
    }

    /**
     * c = a a^T by dsyrk (half the flops of dgemm), then mirrored. Seen column-major, a is a^T
     * (d x m) and c is c^T = c; dsyrk("L", "T") fills the column-major lower triangle, which is the
     * row-major upper one (j > i) that {@link Gemm#mirrorUpper} copies down; dsyrk leaves the
     * other triangle untouched, hence the mirror.
     */
    @Override
    protected void gemmAAtK(double[] a, int m, int d, double[] c) {
        blas.dsyrk("L", "T", m, d, 1.0, a, d, 0.0, c, m);
        Gemm.mirrorUpper(c, m);
    }
}
