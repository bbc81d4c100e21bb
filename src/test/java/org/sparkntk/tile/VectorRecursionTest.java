package org.sparkntk.tile;

import org.sparkntk.truth.Specs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.tile.panama.PanamaRecursion;

/**
 * The Vector API recursion against the scalar reference, through the whole tile path
 * ({@link Tiles#compute} with {@link ScalarGemm}, so only the recursion differs).
 *
 * <p>Tolerance: |vector - scalar| <= 1e-13 * (|scalar| + 1e-3 * sqrt(K(x,x) K(y,y))). The vector
 * path evaluates the same formulas in the same order and differs only in the transcendental
 * functions (an ulp or two in acos/asin/atan2/exp/sinh), so entries agree to ~1e-15 relative.
 * The Cauchy-Schwarz term (K is a PSD kernel, |K(x,y)| <= sqrt(K(x,x)K(y,y))) only matters
 * where an entry cancels to far below its natural scale: e.g. ReLU at antiparallel inputs,
 * E[phi phi] = n (f sr + (1/2 - f theta) rho) -> n (1/2 - 1/2), or an NTK entry
 * t sw2 E[phi'phi'] + Sigma whose two terms nearly cancel: both implementations round such an
 * entry to a few ulps of its terms (~ the Cauchy-Schwarz scale), so a 1-ulp difference in theta
 * is 1e-16 of the scale, not of the result. The floor 1e-15 of the scale is ~5 ulps of the
 * terms: no looser than the arithmetic itself.
 */
class VectorRecursionTest {

    /** Every closed-form activation the parser accepts (parameters filled in), so a new one cannot escape. */
    static final String[] CLOSED = org.sparkntk.kernel.Activations.NAMES.stream()
            .map(n -> n.replace("A,B", "-0.5,2").replace("ALPHA", "0.1"))
            .filter(n -> org.sparkntk.kernel.Activations.parse(n).closedForm())
            .toArray(String[]::new);
    static final int[][] DEPTHS = {{1}, {4}, {1, 2, 5}};

    enum Mode { NTK, NNGP, BOTH }

