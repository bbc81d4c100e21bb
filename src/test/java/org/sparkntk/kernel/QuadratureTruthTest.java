package org.sparkntk.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.sparkntk.truth.GaussianIntegrals;
import org.sparkntk.truth.GaussianIntegrals.Grid;
import org.sparkntk.truth.Jacobi;

/**
 * The library's {@link Quadrature} against independent integrals, for the built-in quadrature
 * activations (tanh, sigmoid, softplus, silu, elu) and user-supplied (phi, phi') pairs:
 * the adaptive default against the graded composite Gauss-Legendre integral of
 * {@link GaussianIntegrals#pairGraded} (a different rule, grid and code) at variances 1e-4..1e4 and
 * correlations up to +-(1 - 1e-10), required to 1e-10 relative to the Cauchy-Schwarz scale
 * sqrt(E[f(u)^2] E[f(v)^2]); the fixed Gauss-Hermite rules ({@code @25}, {@code @64}) within their
 * recorded accuracy; and the library's Gauss-Hermite rule against Golub-Welsch.
 */
class QuadratureTruthTest {

    static final double[][] Q_PAIRS = {{1e-3, 1}, {1, 1}, {0.5, 2}, {10, 10}};
    static final double[] RHOS = {-1, -0.999, 0, 0.7, 0.999, 1};

