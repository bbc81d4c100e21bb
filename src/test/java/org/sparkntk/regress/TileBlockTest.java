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
        // panels of every height from every start, inside one stored panel or across two
        double[] buf = new double[40 * cols];
        for (int i0 = 0; i0 < rows; i0 += 5) {
            for (int p : new int[] {1, 5, 32, 40}) {
                int h = Math.min(p, rows - i0);
                double[] a = t64.panel(i0, h, buf);
                int off = t64.panelOffset(i0, h);
                double[] b = t32.panel(i0, h, buf.clone());
                int offB = t32.panelOffset(i0, h);
                for (int q = 0; q < h * cols; q++) {
                    assertEquals(v[i0 * cols + q], a[off + q], 0.0);
                    assertEquals((float) v[i0 * cols + q], b[offB + q], 0.0);
                }
            }
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

    @ParameterizedTest
    @ValueSource(ints = {0, 32, 64})
    void aPanelWithinOneStoredPanelIsReadInPlace(int i0) {
        double[] v = new double[96 * 4];
        TileBlock t = new TileBlock(0, 0, 0, 0, 96, 4, v);
        double[] buf = new double[32 * 4];
        double[] a = t.panel(i0, 32, buf);
        // the stored panel itself, not the buffer: the PCG pass reads float64 tiles without a copy
        assertEquals(0, t.panelOffset(i0, 32));
        org.junit.jupiter.api.Assertions.assertNotSame(buf, a);
    }
}
