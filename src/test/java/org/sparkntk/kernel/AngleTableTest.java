package org.sparkntk.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.QuadratureTruthTest.Fn;
import org.sparkntk.truth.GaussianIntegrals;

/**
 * {@link AngleTable} against the independent graded Gauss-Legendre integral
 * ({@link GaussianIntegrals#pairGraded}) with the test-side activations of
 * {@link QuadratureTruthTest}: every built-in quadrature activation at q in {1e-3, 1, 10, 1e3},
 * ~80 correlations including -1, 1, +-(1 - 1e-12) and 0, error relative to the scale
 * (E[phi^2] or E[phi'^2] at q) within about 2x the adaptive rule's own recorded accuracy
 * (Quadrature Javadoc); a deliberately coarse table fails the same check.
 */
class AngleTableTest {

    /**
     * Allowed error / scale as {phi phi, phi' phi'} beyond the adaptive rule's own error at the same
     * point: 2x the rule's recorded worst (Quadrature Javadoc: tanh 3e-12 | 4e-14, sigmoid
     * 2e-12 | 3e-13, softplus and silu 1e-11 | 2e-12, elu 4e-11 | 7e-12), at least 2e-12: the
     * table interpolates the rule's values, which jump by ~1e-12 as its node counts change with
     * rho, so it may stray from a point where the rule happens to be exact by about that much
     * (measured: the table's error exceeds the rule's by up to 3.1e-12 | 1.6e-12). The rule's own error is added because at q1 = q2 and
     * rho ~ 0.9 it is measured above its recorded worst (elu at q = 10: 1.0e-10; silu at q = 1:
     * 1.5e-11; QuadratureTruthTest's grid does not visit these points), and a table built from the
     * rule cannot be more accurate than the rule.
     */
    static final Map<String, double[]> BOUNDS = Map.of(
            "tanh", new double[] {6e-12, 2e-12},
            "sigmoid", new double[] {4e-12, 2e-12},
            "softplus", new double[] {2e-11, 4e-12},
            "silu", new double[] {2e-11, 4e-12},
            "elu", new double[] {8e-11, 1.4e-11});

    static final double[] QS = {1e-3, 1, 10, 1e3};

    /** ~80 correlations: the ends, +-(1 - 1e-12), 0, uniform in theta and clustered near +-1. */
    static double[] rhos() {
        java.util.TreeSet<Double> r = new java.util.TreeSet<>();
        for (double v : new double[] {-1, 1, 1 - 1e-12, -(1 - 1e-12), 0, 1 - 1e-6, -(1 - 1e-6)}) {
            r.add(v);
        }
        for (int k = 0; k <= 48; k++) {
            r.add(Math.cos(Math.PI * (k + 0.37) / 49.0));
        }
        for (int k = 1; k <= 12; k++) {
            double t = Math.pow(10, -k / 2.0); // theta from 0.32 down to 1e-6, at both ends
            r.add(Math.cos(t));
            r.add(-Math.cos(t));
        }
        double[] out = new double[r.size()];
        int i = 0;
        for (double v : r) {
            out[i++] = v;
        }
        return out;
    }

    /**
     * Errors / scale against the graded integral over {@code rhos}, as {table phi phi, table phi' phi',
     * rule phi phi, rule phi' phi'} (worst of each), in [4] the worst of table error minus
     * (rule error + bound) over both series and all rho (> 0: the table is out of bounds somewhere),
     * and in [5], [6] the worst of table error minus rule error per series.
     */
    static double[] errors(AngleTable t, Quadrature act, Fn fn, double q, double[] rhos, double[] bound) {
        DoubleUnaryOperator p2 = z -> fn.phi().applyAsDouble(z) * fn.phi().applyAsDouble(z);
        DoubleUnaryOperator d2 = z -> fn.dphi().applyAsDouble(z) * fn.dphi().applyAsDouble(z);
        double[] scale = {GaussianIntegrals.normalGraded(p2, q), GaussianIntegrals.normalGraded(d2, q)};
        DoubleUnaryOperator[] f = {fn.phi(), fn.dphi()};
        double[] table = new double[2];
        double[] rule = new double[2];
        double[] worst = new double[7];
        worst[4] = Double.NEGATIVE_INFINITY;
        for (double rho : rhos) {
            t.meanBoth(rho, table);
            act.meanBoth(q, q, rho * q, rule);
            for (int k = 0; k < 2; k++) {
                double truth = GaussianIntegrals.pairGraded(f[k], f[k], q, q, rho);
                double eTable = Math.abs(table[k] - truth) / scale[k];
                double eRule = Math.abs(rule[k] - truth) / scale[k];
                worst[k] = Math.max(worst[k], eTable);
                worst[2 + k] = Math.max(worst[2 + k], eRule);
                worst[4] = Math.max(worst[4], eTable - (eRule + bound[k]));
                worst[5 + k] = Math.max(worst[5 + k], eTable - eRule);
            }
        }
        return worst;
    }

