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
        Recursions.fillColumns(plain, diag, 1, m);
        assertArrayEquals(plain, blocked);
    }
}
