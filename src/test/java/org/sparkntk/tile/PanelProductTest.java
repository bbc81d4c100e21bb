package org.sparkntk.tile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkntk.spec.Precision;
import org.sparkntk.tile.panama.PanamaSupport;

/**
 * Every {@link PanelProduct} against a plain triple loop written here (double accumulation, the
 * textbook order): random panels stored as float64 and float32 at an offset in their array, k in
 * {1, 3, 10, 17} outputs, row counts around the kernels' 4-row groups, column counts with and
 * without vector tails, the forward, transposed and fused products, accumulating onto nonzero
 * yi and yT. Tolerance: the error bound of a sum of n products in any order, gamma_n sum |terms|
 * (Higham, sec. 3.1), with a factor 4 and n counting the accumulated start value.
 */
class PanelProductTest {

    private static final double U = 0x1p-53;

    static List<PanelProduct> impls() {
        return List.of(new ScalarPanelProduct(), new NetlibPanelProduct(BLAS.getInstance()),
                new NetlibPanelProduct(JavaBLAS.getInstance()), PanamaSupport.panelProduct());
    }

    enum Mode { BOTH, FORWARD, TRANSPOSED }

    @ParameterizedTest
    @MethodSource("impls")
    void float64PanelsMatchTheTripleLoop(PanelProduct pp) {
        sweep(pp, false);
    }

    @ParameterizedTest
    @MethodSource("impls")
    void float32PanelsMatchTheTripleLoopOfTheWidenedValues(PanelProduct pp) {
        sweep(pp, true);
    }

    private static void sweep(PanelProduct pp, boolean float32) {
        Random rnd = new Random(float32 ? 32 : 64);
        int cases = 0;
        for (int k : new int[] {1, 3, 10, 17}) {
            for (int rows : new int[] {1, 3, 4, 5, 9, 32}) {
                for (int nc : new int[] {1, 7, 8, 16, 13, 103, 1031}) {
                    for (Mode mode : Mode.values()) {
                        check(pp, float32, rows, nc, k, mode, rnd);
                        cases++;
                    }
                }
            }
        }
        assertEquals(4 * 6 * 7 * 3, cases);
    }

    private static void check(PanelProduct pp, boolean float32, int rows, int nc, int k, Mode mode, Random rnd) {
        int pOff = 3;
        double[] pd = new double[pOff + rows * nc + 5];
        float[] pf = new float[pd.length];
        for (int i = 0; i < pd.length; i++) {
            double v = rnd.nextGaussian();
            pf[i] = (float) v;
            pd[i] = float32 ? pf[i] : v;
        }
        double[] xT = gaussian(rnd, k * nc);
        int yiOff = 2;
        int xiOff = 5;
        double[] yi0 = gaussian(rnd, yiOff + rows * k + 1);
        double[] xi = gaussian(rnd, xiOff + rows * k);
        double[] yT0 = gaussian(rnd, k * nc);
        boolean fwd = mode != Mode.TRANSPOSED;
        boolean tr = mode != Mode.FORWARD;
        double[] yi = fwd ? yi0.clone() : null;
        double[] yT = tr ? yT0.clone() : null;
        if (float32) {
            pp.multiply(pf, pOff, rows, nc, k, xT, yi, yiOff, tr ? xi : null, xiOff, yT);
        } else {
            pp.multiply(pd, pOff, rows, nc, k, xT, yi, yiOff, tr ? xi : null, xiOff, yT);
        }
        String what = pp.name() + (float32 ? " float32" : " float64") + " rows=" + rows + " nc=" + nc + " k=" + k + " " + mode;
        if (fwd) {
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < k; o++) {
                    double want = yi0[yiOff + r * k + o];
                    double abs = Math.abs(want);
                    for (int c = 0; c < nc; c++) {
                        double t = pd[pOff + r * nc + c] * xT[o * nc + c];
                        want += t;
                        abs += Math.abs(t);
                    }
                    assertEquals(want, yi[yiOff + r * k + o], tol(nc + 1, abs), what + " yi[" + r + "," + o + "]");
                }
            }
            assertEquals(yi0[0], yi[0], 0.0, what + ": yi before its offset untouched");
            assertEquals(yi0[yi0.length - 1], yi[yi.length - 1], 0.0, what + ": yi after its rows untouched");
        }
        if (tr) {
            for (int o = 0; o < k; o++) {
                for (int c = 0; c < nc; c++) {
                    double want = yT0[o * nc + c];
                    double abs = Math.abs(want);
                    for (int r = 0; r < rows; r++) {
                        double t = pd[pOff + r * nc + c] * xi[xiOff + r * k + o];
                        want += t;
                        abs += Math.abs(t);
                    }
                    assertEquals(want, yT[o * nc + c], tol(rows + 1, abs), what + " yT[" + o + "," + c + "]");
                }
            }
        }
    }

    private static double tol(int n, double abs) {
        return 4 * n * U * abs;
    }

    private static double[] gaussian(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    /** The tolerance is tight enough to see one wrong term: a product missing a panel value fails. */
    @Test
    void theComparisonSeesOneWrongValue() {
        PanelProduct broken = new PanelProduct() {
            final PanelProduct inner = new ScalarPanelProduct();

            @Override
            public String name() {
                return "broken";
            }

            @Override
            protected void multiplyK(double[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                                     double[] xi, int xiOff, double[] yT) {
                double[] q = p.clone();
                q[pOff + rows * nc - 1] *= 1 + 1e-9;
                inner.multiply(q, pOff, rows, nc, k, xT, yi, yiOff, xi, xiOff, yT);
            }

            @Override
            protected void multiplyK(float[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                                     double[] xi, int xiOff, double[] yT) {
                throw new UnsupportedOperationException();
            }
        };
        assertThrows(org.opentest4j.AssertionFailedError.class,
                () -> check(broken, false, 5, 13, 3, Mode.BOTH, new Random(1)));
    }

    @Test
    void badShapesAreRefusedAtTheEntry() {
        PanelProduct pp = new ScalarPanelProduct();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pp.multiply(new double[10], 0, 3, 4, 1, new double[4], new double[3], 0, null, 0, null));
        assertTrue(e.getMessage().contains("panel of 3 x 4 at 0 exceeds its array (10)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> pp.multiply(new double[12], 0, 3, 4, 2, new double[8], null, 0, new double[6], 1, new double[8]));
        assertTrue(e.getMessage().contains("transposed product needs yT of 8 and xi of 6 values from 1"), e.getMessage());
    }

    @Test
    void theVectorKernelIsPickedForBothPrecisions() {
        // the build's tests run with the Vector API module (pom.xml argLine), so auto picks the fused kernel
        assertTrue(TileKernels.panelProduct(Precision.FLOAT32).name().startsWith("vector-"),
                TileKernels.panelProduct(Precision.FLOAT32).name());
        assertTrue(TileKernels.panelProduct(Precision.FLOAT64).name().startsWith("vector-"),
                TileKernels.panelProduct(Precision.FLOAT64).name());
    }
}
