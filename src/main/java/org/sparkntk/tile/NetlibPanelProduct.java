package org.sparkntk.tile;

import dev.ludovic.netlib.blas.BLAS;

/**
 * {@link PanelProduct} as two netlib dgemm calls per panel (native OpenBLAS when installed), a
 * float32 panel first widened into a per-thread float64 buffer: the PCG pass before the fused
 * kernel, kept for float64 panels where a native dgemm may be the faster one.
 *
 * <p>Column-major views: yi (rows x k) is yi^T (k x rows), xT (k x nc) is x (nc x k), P (rows x
 * nc) is P^T (nc x rows), yT (k x nc) is y (nc x k).
 */
public final class NetlibPanelProduct extends PanelProduct {

    private final BLAS blas;

    public NetlibPanelProduct(BLAS blas) {
        this.blas = blas;
    }

    @Override
    public String name() {
        return "netlib:" + blas.getClass().getSimpleName() + " dgemm x 2";
    }

    @Override
    protected void multiplyK(double[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                             double[] xi, int xiOff, double[] yT) {
        if (yi != null) {
            // yi^T (k x rows) += x^T (k x nc) P^T (nc x rows)
            blas.dgemm("T", "N", k, rows, nc, 1.0, xT, 0, nc, p, pOff, nc, 1.0, yi, yiOff, k);
        }
        if (xi != null) {
            // y (nc x k) += P^T (nc x rows) xi (rows x k)
            blas.dgemm("N", "T", nc, k, rows, 1.0, p, pOff, nc, xi, xiOff, k, 1.0, yT, 0, nc);
        }
    }

    @Override
    protected void multiplyK(float[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                             double[] xi, int xiOff, double[] yT) {
        int len = rows * nc;
        double[] buf = buffer(len);
        for (int i = 0; i < len; i++) {
            buf[i] = p[pOff + i];
        }
        multiplyK(buf, 0, rows, nc, k, xT, yi, yiOff, xi, xiOff, yT);
    }

    private static final ThreadLocal<double[]> BUFFER = new ThreadLocal<>();

    /** A per-thread buffer of at least {@code len} doubles for widening float32 panels. */
    private static double[] buffer(int len) {
        double[] b = BUFFER.get();
        if (b == null || b.length < len) {
            b = new double[len];
            BUFFER.set(b);
        }
        return b;
    }
}
