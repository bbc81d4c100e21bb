package org.sparkntk.tile;

import org.sparkntk.truth.Specs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkntk.kernel.Activation;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.truth.Jacobi;

/**
 * Special cases with known answers (ntk-math.md, "Ground truth") through {@link Tiles#compute}, with
 * the scalar reference implementations passed explicitly and with the ones {@link TileKernels}
 * picks for this JVM: L = 1 is sigma_w^2 x.x'/n0 + beta^2; the identity activation gives
 * Theta(L) = L Sigma(1) (beta = 0, sigma_w = 1); diagonal tiles are exactly symmetric; random Gram
 * tiles are positive semi-definite (smallest eigenvalue >= -1e-10 trace, by a Jacobi eigen-solver);
 * zero vectors give no NaN and the exact diagonal; identical rows give exactly the diagonal
 * recursion; depth 1000 stays finite.
 */
class TileSpecialCasesTest {

    static final List<String> ACTIVATIONS = List.of("relu", "leaky_relu:0.2", "abrelu:-0.5,2", "abs", "erf", "gelu", "sin",
            "cos", "identity", "tanh", "sigmoid", "softplus", "silu", "elu");

    record Impl(String name, Gemm gemm, Recursion recursion) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Impl> impls() {
        return List.of(new Impl("scalar", new ScalarGemm(), new ScalarRecursion()),
                new Impl("default", TileKernels.gemm(), TileKernels.recursion()));
    }

    static List<Arguments> implsAndActivations() {
        java.util.ArrayList<Arguments> out = new java.util.ArrayList<>();
        for (Impl impl : impls()) {
            for (String a : ACTIVATIONS) {
                out.add(Arguments.of(impl, a));
            }
        }
        return out;
    }

