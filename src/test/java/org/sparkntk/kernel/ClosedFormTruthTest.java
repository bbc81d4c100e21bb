package org.sparkntk.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.sparkntk.truth.GaussianIntegrals;
import org.sparkntk.truth.GaussianIntegrals.Grid;
import org.sparkntk.truth.Special;

/**
 * The closed forms of ntk-math.md ("Closed forms") against independent integrals:
 * smooth activations (erf, gelu, sin, cos, identity) against the 2-D composite Gauss-Legendre
 * integral of {@link GaussianIntegrals}; kinked ones (relu, leaky_relu:0.2, abs, abrelu:-0.5,2)
 * against a 1-D integral that is exact for them (the conditional expectation of phi(v) given u
 * in closed form, integrated over z1 with panels split at the kink); the diagonals
 * meanPhiSq / meanDphiSq against 1-D integrals. Errors are measured relative to the
 * Cauchy-Schwarz scale sqrt(E[phi(u)^2] E[phi(v)^2]) (the largest the value can be), so tiny
 * variances are not excused and zero correlations are not divided by zero.
 */
class ClosedFormTruthTest {

    static final double[][] Q_PAIRS = {{1e-3, 1e-3}, {1e-3, 10}, {0.5, 2}, {10, 10}};
    static final double[] RHOS = {-1, -0.999, -0.4, 0, 0.7, 0.999, 1};
    static final double[] RHOS_KINKED = {-1, -0.9999, -0.999, -0.4, 0, 0.7, 0.999, 0.9999, 1};

    /** Accuracy asked of a closed form, relative to the Cauchy-Schwarz scale. */
    static final double TOL = 1e-12;

    /** A test-side definition of phi and phi' (never the library's). */
    record Fn(String name, DoubleUnaryOperator phi, DoubleUnaryOperator dphi) {
    }

    static final Fn[] SMOOTH = {
        new Fn("erf", Special::erf, z -> 2 / Math.sqrt(Math.PI) * Math.exp(-z * z)),
        new Fn("gelu", z -> z * Special.normCdf(z), z -> Special.normCdf(z) + z * Special.normPdf(z)),
        new Fn("sin", Math::sin, Math::cos),
        new Fn("cos", Math::cos, z -> -Math.sin(z)),
        new Fn("identity", z -> z, z -> 1),
    };

    static double c(double q1, double q2, double rho) {
        return rho * Math.sqrt(q1) * Math.sqrt(q2);
    }

    static double scale(DoubleUnaryOperator f, double q1, double q2) {
        return Math.sqrt(GaussianIntegrals.normal(z -> f.applyAsDouble(z) * f.applyAsDouble(z), q1, GaussianIntegrals.FINE)
                * GaussianIntegrals.normal(z -> f.applyAsDouble(z) * f.applyAsDouble(z), q2, GaussianIntegrals.FINE));
    }

    @Test
    void smoothClosedFormsMatch2dIntegral() {
        StringBuilder report = new StringBuilder();
        for (Fn fn : SMOOTH) {
            Activation act = Activations.parse(fn.name());
            double worstPhi = 0;
            double worstDphi = 0;
            for (double[] qq : Q_PAIRS) {
                double q1 = qq[0];
                double q2 = qq[1];
                double sPhi = scale(fn.phi(), q1, q2);
                double sDphi = scale(fn.dphi(), q1, q2);
                for (double rho : RHOS) {
                    double c = c(q1, q2, rho);
                    double tPhi = GaussianIntegrals.pair(fn.phi(), fn.phi(), q1, q2, rho, GaussianIntegrals.SMOOTH);
                    double tDphi = GaussianIntegrals.pair(fn.dphi(), fn.dphi(), q1, q2, rho, GaussianIntegrals.SMOOTH);
                    double ePhi = Math.abs(act.meanPhiPhi(q1, q2, c) - tPhi) / sPhi;
                    double eDphi = Math.abs(act.meanDphiDphi(q1, q2, c) - tDphi) / sDphi;
                    String where = fn.name() + " q1=" + q1 + " q2=" + q2 + " rho=" + rho;
                    assertTrue(ePhi <= TOL, where + ": E[phi phi] = " + act.meanPhiPhi(q1, q2, c) + " vs integral " + tPhi);
                    assertTrue(eDphi <= TOL, where + ": E[phi' phi'] = " + act.meanDphiDphi(q1, q2, c) + " vs integral " + tDphi);
                    worstPhi = Math.max(worstPhi, ePhi);
                    worstDphi = Math.max(worstDphi, eDphi);
                }
            }
            report.append(String.format("%-9s max rel err E[phi phi] %.1e  E[phi' phi'] %.1e%n", fn.name(), worstPhi, worstDphi));
        }
        System.out.print(report);
    }

    /** Test-side AbRelu: phi(z) = a min(z,0) + b max(z,0). */
    record Kinked(String name, double a, double b) {
        double phi(double z) {
            return z < 0 ? a * z : b * z;
        }

        double dphi(double z) {
            return z < 0 ? a : b;
        }

        /** E[phi(v)] for v ~ N(mu, s^2): E[max(v,0)] = mu Phi(mu/s) + s pdf(mu/s), min = v - max. */
        double condPhi(double mu, double s) {
            if (s == 0) {
                return phi(mu);
            }
            double t = mu / s;
            double max = mu * Special.normCdf(t) + s * Special.normPdf(t);
            return a * (mu - max) + b * max;
        }

