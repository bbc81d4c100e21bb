package org.sparkntk.tile;

/**
 * The two skinny products of a kernel-regression pass over one stored panel P of a tile (rows x
 * nc, row-major, float64 or float32), both from one read of P:
 * <pre>
 *   yi[rows x k] += P xj          (forward, when yi != null)
 *   yT[k x nc]   += (P^T xi)^T    (transposed, when xi != null)
 * </pre>
 * with k outputs. xj and the transposed accumulator are given transposed, k x nc row-major
 * ({@code xT}, {@code yT}: output o's column values are contiguous, so a kernel's inner loop runs
 * over the columns with full vectors); yi and xi are row-major rows x k, as the solvers hold
 * them. Everything accumulates in float64: a float32 value of P widens to double exactly, so the
 * products are those of the float32 matrix (regression.md, "Solvers": `--cache-precision`).
 *
 * <p>Used by the PCG passes over K (off-diagonal tiles: both products; diagonal tiles: forward)
 * and the FALKON passes over K_nM (forward, then transposed with xi the forward result).
 * Implementations: {@link ScalarPanelProduct} (reference), {@link NetlibPanelProduct} (two
 * dgemm calls, a float32 panel widened first) and a fused Vector API kernel; pick with
 * {@link TileKernels#panelProduct}.
 */
public abstract class PanelProduct {

    /** Implementation name for logs. */
    public abstract String name();

    /**
     * Both products of the float64 panel {@code p[pOff ..]} (rows x nc); see the class comment.
     * yi's row r starts at {@code yiOff + r k}, xi's at {@code xiOff + r k}; xT and yT are k x nc.
     */
    public final void multiply(double[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                               double[] xi, int xiOff, double[] yT) {
        check(p.length, pOff, rows, nc, k, xT, yi, yiOff, xi, xiOff, yT);
        if (rows > 0 && nc > 0 && k > 0 && (yi != null || xi != null)) {
            multiplyK(p, pOff, rows, nc, k, xT, yi, yiOff, xi, xiOff, yT);
        }
    }

    /** As {@link #multiply(double[], int, int, int, int, double[], double[], int, double[], int, double[])} for a float32 panel. */
    public final void multiply(float[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                               double[] xi, int xiOff, double[] yT) {
        check(p.length, pOff, rows, nc, k, xT, yi, yiOff, xi, xiOff, yT);
        if (rows > 0 && nc > 0 && k > 0 && (yi != null || xi != null)) {
            multiplyK(p, pOff, rows, nc, k, xT, yi, yiOff, xi, xiOff, yT);
        }
    }

    /** The kernel of the float64 {@code multiply}: no checks, rows, nc, k >= 1, yi or xi non-null. */
    protected abstract void multiplyK(double[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                                      double[] xi, int xiOff, double[] yT);

    /** The kernel of the float32 {@code multiply}: no checks, rows, nc, k >= 1, yi or xi non-null. */
    protected abstract void multiplyK(float[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                                      double[] xi, int xiOff, double[] yT);

    private static void check(int pLen, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                              double[] xi, int xiOff, double[] yT) {
        if (rows < 0 || nc < 0 || k < 0) {
            throw new IllegalArgumentException("rows, nc and k must be >= 0, got " + rows + ", " + nc + ", " + k);
        }
        long pn = (long) rows * nc;
        long kn = (long) k * nc;
        long rk = (long) rows * k;
        if (pOff < 0 || pOff + pn > pLen) {
            throw new IllegalArgumentException("panel of " + rows + " x " + nc + " at " + pOff + " exceeds its array (" + pLen + ")");
        }
        if (yi != null && (xT == null || xT.length < kn || yiOff < 0 || yiOff + rk > yi.length)) {
            throw new IllegalArgumentException("forward product needs xT of " + kn + " and yi of " + rk + " values from " + yiOff);
        }
        if (xi != null && (yT == null || yT.length < kn || xiOff < 0 || xiOff + rk > xi.length)) {
            throw new IllegalArgumentException("transposed product needs yT of " + kn + " and xi of " + rk + " values from " + xiOff);
        }
    }
}