    static double[] gaussian(long seed, int count) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[count];
        for (int i = 0; i < count; i++) {
            x[i] = r.nextGaussian();
        }
        return x;
    }

    static double[][] outputs(int depths, int size) {
        return new double[depths][size];
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("implsAndActivations")
    void depthOneIsScaledDotProductPlusBias(Impl impl, String activation) {
        int m = 5;
        int n = 4;
        int d = 7;
        double[] a = gaussian(1, m * d);
        double[] b = gaussian(2, n * d);
        NetworkSpec spec = new NetworkSpec(3, Activations.parse(activation), 1.7, 0.4);
        double[][] ntk = outputs(2, m * n);
        double[][] nngp = outputs(2, m * n);
        Tiles.compute(Specs.of(spec, new int[] {1, 3}, ntk, nngp), new Rows(a, m, d),
                new Rows(b, n, d), false, ntk, nngp, impl.gemm(), impl.recursion(), null);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                double absDot = 0;
                for (int k = 0; k < d; k++) {
                    dot += a[i * d + k] * b[j * d + k];
                    absDot += Math.abs(a[i * d + k] * b[j * d + k]);
                }
                double expect = 1.7 * 1.7 * dot / d + 0.16;
                double tol = 1e-14 * (1.7 * 1.7 * absDot / d + 0.16);
                assertEquals(expect, ntk[0][i * n + j], tol);
                assertEquals(expect, nngp[0][i * n + j], tol);
                assertTrue(Double.isFinite(ntk[1][i * n + j]) && Double.isFinite(nngp[1][i * n + j]));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("impls")
    void identityActivationGivesDepthTimesLinearKernel(Impl impl) {
        int m = 6;
        int n = 3;
        int d = 5;
        double[] a = gaussian(3, m * d);
        double[] b = gaussian(4, n * d);
        int depth = 7;
        int[] depths = {1, 2, 3, 4, 5, 6, 7};
        NetworkSpec spec = new NetworkSpec(depth, Activations.parse("identity"), 1.0, 0.0);
        double[][] ntk = outputs(depth, m * n);
        double[][] nngp = outputs(depth, m * n);
        Tiles.compute(Specs.of(spec, depths, ntk, nngp), new Rows(a, m, d),
                new Rows(b, n, d), false, ntk, nngp, impl.gemm(), impl.recursion(), null);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                double absDot = 0;
                for (int k = 0; k < d; k++) {
                    dot += a[i * d + k] * b[j * d + k];
                    absDot += Math.abs(a[i * d + k] * b[j * d + k]);
                }
                for (int l = 1; l <= depth; l++) {
                    double tol = 1e-14 * l * absDot / d;
                    assertEquals(l * dot / d, ntk[l - 1][i * n + j], tol, "Theta(" + l + ")");
                    assertEquals(dot / d, nngp[l - 1][i * n + j], tol, "Sigma(" + l + ")");
                }
            }
        }
    }

    /** Rows for symmetric tiles: random, a zero row, a duplicate, an antiparallel and a scaled copy, tiny and huge norms. */
    static double[] edgeRows(int m, int d, long seed) {
        double[] x = gaussian(seed, m * d);
        java.util.Arrays.fill(x, 0, d, 0.0); // row 0: zero vector
        System.arraycopy(x, 2 * d, x, 3 * d, d); // row 3 == row 2
        for (int k = 0; k < d; k++) {
            x[4 * d + k] = -x[2 * d + k]; // row 4 = -row 2
            x[5 * d + k] = 3 * x[2 * d + k]; // row 5 = 3 row 2
        }
        return x;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("implsAndActivations")
    void diagonalTilesAreExactlySymmetricWithExactDiagonal(Impl impl, String activation) {
        int m = 9;
        int d = 4;
        double[] x = edgeRows(m, d, 5);
        NetworkSpec spec = new NetworkSpec(4, Activations.parse(activation), 1.2, 0.3);
        int[] depths = {1, 2, 4};
        double[][] ntk = outputs(3, m * m);
        double[][] nngp = outputs(3, m * m);
        Tiles.compute(Specs.of(spec, depths, ntk, nngp), new Rows(x, m, d),
                new Rows(x, m, d), true, ntk, nngp, impl.gemm(), impl.recursion(), null);
        double[] q = Diagonal.variances(spec, Diagonal.squaredNorms(x, m, d), m, d);
        double[] t = Diagonal.ntkDiagonal(spec, q, m);
        for (int k = 0; k < depths.length; k++) {
            int l = depths[k] - 1;
            for (int i = 0; i < m; i++) {
                assertEquals(q[l * m + i], nngp[k][i * m + i], 0.0, "Sigma diagonal row " + i);
                assertEquals(t[l * m + i], ntk[k][i * m + i], 0.0, "Theta diagonal row " + i);
                for (int j = 0; j < m; j++) {
                    assertTrue(Double.isFinite(ntk[k][i * m + j]) && Double.isFinite(nngp[k][i * m + j]), "finite at " + i + "," + j);
                    assertEquals(ntk[k][i * m + j], ntk[k][j * m + i], 0.0);
                    assertEquals(nngp[k][i * m + j], nngp[k][j * m + i], 0.0);
                }
            }
        }
    }

    /** The diagonal recursion written out from the activation's own diagonal maps (ntk-math.md, "The recursion"). */
    static double[] diagonalRecursion(NetworkSpec spec, double sqNorm, int d) {
        Activation act = spec.activation();
        double q = spec.sw2() * sqNorm / d + spec.b2();
        double theta = q;
        for (int l = 1; l < spec.depth(); l++) {
            double qn = spec.sw2() * act.meanPhiSq(q) + spec.b2();
            theta = theta * (spec.sw2() * act.meanDphiSq(q)) + qn;
            q = qn;
        }
        return new double[] {theta, q};
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("implsAndActivations")
    void zeroAndIdenticalRowsGiveTheDiagonalRecursion(Impl impl, String activation) {
        int m = 6;
        int d = 3;
        double[] x = edgeRows(m, d, 6);
        for (double bias : new double[] {0.0, 0.3}) {
            NetworkSpec spec = new NetworkSpec(5, Activations.parse(activation), 1.1, bias);
            double[][] ntk = outputs(1, m * m);
            double[][] nngp = outputs(1, m * m);
            Tiles.compute(Specs.of(spec, new int[] {5}, ntk, nngp), new Rows(x, m, d),
                    new Rows(x, m, d), true, ntk, nngp, impl.gemm(), impl.recursion(), null);
            double[] zero = diagonalRecursion(spec, 0.0, d);
            assertEquals(zero[0], ntk[0][0], 0.0, "zero row Theta");
            assertEquals(zero[1], nngp[0][0], 0.0, "zero row Sigma");
            for (int i = 0; i < m * m; i++) {
                assertTrue(!Double.isNaN(ntk[0][i]) && !Double.isNaN(nngp[0][i]), "no NaN at " + i);
            }
            // rows 2 and 3 are identical: the off-diagonal entry (2,3) is the diagonal recursion
            double sq = Diagonal.squaredNorms(x, m, d)[2];
            double[] same = diagonalRecursion(spec, sq, d);
            // The scalar GEMM forms x.x in the same order as the squared norm, so the entry must be exact.
            // Another GEMM (OpenBLAS, the Vector API one) may round x.x differently by a few ulp; then the
            // pair formulas run at rho = 1 - O(eps), which is well conditioned for smooth phi (~1e-15) but
            // for ReLU-like phi moves theta = atan2(sqrt(1 - rho^2), rho) by sqrt(2 eps d) ~ 1e-7.
            boolean kinked = Activations.parse(activation) instanceof org.sparkntk.kernel.AbRelu;
            double tol = impl.gemm() instanceof ScalarGemm ? 0.0 : kinked ? 1e-6 : 1e-12;
            assertEquals(same[0], ntk[0][2 * m + 3], tol * same[0], "identical rows Theta, beta=" + bias);
            assertEquals(same[1], nngp[0][2 * m + 3], tol * same[1], "identical rows Sigma, beta=" + bias);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("implsAndActivations")
    void gramTilesArePositiveSemiDefinite(Impl impl, String activation) {
        int m = 16;
        int d = 5;
        double[] x = gaussian(7, m * d);
        System.arraycopy(x, 0, x, d, d); // a duplicate row: the kernel is singular there
        for (int k = 0; k < d; k++) {
            x[2 * d + k] = x[0] + 1e-3 * x[2 * d + k]; // a nearly duplicate row
        }
        Activation act = Activations.parse(activation);
        NetworkSpec spec = new NetworkSpec(10, act, 1.3, 0.2);
        int[] depths = {1, 3, 10};
        double[][] ntk = outputs(3, m * m);
        double[][] nngp = outputs(3, m * m);
        Tiles.compute(Specs.of(spec, depths, ntk, nngp), new Rows(x, m, d),
                new Rows(x, m, d), true, ntk, nngp, impl.gemm(), impl.recursion(), null);
        for (int k = 0; k < depths.length; k++) {
            for (double[] kern : new double[][] {ntk[k], nngp[k]}) {
                double trace = 0;
                for (int i = 0; i < m; i++) {
                    trace += kern[i * m + i];
                }
                double min = Jacobi.of(kern, m).values[0];
                assertTrue(min >= -1e-10 * trace, activation + " depth " + depths[k] + ": smallest eigenvalue " + min + ", trace " + trace);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("implsAndActivations")
    void depthThousandIsFinite(Impl impl, String activation) {
        Activation act = Activations.parse(activation);
        // quadrature costs degree^2 per entry and layer: a 2 x 2 off-diagonal tile; closed forms: edge rows
        int m = act.closedForm() ? 6 : 2;
        int n = act.closedForm() ? 6 : 2;
        int d = 3;
        double[] a = act.closedForm() ? edgeRows(m, d, 8) : gaussian(8, m * d);
        double[] b = act.closedForm() ? edgeRows(n, d, 9) : new double[] {0, 0, 0, a[0], a[1], a[2]};
        // sigma_w = 1 and 1.3 with beta = 0.5. abrelu:-0.5,2 has E[phi'^2] = 2.125, so its true kernel
        // grows like (2.125 sigma_w^2)^L, past Double.MAX_VALUE at L = 1000 (10^327 at sigma_w = 1):
        // there the weight std is the variance-preserving 1/sqrt(2.125) and 0.6.
        double[][] specs = activation.startsWith("abrelu") ? new double[][] {{1 / Math.sqrt(2.125), 0.0}, {0.6, 0.5}}
                : new double[][] {{1.0, 0.0}, {1.3, 0.5}};
        for (double[] sb : specs) {
            NetworkSpec spec = new NetworkSpec(1000, act, sb[0], sb[1]);
            double[][] ntk = outputs(2, m * n);
            double[][] nngp = outputs(2, m * n);
            Tiles.compute(Specs.of(spec, new int[] {500, 1000}, ntk, nngp), new Rows(a, m, d),
                    new Rows(b, n, d), false, ntk, nngp, impl.gemm(), impl.recursion(), null);
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < m * n; i++) {
                    assertTrue(Double.isFinite(ntk[k][i]) && Double.isFinite(nngp[k][i]),
                            activation + " sigma_w=" + sb[0] + " beta=" + sb[1] + ": " + ntk[k][i] + ", " + nngp[k][i]);
                }
            }
        }
    }

    /**
     * With beta = 0 overflow depends on the input norms, so it is caught per row by the tile kernel:
     * relu with sigma_w = 2 doubles the variance per layer, so a row of mean square 1 passes
     * Double.MAX_VALUE near layer 1020 (the NTK diagonal, ~l 2^l, a few layers earlier). The tile
     * must refuse with the row and layer, in every implementation, instead of returning NaN; the
     * same spec at depth 500 stays finite.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("impls")
    void overflowingVarianceIsAnErrorNotNaN(Impl impl) {
        int m = 2;
        int d = 3;
        double[] a = {1, 1, 1, -1, 1, -1};
        for (String activation : new String[] {"relu", "abrelu:-0.5,2", "softplus"}) {
            NetworkSpec spec = new NetworkSpec(1100, Activations.parse(activation), 2.0, 0.0);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Tiles.compute(Specs.of(spec, new int[] {1100}, outputs(1, m * m), outputs(1, m * m)), new Rows(a, m, d),
                            new Rows(a, m, d), false, outputs(1, m * m), outputs(1, m * m), impl.gemm(), impl.recursion(), null));
            assertTrue(e.getMessage().startsWith("the kernel overflows double precision: row 0 (squared norm 3.0) has "), e.getMessage());
            assertTrue(e.getMessage().endsWith(" of 1100 (activation " + activation + ", 'weight-std' 2.0, 'bias-std' 0.0); "
                    + "use a smaller 'weight-std' or 'depth', or scale the inputs down"), e.getMessage());
        }
        NetworkSpec ok = new NetworkSpec(500, Activations.parse("relu"), 2.0, 0.0);
        double[][] ntk = outputs(1, m * m);
        double[][] nngp = outputs(1, m * m);
        Tiles.compute(Specs.of(ok, new int[] {500}, ntk, nngp), new Rows(a, m, d),
                new Rows(a, m, d), false, ntk, nngp, impl.gemm(), impl.recursion(), null);
        for (int i = 0; i < m * m; i++) {
            assertTrue(Double.isFinite(ntk[0][i]) && Double.isFinite(nngp[0][i]), "finite at depth 500: " + ntk[0][i]);
        }
    }
}