    static Stream<Arguments> grid() {
        List<Arguments> out = new ArrayList<>();
        int[][] sizes = {{1, 1}, {7, 13}, {13, 7}, {103, 103}};
        for (String act : CLOSED) {
            for (double beta : new double[] {0, 0.1}) {
                for (double sw : new double[] {1, 1.4}) {
                    for (int[] depths : DEPTHS) {
                        for (Mode mode : Mode.values()) {
                            for (int[] mn : sizes) {
                                out.add(Arguments.of(act, beta, sw, depths, mode, mn[0], mn[1], false));
                                if (mn[0] == mn[1] || mn[0] == 13) {
                                    out.add(Arguments.of(act, beta, sw, depths, mode, mn[0], mn[0], true));
                                }
                            }
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} beta={1} sw={2} depths={3} {4} {5}x{6} sym={7}")
    @MethodSource("grid")
    void matchesScalarOnRandomTiles(String act, double beta, double sw, int[] depths, Mode mode, int m, int n, boolean sym) {
        NetworkSpec spec = new NetworkSpec(depths[depths.length - 1], Activations.parse(act), sw, beta);
        int d = 5;
        double[] a = gaussian(m, d, 11L * m + n);
        double[] b = sym ? a : gaussian(n, d, 7L * n + m + 1);
        compare(spec, a, m, b, n, d, sym, depths, mode, new PanamaRecursion());
    }

    @Test
    void largeTileRelu() {
        NetworkSpec spec = new NetworkSpec(5, Activations.parse("relu"), 1.4, 0.1);
        double[] a = gaussian(1031, 9, 3);
        double[] b = gaussian(1031, 9, 4);
        compare(spec, a, 1031, b, 1031, 9, false, new int[] {1, 2, 5}, Mode.BOTH, new PanamaRecursion());
        compare(spec, a, 1031, a, 1031, 9, true, new int[] {1, 2, 5}, Mode.BOTH, new PanamaRecursion());
        compare(spec, a, 1031, a, 1031, 9, true, new int[] {5}, Mode.NNGP, new PanamaRecursion(2));
    }

    /** Zero vectors, identical and antiparallel rows, norms 1e-150 and 1e150, in one block. */
    static double[] edgeRows(int d) {
        Random r = new Random(5);
        double[] x = new double[d];
        double[] y = new double[d];
        for (int k = 0; k < d; k++) {
            x[k] = r.nextGaussian();
            y[k] = r.nextGaussian();
        }
        double[][] rows = {
                new double[d], scaled(x, 1), scaled(x, 1), scaled(x, -1), scaled(x, 3), scaled(y, 1),
                scaled(x, 1e-150), scaled(y, -1e-150), scaled(x, 1e150), scaled(x, -1e150), scaled(y, 1e150),
                new double[d], scaled(y, -2), scaled(x, 1e-150)};
        double[] out = new double[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * d, d);
        }
        return out;
    }

    static Stream<Arguments> edges() {
        List<Arguments> out = new ArrayList<>();
        for (String act : CLOSED) {
            for (double beta : new double[] {0, 0.1}) {
                for (double sw : new double[] {1, 1.4}) {
                    for (int d : new int[] {1, 6}) {
                        out.add(Arguments.of(act, beta, sw, d));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} beta={1} sw={2} d={3}")
    @MethodSource("edges")
    void matchesScalarOnEdgeInputs(String act, double beta, double sw, int d) {
        NetworkSpec spec = new NetworkSpec(5, Activations.parse(act), sw, beta);
        double[] a = edgeRows(d);
        int m = a.length / d;
        // non-symmetric: the block against itself reversed, so identical/antiparallel pairs sit anywhere
        double[] b = new double[a.length];
        for (int i = 0; i < m; i++) {
            System.arraycopy(a, (m - 1 - i) * d, b, i * d, d);
        }
        int[] depths = {1, 2, 5};
        compare(spec, a, m, b, m, d, false, depths, Mode.BOTH, new PanamaRecursion());
        compare(spec, a, m, a, m, d, true, depths, Mode.BOTH, new PanamaRecursion());
        compare(spec, a, m, a, m, d, false, depths, Mode.NNGP, new PanamaRecursion());
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "leaky_relu:0.1", "abs", "abrelu:-0.5,2", "erf", "gelu", "sin", "cos", "identity"})
    void depthThousandIsFinite(String act) {
        // sigma_w = 1 except abrelu:-0.5,2, whose variance map q -> 2.125 q would overflow any
        // implementation; it gets the critical sigma_w^2 = 1/2.125 (variance grows by beta^2 per layer).
        double sw = act.startsWith("abrelu") ? Math.sqrt(1 / 2.125) : 1.0;
        NetworkSpec spec = new NetworkSpec(1000, Activations.parse(act), sw, 0.1);
        int d = 3;
        double[] a = edgeRows(d);
        int m = a.length / d;
        double[][] ntk = {new double[m * m], new double[m * m]};
        double[][] nngp = {new double[m * m], new double[m * m]};
        Tiles.compute(Specs.of(spec, new int[] {500, 1000}, ntk, nngp), new Rows(a, m, d),
                new Rows(a, m, d), false, ntk, nngp, new ScalarGemm(), new PanamaRecursion(), null);
        for (double[][] out : new double[][][] {ntk, nngp}) {
            for (double[] o : out) {
                for (int k = 0; k < o.length; k++) {
                    assertTrue(Double.isFinite(o[k]), act + " entry " + k + " is " + o[k]);
                }
            }
        }
    }

    @Test
    void threadsGiveIdenticalResults() {
        NetworkSpec spec = new NetworkSpec(4, Activations.parse("erf"), 1.2, 0.1);
        double[] a = gaussian(203, 4, 9);
        double[][] one = {new double[203 * 203]};
        double[][] two = {new double[203 * 203]};
        Tiles.compute(Specs.of(spec, new int[] {4}, one, null), new Rows(a, 203, 4),
                new Rows(a, 203, 4), true, one, null, new ScalarGemm(), new PanamaRecursion(1), null);
        Tiles.compute(Specs.of(spec, new int[] {4}, two, null), new Rows(a, 203, 4),
                new Rows(a, 203, 4), true, two, null, new ScalarGemm(), new PanamaRecursion(3), null);
        assertArrayEquals(one[0], two[0]);
    }

    @Test
    void quadratureDelegatesToScalar() {
        NetworkSpec spec = new NetworkSpec(3, Activations.parse("tanh"), 1.0, 0.1);
        double[] a = gaussian(9, 3, 2);
        double[][] v = {new double[81]};
        double[][] s = {new double[81]};
        Tiles.compute(Specs.of(spec, new int[] {3}, v, null), new Rows(a, 9, 3),
                new Rows(a, 9, 3), false, v, null, new ScalarGemm(), new PanamaRecursion(), null);
        Tiles.compute(Specs.of(spec, new int[] {3}, s, null), new Rows(a, 9, 3),
                new Rows(a, 9, 3), false, s, null, new ScalarGemm(), new ScalarRecursion(), null);
        assertArrayEquals(s[0], v[0]);
    }

    @Test
    void badArgumentsAreRejectedAtTheEntry() {
        NetworkSpec spec = NetworkSpec.of(2, "relu");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new PanamaRecursion().recurse(spec, 1, new double[4], 2, 2, new double[4], new double[4], false,
                        new int[] {3}, new double[][] {new double[4]}, null));
        assertEquals("'depths' contains 3 but each must be in 1..2", e.getMessage());
    }

    static void compare(NetworkSpec spec, double[] a, int m, double[] b, int n, int d, boolean sym, int[] depths,
                        Mode mode, Recursion vector) {
        int kk = depths.length;
        double[][] vt = mode == Mode.NNGP ? null : new double[kk][m * n];
        double[][] vs = mode == Mode.NTK ? null : new double[kk][m * n];
        double[][] st = new double[kk][m * n];
        double[][] ss = new double[kk][m * n];
        Tiles.compute(Specs.of(spec, depths, vt, vs), new Rows(a, m, d),
                new Rows(b, n, d), sym, vt, vs, new ScalarGemm(), vector, null);
        Tiles.compute(Specs.of(spec, depths, st, ss), new Rows(a, m, d),
                new Rows(b, n, d), sym, st, ss, new ScalarGemm(), new ScalarRecursion(), null);
        double[] qa = Diagonal.variances(spec, Diagonal.squaredNorms(a, m, d), m, d);
        double[] qb = Diagonal.variances(spec, Diagonal.squaredNorms(b, n, d), n, d);
        double[] ta = Diagonal.ntkDiagonal(spec, qa, m);
        double[] tb = Diagonal.ntkDiagonal(spec, qb, n);
        for (int k = 0; k < kk; k++) {
            int l = depths[k] - 1;
            if (vt != null) {
                check("ntk", spec, depths[k], vt[k], st[k], ta, tb, l, m, n, sym);
            }
            if (vs != null) {
                check("nngp", spec, depths[k], vs[k], ss[k], qa, qb, l, m, n, sym);
            }
        }
    }

    private static void check(String what, NetworkSpec spec, int depth, double[] got, double[] ref,
                              double[] da, double[] db, int l, int m, int n, boolean sym) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double r = ref[i * n + j];
                double v = got[i * n + j];
                double cs = Math.sqrt(Math.abs(da[l * m + i])) * Math.sqrt(Math.abs(db[l * n + j]));
                double tol = 1e-13 * (Math.abs(r) + 1e-2 * cs) + 1e-300;
                if (!Double.isFinite(v) || !(Math.abs(v - r) <= tol)) {
                    fail(String.format("%s %s depth %d (%d,%d) of %dx%d sym=%b: vector %s scalar %s (diff %.3g, tol %.3g)",
                            what, spec, depth, i, j, m, n, sym, v, r, Math.abs(v - r), tol));
                }
                if (sym && got[i * n + j] != got[j * n + i]) {
                    fail(what + " not exactly symmetric at (" + i + "," + j + ")");
                }
            }
        }
    }

    static double[] gaussian(int rows, int d, long seed) {
        Random r = new Random(seed);
        double[] x = new double[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        return x;
    }

    private static double[] scaled(double[] x, double f) {
        double[] y = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            y[k] = x[k] * f;
        }
        return y;
    }
}