    record Fn(String name, DoubleUnaryOperator phi, DoubleUnaryOperator dphi, boolean kinkedDerivative) {
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /** Test-side definitions (not the library's lambdas). */
    static final Fn[] FNS = {
        new Fn("tanh", Math::tanh, z -> 1 / (Math.cosh(z) * Math.cosh(z)), false),
        new Fn("sigmoid", QuadratureTruthTest::sigmoid, z -> sigmoid(z) * sigmoid(-z), false),
        new Fn("softplus", z -> z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)), QuadratureTruthTest::sigmoid, false),
        new Fn("silu", z -> z * sigmoid(z), z -> sigmoid(z) + z * sigmoid(z) * sigmoid(-z), false),
        // elu (alpha = 1): phi' is continuous but has a kink at 0, so E[phi' phi'] converges slowly
        new Fn("elu", z -> z > 0 ? z : Math.expm1(z), z -> z > 0 ? 1 : Math.exp(z), true),
    };

    /**
     * Largest error (relative to scale, max of E[phi phi] and E[phi' phi']) allowed, about 2-3x what
     * was measured, per activation, for {degree 25 with q <= 2, degree 64 with q <= 2,
     * degree 25 at q = 10, degree 64 at q = 10}. These record the achieved accuracy (see the
     * Quadrature Javadoc) and catch regressions; they are not accuracy goals: Gauss-Hermite
     * resolves tanh(sqrt(q) z) (poles at distance pi / (2 sqrt q)) and ELU's kinked phi' slowly.
     */
    static final java.util.Map<String, double[]> BOUNDS = java.util.Map.of(
            "tanh", new double[] {5e-3, 1.5e-5, 1.0, 0.2},
            "sigmoid", new double[] {1e-6, 4e-12, 6e-2, 6e-4},
            "softplus", new double[] {3e-8, 1e-13, 2e-3, 1e-5},
            "silu", new double[] {1e-6, 4e-12, 3e-2, 3e-4},
            "elu", new double[] {1e-1, 2e-2, 0.3, 6e-2});

    static double bound(String name, int degree, double qMax) {
        return BOUNDS.get(name)[(degree == 25 ? 0 : 1) + (qMax <= 2 ? 0 : 2)];
    }

    static double scale(DoubleUnaryOperator f, double q1, double q2) {
        DoubleUnaryOperator sq = z -> f.applyAsDouble(z) * f.applyAsDouble(z);
        return Math.sqrt(GaussianIntegrals.normal(sq, q1, GaussianIntegrals.FINE) * GaussianIntegrals.normal(sq, q2, GaussianIntegrals.FINE));
    }

    /** Variance pairs and correlations for the adaptive rule: tiny to huge, equal and very different. */
    static final double[][] WIDE_Q_PAIRS = {{1e-4, 1e-4}, {1e-2, 1}, {1, 1}, {1, 1e4}, {10, 100}, {1e4, 1e4}};
    static final double[] WIDE_RHOS = {-1, -0.999999, -0.9, 0, 0.5, 0.9, 0.999, 1 - 1e-10, 1};

    /** The accuracy the adaptive default promises (Quadrature Javadoc, ntk-math.md). */
    static final double ADAPTIVE_TOL = 1e-10;

    /** Worst error / scale of {@code act} over the wide grid, as {phi phi, phi' phi', diagonals}; asserts ADAPTIVE_TOL. */
    static double[] adaptiveErrors(String name, Activation act, DoubleUnaryOperator phi, DoubleUnaryOperator dphi) {
        double[] worst = new double[3];
        for (int k = 0; k < 2; k++) {
            DoubleUnaryOperator f = k == 0 ? phi : dphi;
            DoubleUnaryOperator sq = z -> f.applyAsDouble(z) * f.applyAsDouble(z);
            for (double[] qq : WIDE_Q_PAIRS) {
                double q1 = qq[0];
                double q2 = qq[1];
                double d1 = GaussianIntegrals.normalGraded(sq, q1);
                double d2 = GaussianIntegrals.normalGraded(sq, q2);
                double scale = Math.sqrt(d1 * d2);
                double g1 = k == 0 ? act.meanPhiSq(q1) : act.meanDphiSq(q1);
                worst[2] = Math.max(worst[2], Math.abs(g1 - d1) / d1);
                assertTrue(Math.abs(g1 - d1) <= ADAPTIVE_TOL * d1, name + " diagonal k=" + k + " q=" + q1 + ": " + g1 + " vs " + d1);
                for (double rho : WIDE_RHOS) {
                    double c = rho * Math.sqrt(q1) * Math.sqrt(q2);
                    double truth = GaussianIntegrals.pairGraded(f, f, q1, q2, rho);
                    double got = k == 0 ? act.meanPhiPhi(q1, q2, c) : act.meanDphiDphi(q1, q2, c);
                    double e = Math.abs(got - truth) / scale;
                    worst[k] = Math.max(worst[k], e);
                    assertTrue(e <= ADAPTIVE_TOL, name + (k == 0 ? " phi phi" : " phi' phi'") + " q1=" + q1 + " q2=" + q2
                            + " rho=" + rho + ": " + got + " vs " + truth + " (error/scale " + e + ")");
                }
            }
        }
        return worst;
    }

    @Test
    void adaptiveDefaultAgainstIndependentIntegral() {
        StringBuilder report = new StringBuilder("adaptive default, max error / scale (phi phi | phi' phi' | diagonal):\n");
        for (Fn fn : FNS) {
            Activation act = Activations.parse(fn.name());
            assertEquals(Quadrature.ADAPTIVE, ((Quadrature) act).degree());
            double[] w = adaptiveErrors(fn.name(), act, fn.phi(), fn.dphi());
            report.append(String.format("%-9s %.1e | %.1e | %.1e%n", fn.name(), w[0], w[1], w[2]));
        }
        System.out.print(report);
    }

    /** The graded truth itself: halving every panel changes it by less than 1e-13 of the scale (spot checks at the hard corners). */
    @Test
    void gradedTruthIsConverged() {
        for (Fn fn : new Fn[] {FNS[0], FNS[4]}) {
            for (double[] qrho : new double[][] {{1, 1e4, 0.9}, {1e4, 1e4, 0.999}, {1e-2, 1e-2, -0.999999}}) {
                for (DoubleUnaryOperator f : new DoubleUnaryOperator[] {fn.phi(), fn.dphi()}) {
                    double a = GaussianIntegrals.pairGraded(f, f, qrho[0], qrho[1], qrho[2]);
                    double b = GaussianIntegrals.pairGraded(f, f, qrho[0], qrho[1], qrho[2], 0.5);
                    double sc = scale(f, qrho[0], qrho[1]);
                    assertTrue(Math.abs(a - b) <= 1e-13 * sc, fn.name() + " " + java.util.Arrays.toString(qrho) + ": " + a + " vs " + b);
                }
            }
        }
    }

    /**
     * User-supplied pairs through the public constructor with the adaptive rule: an analytic one
     * declared smooth (phi = atan(2z), poles at +-i/2) and a kinked one left at the default
     * (ELU with alpha = 0.5: phi' jumps in slope at 0).
     */
    @Test
    void userSuppliedPairsAdaptive() {
        DoubleUnaryOperator smoothPhi = z -> Math.atan(2 * z);
        DoubleUnaryOperator smoothDphi = z -> 2 / (1 + 4 * z * z);
        adaptiveErrors("atan(2z)", new Quadrature("my_atan", smoothPhi, smoothDphi, Quadrature.ADAPTIVE, true), smoothPhi, smoothDphi);
        DoubleUnaryOperator eluPhi = z -> z > 0 ? z : 0.5 * Math.expm1(z);
        DoubleUnaryOperator eluDphi = z -> z > 0 ? 1 : 0.5 * Math.exp(z);
        adaptiveErrors("elu:0.5", new Quadrature("my_elu", eluPhi, eluDphi, Quadrature.ADAPTIVE), eluPhi, eluDphi);
    }

    @Test
    void fixedGaussHermiteAgainstIndependentIntegral() {
        StringBuilder report = new StringBuilder("Gauss-Hermite @25 / @64, max error / scale over the grid (phi phi | phi' phi'):\n");
        for (Fn fn : FNS) {
            Activation d25 = Activations.parse(fn.name() + "@25");
            Activation d64 = Activations.parse(fn.name() + "@64");
            assertEquals(25, ((Quadrature) d25).degree());
            Grid grid = fn.kinkedDerivative() ? GaussianIntegrals.FINE : GaussianIntegrals.SMOOTH;
            double[] worst = new double[4];
            for (double[] qq : Q_PAIRS) {
                double q1 = qq[0];
                double q2 = qq[1];
                double sPhi = scale(fn.phi(), q1, q2);
                double sDphi = scale(fn.dphi(), q1, q2);
                for (double rho : RHOS) {
                    double c = rho * Math.sqrt(q1) * Math.sqrt(q2);
                    double tPhi = GaussianIntegrals.pair(fn.phi(), fn.phi(), q1, q2, rho, grid);
                    double tDphi = GaussianIntegrals.pair(fn.dphi(), fn.dphi(), q1, q2, rho, grid);
                    double[] e = {
                        Math.abs(d25.meanPhiPhi(q1, q2, c) - tPhi) / sPhi,
                        Math.abs(d25.meanDphiDphi(q1, q2, c) - tDphi) / sDphi,
                        Math.abs(d64.meanPhiPhi(q1, q2, c) - tPhi) / sPhi,
                        Math.abs(d64.meanDphiDphi(q1, q2, c) - tDphi) / sDphi,
                    };
                    String where = fn.name() + " q1=" + q1 + " q2=" + q2 + " rho=" + rho;
                    double qMax = Math.max(q1, q2);
                    assertTrue(Math.max(e[0], e[1]) <= bound(fn.name(), 25, qMax), where + " degree 25: " + e[0] + ", " + e[1]);
                    assertTrue(Math.max(e[2], e[3]) <= bound(fn.name(), 64, qMax), where + " degree 64: " + e[2] + ", " + e[3]);
                    for (int k = 0; k < 4; k++) {
                        worst[k] = Math.max(worst[k], e[k]);
                    }
                }
            }
            report.append(String.format("%-9s degree 25: %.1e | %.1e   degree 64: %.1e | %.1e%n",
                    fn.name(), worst[0], worst[1], worst[2], worst[3]));
        }
        System.out.print(report);
    }

    @Test
    void builtInDiagonalsAgainstIndependentIntegral() {
        for (Fn fn : FNS) {
            Activation d64 = Activations.parse(fn.name() + "@64");
            assertEquals(fn.name() + "@64", d64.name());
            for (double q : new double[] {1e-3, 0.3, 1, 10}) {
                DoubleUnaryOperator p2 = z -> fn.phi().applyAsDouble(z) * fn.phi().applyAsDouble(z);
                DoubleUnaryOperator d2 = z -> fn.dphi().applyAsDouble(z) * fn.dphi().applyAsDouble(z);
                double tPhi = GaussianIntegrals.normal(p2, q, GaussianIntegrals.FINE);
                double tDphi = GaussianIntegrals.normal(d2, q, GaussianIntegrals.FINE);
                double bound = bound(fn.name(), 64, q);
                assertEquals(tPhi, d64.meanPhiSq(q), bound * tPhi, fn.name() + " E[phi^2] q=" + q);
                assertEquals(tDphi, d64.meanDphiSq(q), bound * tDphi, fn.name() + " E[phi'^2] q=" + q);
            }
        }
    }

    /** A user-supplied pair through the public constructor: phi = sin must reproduce the closed form of Trig. */
    @Test
    void userSuppliedSineMatchesClosedForm() {
        for (int degree : new int[] {64, Quadrature.ADAPTIVE}) {
            userSine(new Quadrature("my_sin", Math::sin, Math::cos, degree));
        }
    }

    private static void userSine(Quadrature mySin) {
        Activation exact = new Trig(true);
        // Gauss-Hermite 64 integrates sin to ~1e-15 here; the adaptive rule promises 1e-10 (values are O(1))
        double tol = mySin.degree() == Quadrature.ADAPTIVE ? 1e-10 : 1e-12;
        for (double[] qq : new double[][] {{0.1, 0.1}, {1, 1}, {0.5, 2}, {3, 3}}) {
            for (double rho : RHOS) {
                double q1 = qq[0];
                double q2 = qq[1];
                double c = rho * Math.sqrt(q1) * Math.sqrt(q2);
                assertEquals(exact.meanPhiPhi(q1, q2, c), mySin.meanPhiPhi(q1, q2, c), tol, "q=" + q1 + "," + q2 + " rho=" + rho);
                assertEquals(exact.meanDphiDphi(q1, q2, c), mySin.meanDphiDphi(q1, q2, c), tol, "q=" + q1 + "," + q2 + " rho=" + rho);
            }
            assertEquals(exact.meanPhiSq(qq[0]), mySin.meanPhiSq(qq[0]), tol);
            assertEquals(exact.meanDphiSq(qq[0]), mySin.meanDphiSq(qq[0]), tol);
        }
        assertTrue(!mySin.closedForm());
        assertEquals("my_sin", mySin.name());
    }

    /** The library's Newton-based Gauss-Hermite nodes and weights against Golub-Welsch (Jacobi eigen-solver). */
    @Test
    void gaussHermiteRuleMatchesGolubWelsch() {
        for (int n : new int[] {1, 2, 7, 25, 64}) {
            double[] t = new double[n * n];
            for (int k = 1; k < n; k++) {
                t[(k - 1) * n + k] = t[k * n + k - 1] = Math.sqrt(k / 2.0);
            }
            Jacobi e = Jacobi.of(t, n);
            GaussHermite gh = GaussHermite.of(n);
            double wsum = 0;
            for (int i = 0; i < n; i++) {
                double v0 = e.vectors[i];
                double w = Math.sqrt(Math.PI) * v0 * v0;
                assertEquals(e.values[i], gh.x[i], 1e-12 * Math.max(1, Math.abs(e.values[i])), "n=" + n + " node " + i);
                // an eigenvector component v0 is accurate to ~n eps absolute, so w = sqrt(pi) v0^2 to ~2e-15 sqrt(w)
                assertEquals(w, gh.w[i], 1e-12 * w + 2e-15 * Math.sqrt(w), "n=" + n + " weight " + i);
                wsum += gh.w[i];
            }
            assertEquals(Math.sqrt(Math.PI), wsum, 1e-14, "n=" + n);
        }
    }
}
