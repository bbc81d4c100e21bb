package org.sparkntk.tile;

import java.util.concurrent.atomic.AtomicLong;
import org.sparkntk.kernel.Activation;
import org.sparkntk.kernel.AngleTable;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.kernel.Quadrature;

/**
 * The reference implementation of {@link Recursion}: one entry at a time through {@link Activation}.
 *
 * <p>Identical rows: when an entry's state equals both diagonal variances (s == q1 == q2, which
 * holds at every layer for a pair of identical rows when the Gram entry equals the squared norm
 * bitwise) the diagonal maps meanPhiSq / meanDphiSq are used, so the entry equals the diagonal
 * recursion exactly ({@link Diagonal}); other implementations must do the same to agree with this
 * one there (for ReLU-like phi the pair formulas differ by ~1e-8 at rho = 1 - eps).
 *
 * <p>Equal-variance layers (quadrature activations): when all of a layer's input variances agree
 * to {@link #EQUAL_Q} relative, each entry's expectations come from one {@link AngleTable} for the
 * layer (at the layer's largest variance rounded to a grid of 2^{@value AngleTable#CANONICAL_BITS}
 * ulps, so tiles of rows with the same norms share it) at the entry's own correlation, instead of
 * the per-entry quadrature; the error this adds is bounded in ntk-math.md, "Angle tables for equal
 * variances". {@link Quadrature#TABLES_PROPERTY} = false turns this off.
 */
public final class ScalarRecursion extends Recursion {

    /** Largest relative spread (max - min) / max of a layer's variances for which its angle table is used. */
    static final double EQUAL_Q = 1e-13;
    /** Layers computed from an angle table, over all calls (tests read it). */
    static final AtomicLong TABLE_LAYERS = new AtomicLong();

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    protected void recurseK(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                            boolean symmetric, int[] depths, double[][] ntk, double[][] nngp) {
        final int depth = spec.depth();
        final double sw2 = spec.sw2();
        final double b2 = spec.b2();
        final double scale = sw2 / n0;
        final Activation act = spec.activation();
        final double[] both = new double[2];
        final AngleTable[] tables = tables(act, depths[depths.length - 1], m, n, qa, qb);
        for (int i = 0; i < m; i++) {
            for (int j = symmetric ? i + 1 : 0; j < n; j++) {
                int idx = i * n + j;
                double s = scale * g[idx] + b2;
                double t = s;
                int k = 0;
                if (depths[0] == 1) {
                    store(ntk, nngp, 0, idx, t, s);
                    k = 1;
                }
                for (int l = 1; l < depth && k < depths.length; l++) {
                    double q1 = qa[(l - 1) * m + i];
                    double q2 = qb[(l - 1) * n + j];
                    double sNew;
                    if (s == q1 && s == q2) {
                        // identical rows (correlation exactly 1): the diagonal maps, computed exactly as
                        // Diagonal does, so the entry equals the diagonal recursion bitwise. The pair
                        // formulas would lose digits here: for ReLU-like phi, theta = atan2(sqrt(1-rho^2), rho)
                        // turns the rounding of c / (sqrt(q1) sqrt(q2)) into an error of ~sqrt(eps) = 1e-8.
                        sNew = sw2 * act.meanPhiSq(q1) + b2;
                        if (ntk != null) {
                            t = t * (sw2 * act.meanDphiSq(q1)) + sNew;
                        }
                    } else if (tables[l] != null) {
                        tables[l].meanBoth(s / (Math.sqrt(q1) * Math.sqrt(q2)), both);
                        sNew = sw2 * both[0] + b2;
                        t = t * (sw2 * both[1]) + sNew;
                    } else if (ntk != null) {
                        act.meanBoth(q1, q2, s, both);
                        sNew = sw2 * both[0] + b2;
                        t = t * (sw2 * both[1]) + sNew;
                    } else {
                        sNew = sw2 * act.meanPhiPhi(q1, q2, s) + b2;
                    }
                    s = sNew;
                    if (depths[k] == l + 1) {
                        store(ntk, nngp, k, idx, t, s);
                        k++;
                    }
                }
            }
        }
        if (symmetric) {
            Recursions.finishSymmetric(spec, m, qa, depths, ntk, nngp);
        }
    }

    /**
     * tables[l] for the layers l = 1..last-1 (last: the deepest depth asked for) whose variances q(l-1) (qa and qb) are equal to
     * EQUAL_Q (class comment); null entries elsewhere, and all null unless {@code act} is a
     * quadrature activation with tables enabled.
     */
    public static AngleTable[] tables(Activation act, int last, int m, int n, double[] qa, double[] qb) {
        AngleTable[] tables = new AngleTable[Math.max(1, last)];
        if (act.closedForm() || !(act instanceof Quadrature quad) || !Quadrature.tablesEnabled()) {
            return tables;
        }
        for (int l = 1; l < last; l++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < m; i++) {
                double q = qa[(l - 1) * m + i];
                lo = Math.min(lo, q);
                hi = Math.max(hi, q);
            }
            for (int j = 0; j < n; j++) {
                double q = qb[(l - 1) * n + j];
                lo = Math.min(lo, q);
                hi = Math.max(hi, q);
            }
            if (hi > 0 && hi < Double.MAX_VALUE && hi - lo <= EQUAL_Q * hi) {
                tables[l] = quad.angleTable(AngleTable.canonical(hi));
                if (tables[l] != null) {
                    TABLE_LAYERS.incrementAndGet();
                }
            }
        }
        return tables;
    }

    private static void store(double[][] ntk, double[][] nngp, int k, int idx, double t, double s) {
        if (ntk != null) {
            ntk[k][idx] = t;
        }
        if (nngp != null) {
            nngp[k][idx] = s;
        }
    }
}
