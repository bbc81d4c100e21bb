package org.sparkntk.tile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cache-blocked mirror of a symmetric tile equals the plain column sweep, on sizes around the block size. */
class RecursionsMirrorTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 31, 32, 33, 64, 103, 1031})
    void blockedMirrorEqualsColumnSweep(int m) {
        Random r = new Random(m);
        double[] out = new double[m * m];
        double[] diag = new double[2 * m];
        for (int k = 0; k < out.length; k++) {
            out[k] = r.nextGaussian();
        }
        for (int k = 0; k < diag.length; k++) {
            diag[k] = r.nextGaussian();
        }
        double[] blocked = out.clone();
        double[] plain = out.clone();
        Recursions.fill(blocked, diag, 1, m);
        fillColumns(plain, diag, 1, m);
        assertArrayEquals(plain, blocked);
    }

    /** The reference: set the diagonal, then copy each row's upper part into its column, unblocked. */
    private static void fillColumns(double[] out, double[] diag, int l, int m) {
        for (int i = 0; i < m; i++) {
            out[i * m + i] = diag[l * m + i];
            for (int j = i + 1; j < m; j++) {
                out[j * m + i] = out[i * m + j];
            }
        }
    }
}
