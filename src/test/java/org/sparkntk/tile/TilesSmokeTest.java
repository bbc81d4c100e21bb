package org.sparkntk.tile;

import org.sparkntk.truth.Specs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.NetworkSpec;

/** L = 1 is the scaled dot product plus beta^2 (ntk-math.md, "Ground truth"), through the whole tile path. */
class TilesSmokeTest {

    @Test
    void depthOneIsScaledDotProduct() {
        double[] a = {1, 2, 3, -1, 0, 2};
        double[] b = {0.5, -1, 2};
        NetworkSpec spec = new NetworkSpec(3, org.sparkntk.kernel.Activations.parse("relu"), 1.5, 0.3);
        double[][] ntk = {new double[2]};
        double[][] nngp = {new double[2]};
        Tiles.compute(Specs.of(spec, new int[] {1}, ntk, nngp), new Rows(a, 2, 3), new Rows(b, 1, 3), false, ntk, nngp);
        double dot0 = 0.5 - 2 + 6;
        double dot1 = -0.5 + 0 + 4;
        assertEquals(2.25 * dot0 / 3 + 0.09, ntk[0][0], 1e-15);
        assertEquals(2.25 * dot1 / 3 + 0.09, nngp[0][1], 1e-15);
    }
}
