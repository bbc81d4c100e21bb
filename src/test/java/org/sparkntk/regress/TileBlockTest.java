package org.sparkntk.regress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkntk.spec.Precision;

/** The panel storage of a tile reads back the row-major values it was given, at both precisions and any panel read. */
class TileBlockTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 31, 32, 33, 64, 100})
    void panelsReadBackTheRowMajorValues(int rows) {
        check(rows, 13);
        check(rows, 3000); // wider tiles store fewer rows per panel (10 here)
    }

    private static void check(int rows, int cols) {
        assertEquals(cols == 13 ? 32 : 10, TileBlock.panelRowsFor(cols));
        double[] v = new double[rows * cols];
        Random rnd = new Random(rows);
        for (int q = 0; q < v.length; q++) {
            v[q] = rnd.nextGaussian();
        }
        TileBlock t64 = new TileBlock(0, 1, 0, 1024, rows, cols, v);
        TileBlock t32 = TileBlock.float32(0, 1, 0, 1024, rows, cols, v);
        checkView(TileBlock.view(0, 1, 0, 1024, rows, cols, v), t64, t32, v);
        assertEquals(Precision.FLOAT64, t64.precision());
        assertEquals(Precision.FLOAT32, t32.precision());
        double[] row = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                assertEquals(v[i * cols + j], t64.get(i, j), 0.0);
                assertEquals((float) v[i * cols + j], t32.get(i, j), 0.0);
            }
            t64.copyRow(i, row, 0);
            assertArrayEquals(java.util.Arrays.copyOfRange(v, i * cols, (i + 1) * cols), row, 0.0);
        }
        double sum = 0;
        double sum32 = 0;
        for (double x : v) {
            sum += x;
            sum32 += (float) x;
        }
        assertEquals(sum, t64.sum(), 1e-12 * v.length);
        assertEquals(sum32, t32.sum(), 1e-12 * v.length);
        // float32 storage widened back gives the rounded values; float64 -> float64 is the same tile
        TileBlock back = t32.withPrecision(Precision.FLOAT64);
        assertEquals((float) v[v.length - 1], back.get(rows - 1, cols - 1), 0.0);
        assertSame(t64, t64.withPrecision(Precision.FLOAT64));
        assertEquals(t32.get(rows - 1, 0), t64.withPrecision(Precision.FLOAT32).get(rows - 1, 0), 0.0);
    }

    /** A view reads the same values as the copied tile, through every reader, and is the caller's array. */
    private static void checkView(TileBlock view, TileBlock t64, TileBlock t32, double[] v) {
        int rows = t64.numRows();
        int cols = t64.numCols();
        assertEquals(1, view.panelCount());
        assertEquals(rows, view.panelRows());
        double[] a = new double[cols];
        double[] b = new double[cols];
        for (int i = 0; i < rows; i++) {
            view.copyRow(i, a, 0);
            t64.copyRow(i, b, 0);
            assertArrayEquals(b, a, 0.0);
            assertEquals(t64.get(i, cols - 1), view.get(i, cols - 1), 0.0);
        }
        assertEquals(t64.sum(), view.sum(), 1e-12 * v.length);
        // the product over panels: yi += K xj and yT += K^T xi, k = 2 outputs
        int k = 2;
        Random rnd = new Random(5);
        double[] xT = new double[k * cols];
        double[] xi = new double[rows * k];
        for (int q = 0; q < xT.length; q++) {
            xT[q] = rnd.nextGaussian();
        }
        for (int q = 0; q < xi.length; q++) {
            xi[q] = rnd.nextGaussian();
        }
        double[][] y = new double[2][rows * k];
        double[][] yT = new double[2][k * cols];
        org.sparkntk.tile.PanelProduct pp = org.sparkntk.tile.TileKernels.panelProduct(Precision.FLOAT64);
        view.multiplyPanels(pp, k, xT, y[0], 0, xi, 0, yT[0]);
        t64.multiplyPanels(pp, k, xT, y[1], 0, xi, 0, yT[1]);
        assertArrayEquals(y[1], y[0], 1e-12 * cols);
        assertArrayEquals(yT[1], yT[0], 1e-12 * rows);
        TileBlock v32 = view.withPrecision(Precision.FLOAT32);
        for (int i = 0; i < rows; i++) {
            assertEquals(t32.get(i, 0), v32.get(i, 0), 0.0);
        }
        double keep = v[0];
        v[0] = 42;
        assertEquals(42, view.get(0, 0), 0.0); // no copy: valid only while the caller's array holds the tile
        v[0] = keep;
    }
}
