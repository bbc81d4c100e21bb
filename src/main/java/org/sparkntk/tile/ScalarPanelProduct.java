package org.sparkntk.tile;

/**
 * The reference {@link PanelProduct}: plain loops, row by row and output by output (a row is
 * re-read from cache for each output). The oracle of the tests and the fallback without the
 * Vector API.
 */
public final class ScalarPanelProduct extends PanelProduct {

    @Override
    public String name() {
        return "scalar fused";
    }

    @Override
    protected void multiplyK(double[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                             double[] xi, int xiOff, double[] yT) {
        for (int r = 0; r < rows; r++) {
            int row = pOff + r * nc;
            for (int o = 0; o < k; o++) {
                int col = o * nc;
                if (yi != null) {
                    double s = 0;
                    for (int c = 0; c < nc; c++) {
                        s += p[row + c] * xT[col + c];
                    }
                    yi[yiOff + r * k + o] += s;
                }
                if (xi != null) {
                    double b = xi[xiOff + r * k + o];
                    for (int c = 0; c < nc; c++) {
                        yT[col + c] += p[row + c] * b;
                    }
                }
            }
        }
    }

    @Override
    protected void multiplyK(float[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                             double[] xi, int xiOff, double[] yT) {
        for (int r = 0; r < rows; r++) {
            int row = pOff + r * nc;
            for (int o = 0; o < k; o++) {
                int col = o * nc;
                if (yi != null) {
                    double s = 0;
                    for (int c = 0; c < nc; c++) {
                        s += p[row + c] * xT[col + c];
                    }
                    yi[yiOff + r * k + o] += s;
                }
                if (xi != null) {
                    double b = xi[xiOff + r * k + o];
                    for (int c = 0; c < nc; c++) {
                        yT[col + c] += p[row + c] * b;
                    }
                }
            }
        }
    }
}
