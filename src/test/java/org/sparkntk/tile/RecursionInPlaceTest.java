package org.sparkntk.tile;

import org.sparkntk.truth.Specs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.tile.panama.PanamaRecursion;

/**
 * The Recursion contract that lets the Gram job compute the last NNGP in place of the Gram tile
 * (nngp[last] == g): for the scalar reference and the vector recursion, every activation family
 * (closed forms and quadrature), symmetric and rectangular tiles with ragged widths, one or several
 * depths, with and without the NTK, the in-place result equals the one with a separate output bit for
 * bit. (The values themselves are checked against independent truths elsewhere; this checks that no
 * entry of g is read after its output was written.) Identical rows are included, since they take a
 * separate path in both implementations.
 *
 * <p>Bit for bit, except where the vector recursion calls the Vector API's transcendental lanewise
 * operations (ASIN for erf, ATAN2 for gelu, EXP/SINH/COSH for sin and cos): before C2 compiles the
 * loop these run lane by lane through {@code Math}/{@code StrictMath}, after it through the JIT's
 * intrinsic stubs, and the two may differ in the last bit. The two calls below can fall on either side
 * of that compilation, so for those activations the comparison allows a few ulps of relative error;
 * reading a written entry would change the values entirely, so this still fails on the bug it guards.
 */
class RecursionInPlaceTest {

    /** Activations whose vector kernel uses a Vector API transcendental (see the class comment). */
    private static final Set<String> TRANSCENDENTAL = Set.of("erf", "gelu", "sin");

    private static void assertSame(double[] expected, double[] actual, boolean jitDependent, String what) {
        if (!jitDependent) {
            assertArrayEquals(expected, actual, 0.0, what);
            return;
        }
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-12 * Math.max(1.0, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tol, what + " at " + i);
        }
    }

    @Test
    void lastNngpInPlaceOfTheGramTileGivesTheSameBits() {
        Recursion[] recs = {new ScalarRecursion(), new PanamaRecursion()};
        String[] acts = {"relu", "abs", "erf", "gelu", "sin", "identity", "tanh@16"};
        int[][] depthLists = {{3}, {1, 3}, {2, 3}, {1}};
        Random r = new Random(7);
        int d = 5;
        for (Recursion rec : recs) {
            for (String act : acts) {
                for (int[] depths : depthLists) {
                    for (boolean symmetric : new boolean[] {true, false}) {
                        for (boolean withNtk : new boolean[] {true, false}) {
                            int m = symmetric ? 29 : 13;
                            int n = symmetric ? 29 : 37;
                            double[] a = new double[m * d];
                            double[] b = symmetric ? a : new double[n * d];
                            for (int i = 0; i < a.length; i++) {
                                a[i] = r.nextGaussian();
                            }
                            if (!symmetric) {
                                for (int i = 0; i < b.length; i++) {
                                    b[i] = r.nextGaussian();
                                }
                                System.arraycopy(a, 0, b, 3 * d, d); // an identical row pair
                            } else {
                                System.arraycopy(a, 0, a, 5 * d, d);
                            }
                            NetworkSpec spec = new NetworkSpec(3, Activations.parse(act), 1.3, 0.2);
                            double[][] ntk1 = withNtk ? new double[depths.length][m * n] : null;
                            double[][] nngp1 = new double[depths.length][m * n];
                            Tiles.compute(Specs.of(spec, depths, ntk1, nngp1), new Rows(a, m, d),
                                    new Rows(b, n, d), symmetric, ntk1, nngp1, new ScalarGemm(), rec, null);
                            double[] g = new double[m * n];
                            double[][] ntk2 = withNtk ? new double[depths.length][m * n] : null;
                            double[][] nngp2 = new double[depths.length][];
                            for (int k = 0; k < depths.length - 1; k++) {
                                nngp2[k] = new double[m * n];
                            }
                            nngp2[depths.length - 1] = g;
                            Tiles.compute(Specs.of(spec, depths, ntk2, nngp2), new Rows(a, m, d),
                                    new Rows(b, n, d), symmetric, ntk2, nngp2, new ScalarGemm(), rec, g);
                            String at = rec.name() + " " + act + " depths " + java.util.Arrays.toString(depths) + " sym " + symmetric
                                    + " ntk " + withNtk;
                            boolean jitDependent = rec instanceof PanamaRecursion && TRANSCENDENTAL.contains(act);
                            for (int k = 0; k < depths.length; k++) {
                                assertSame(nngp1[k], nngp2[k], jitDependent, "nngp " + at + " k " + k);
                                if (withNtk) {
                                    assertSame(ntk1[k], ntk2[k], jitDependent, "ntk " + at + " k " + k);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
