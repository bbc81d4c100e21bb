package org.sparkntk.tile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.tile.panama.PanamaRecursion;

/**
 * A NaN Gram entry comes out as NaN, in the NTK and the NNGP of every depth, from both
 * implementations: the vector kernels clamp rho with integer operations on the bits (no masks),
 * and an integer min alone would turn a NaN into a plausible rho = 1. The other entries of the
 * strip are untouched by it. (The Gram job and Tiles refuse non-finite input before this; the
 * recursion itself must still not hide one.)
 */
class RecursionNonFiniteTest {

    @ParameterizedTest
    @ValueSource(strings = {"relu", "leaky_relu:0.1", "abs", "abrelu:-0.5,2", "erf", "gelu", "sin", "cos", "identity"})
    void nanGramEntryGivesNan(String act) {
        int n = 19;   // two full vectors and a tail at 8 lanes
        int d = 3;
        NetworkSpec spec = new NetworkSpec(3, Activations.parse(act), 1.2, 0.1);
        double[] x = new double[(n + 1) * d];
        java.util.Random r = new java.util.Random(5);
        for (int k = 0; k < x.length; k++) {
            x[k] = r.nextGaussian();
        }
        double[] norms = Diagonal.squaredNorms(x, n + 1, d);
        double[] qAll = Diagonal.variances(spec, norms, n + 1, d);
        // row 0 against rows 1..n
        double[] qa = new double[spec.depth()];
        double[] qb = new double[spec.depth() * n];
        for (int l = 0; l < spec.depth(); l++) {
            qa[l] = qAll[l * (n + 1)];
            System.arraycopy(qAll, l * (n + 1) + 1, qb, l * n, n);
        }
        double[] g = new double[n];
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < d; k++) {
                g[j] += x[k] * x[(j + 1) * d + k];
            }
        }
        int[] bad = {2, 17};
        for (int j : bad) {
            g[j] = Double.NaN;
        }
        int[] depths = {1, 2, 3};
        double[][][] out = new double[2][][];
        Recursion[] impls = {new ScalarRecursion(), new PanamaRecursion()};
        for (int v = 0; v < 2; v++) {
            double[][] ntk = new double[3][n];
            double[][] nngp = new double[3][n];
            impls[v].recurse(spec, d, g.clone(), 1, n, qa, qb, false, depths, ntk, nngp);
            out[v] = new double[][] {ntk[0], ntk[1], ntk[2], nngp[0], nngp[1], nngp[2]};
        }
        for (int o = 0; o < 6; o++) {
            for (int j = 0; j < n; j++) {
                double s = out[0][o][j];
                double vec = out[1][o][j];
                if (j == bad[0] || j == bad[1]) {
                    assertTrue(Double.isNaN(s) && Double.isNaN(vec), act + " output " + o + " entry " + j + ": scalar " + s + ", vector " + vec);
                } else {
                    assertTrue(Double.isFinite(s), act + " output " + o + " entry " + j + " not finite: " + s);
                    assertEquals(s, vec, 1e-13 * Math.abs(s) + 1e-15, act + " output " + o + " entry " + j);
                }
            }
        }
    }
}