    @Test
    void tablesAgainstIndependentIntegral() {
        double[] rhos = rhos();
        assertTrue(rhos.length >= 75, "rho count " + rhos.length);
        StringBuilder failures = new StringBuilder();
        StringBuilder report = new StringBuilder("angle tables, max error / scale (phi phi | phi' phi') of the table and of the"
                + " per-entry rule, pieces, build evaluations, largest error at the build's held-out points:\n");
        for (Fn fn : QuadratureTruthTest.FNS) {
            Quadrature act = (Quadrature) Activations.parse(fn.name());
            double[] bound = BOUNDS.get(fn.name());
            for (double q : QS) {
                AngleTable t = AngleTable.build(act, q);
                assertNotNull(t, fn.name() + " q=" + q + ": table did not verify");
                assertEquals(q, t.q());
                double[] e = errors(t, act, fn, q, rhos, bound);
                report.append(String.format("%-9s q=%-6g table %.1e | %.1e  rule %.1e | %.1e  excess %.1e | %.1e  %3d pieces  %5d evaluations  verified %.1e%n",
                        fn.name(), q, e[0], e[1], e[2], e[3], e[5], e[6], t.pieces(), t.evaluations(), t.verifiedError()));
                if (!(e[4] <= 0)) {
                    failures.append(fn.name() + " q=" + q + ": table error/scale " + e[0] + " | " + e[1] + " exceeds the rule's ("
                            + e[2] + " | " + e[3] + ") by more than " + bound[0] + " | " + bound[1] + " (" + t + ")\n");
                }
            }
        }
        System.out.print(report);
        assertEquals("", failures.toString());
    }

    /**
     * Deliberately coarse tables fail the same check: degree 12 without refinement at q = 10, and
     * the full degree without refinement at q = 1e3 (where the verified build needs ~16-27 pieces
     * to resolve the features of width ~1/sqrt(q) near theta = 0 and pi); the checked build refuses
     * the first.
     */
    @Test
    void coarseTableFailsTheSameCheck() {
        double[] all = rhos();
        double[] rhos = new double[all.length / 4 + 1];
        for (int i = 0; i < rhos.length; i++) {
            rhos[i] = all[Math.min(all.length - 1, 4 * i)];
        }
        for (String name : new String[] {"tanh", "elu"}) {
            Fn fn = name.equals("tanh") ? QuadratureTruthTest.FNS[0] : QuadratureTruthTest.FNS[4];
            Quadrature act = (Quadrature) Activations.parse(name);
            for (double[] qd : new double[][] {{10, 12}, {1e3, AngleTable.DEGREE}}) {
                AngleTable coarse = AngleTable.build(act, qd[0], (int) qd[1], 2, false);
                assertEquals(AngleTable.INITIAL_PIECES, coarse.pieces());
                double[] e = errors(coarse, act, fn, qd[0], rhos, BOUNDS.get(name));
                assertTrue(e[4] > 0, name + " q=" + qd[0] + " degree " + qd[1] + " unrefined passes: " + e[0] + " | " + e[1]);
            }
            assertEquals(null, AngleTable.build(act, 10, 12, 2, true), name + ": unrefined degree 12 verified");
        }
    }

    /**
     * The per-JVM cache: built-in activations share tables across parsed instances (the Gram job
     * parses per tile); a user pair is keyed by its instance, since its name does not determine phi;
     * fixed Gauss-Hermite degrees get none.
     */
    @Test
    void tableCache() {
        AngleTable t = ((Quadrature) Activations.parse("sigmoid")).angleTable(2e-3);
        assertNotNull(t);
        assertTrue(t == ((Quadrature) Activations.parse("sigmoid")).angleTable(2e-3), "shared by name");
        Quadrature mine = new Quadrature("sigmoid", z -> 1 / (1 + Math.exp(-z)), z -> Math.exp(-z) / ((1 + Math.exp(-z)) * (1 + Math.exp(-z))),
                Quadrature.ADAPTIVE, true);
        AngleTable u = mine.angleTable(2e-3);
        assertTrue(u != t && u == mine.angleTable(2e-3), "user pair keyed by instance");
        assertEquals(null, ((Quadrature) Activations.parse("sigmoid@25")).angleTable(2e-3));
    }

    /** Values at the ends: rho = 1 is the diagonal E[phi^2] (to the table's accuracy); out-of-range rho is clamped. */
    @Test
    void endsAndClamp() {
        Quadrature act = (Quadrature) Activations.parse("tanh");
        AngleTable t = AngleTable.build(act, 1);
        double[] a = new double[2];
        double[] b = new double[2];
        t.meanBoth(1, a);
        assertEquals(act.meanPhiSq(1), a[0], 1e-12 * t.scalePhi());
        assertEquals(act.meanDphiSq(1), a[1], 1e-12 * t.scaleDphi());
        t.meanBoth(1 + 1e-15, b);
        assertEquals(a[0], b[0]);
        t.meanBoth(-1, a);
        t.meanBoth(-1.5, b);
        assertEquals(a[1], b[1]);
        assertEquals(-act.meanPhiSq(1), a[0], 1e-12 * t.scalePhi());
        t.meanBoth(Double.NaN, a);
        assertTrue(Double.isNaN(a[0]) && Double.isNaN(a[1]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AngleTable.build(act, 0));
        assertEquals("angle table variance is 0.0 but must be > 0 and finite", e.getMessage());
    }
}
