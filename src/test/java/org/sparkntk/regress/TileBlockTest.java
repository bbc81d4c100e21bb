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
}