        /** E[phi'(v)] = a P(v < 0) + b P(v > 0). */
        double condDphi(double mu, double s) {
            if (s == 0) {
                return dphi(mu);
            }
            return a * Special.normCdf(-mu / s) + b * Special.normCdf(mu / s);
        }
    }

    static final Kinked[] KINKED = {
        new Kinked("relu", 0, 1), new Kinked("leaky_relu:0.2", 0.2, 1), new Kinked("abs", -1, 1),
        new Kinked("abrelu:-0.5,2", -0.5, 2),
    };

    @Test
    void kinkedClosedFormsMatchExact1dIntegral() {
        Grid grid = GaussianIntegrals.FINE;
        StringBuilder report = new StringBuilder();
        for (Kinked k : KINKED) {
            Activation act = Activations.parse(k.name());
            double worst = 0;
            for (double[] qq : Q_PAIRS) {
                double q1 = qq[0];
                double q2 = qq[1];
                double s1 = Math.sqrt(q1);
                double s2 = Math.sqrt(q2);
                double h = 0.5 * (k.a() * k.a() + k.b() * k.b());
                double sPhi = h * Math.sqrt(q1 * q2); // E[phi^2] = (a^2+b^2)/2 q, elementary
                for (double rho : RHOS_KINKED) {
                    double sr = Math.sqrt(Math.max(0, (1 - rho) * (1 + rho)));
                    double tPhi = GaussianIntegrals.outer(z1 -> k.phi(s1 * z1) * k.condPhi(s2 * rho * z1, s2 * sr), grid);
                    double tDphi = GaussianIntegrals.outer(z1 -> k.dphi(s1 * z1) * k.condDphi(s2 * rho * z1, s2 * sr), grid);
                    double c = c(q1, q2, rho);
                    double ePhi = Math.abs(act.meanPhiPhi(q1, q2, c) - tPhi) / sPhi;
                    double eDphi = Math.abs(act.meanDphiDphi(q1, q2, c) - tDphi) / h;
                    String where = k.name() + " q1=" + q1 + " q2=" + q2 + " rho=" + rho;
                    assertTrue(ePhi <= TOL, where + ": E[phi phi] = " + act.meanPhiPhi(q1, q2, c) + " vs integral " + tPhi);
                    assertTrue(eDphi <= TOL, where + ": E[phi' phi'] = " + act.meanDphiDphi(q1, q2, c) + " vs integral " + tDphi);
                    worst = Math.max(worst, Math.max(ePhi, eDphi));
                }
            }
            report.append(String.format("%-14s max rel err %.1e%n", k.name(), worst));
        }
        System.out.print(report);
    }

    @Test
    void diagonalsMatch1dIntegral() {
        double[] qs = {0, 1e-3, 0.1, 1, 3, 10, 100};
        for (Fn fn : SMOOTH) {
            Activation act = Activations.parse(fn.name());
            for (double q : qs) {
                double tPhi = GaussianIntegrals.normal(z -> fn.phi().applyAsDouble(z) * fn.phi().applyAsDouble(z), q, GaussianIntegrals.FINE);
                double tDphi = GaussianIntegrals.normal(z -> fn.dphi().applyAsDouble(z) * fn.dphi().applyAsDouble(z), q, GaussianIntegrals.FINE);
                assertClose(tPhi, act.meanPhiSq(q), fn.name() + " E[phi^2] q=" + q);
                assertClose(tDphi, act.meanDphiSq(q), fn.name() + " E[phi'^2] q=" + q);
            }
        }
        for (Kinked k : KINKED) {
            Activation act = Activations.parse(k.name());
            for (double q : qs) {
                if (q == 0) {
                    continue; // phi'(0) is a convention at a kink (the library takes the q -> 0 limit); see TileSpecialCasesTest
                }
                double tPhi = GaussianIntegrals.normal(z -> k.phi(z) * k.phi(z), q, GaussianIntegrals.FINE);
                double tDphi = GaussianIntegrals.normal(z -> k.dphi(z) * k.dphi(z), q, GaussianIntegrals.FINE);
                assertClose(tPhi, act.meanPhiSq(q), k.name() + " E[phi^2] q=" + q);
                assertClose(tDphi, act.meanDphiSq(q), k.name() + " E[phi'^2] q=" + q);
            }
        }
    }

    static void assertClose(double truth, double got, String where) {
        assertTrue(Math.abs(got - truth) <= TOL * Math.abs(truth) || Math.abs(got - truth) <= 1e-300,
                where + ": " + got + " vs integral " + truth);
    }

    /**
     * The truth itself: halving every panel changes the 2-D integral by < 1e-14 of its scale, on
     * the hardest cases of the grid (the narrowest integrands: erf' = exp(-z^2) and gelu at q = 10).
     */
    @Test
    void truthIsConverged() {
        Grid fine = new Grid(0.5, 0.5);
        Object[][] cases = {{SMOOTH[0].dphi(), -0.999}, {SMOOTH[1].phi(), 0.7}};
        for (Object[] cs : cases) {
            DoubleUnaryOperator f = (DoubleUnaryOperator) cs[0];
            double rho = (Double) cs[1];
            double a = GaussianIntegrals.pair(f, f, 10, 10, rho, GaussianIntegrals.SMOOTH);
            double b = GaussianIntegrals.pair(f, f, 10, 10, rho, fine);
            assertTrue(Math.abs(a - b) <= 1e-14 * scale(f, 10, 10), "rho=" + rho + ": " + a + " vs " + b);
        }
    }
}
