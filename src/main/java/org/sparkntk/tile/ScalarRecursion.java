package org.sparkntk.tile;

import org.sparkntk.kernel.Activation;
import org.sparkntk.kernel.NetworkSpec;

/**
 * The reference implementation of {@link Recursion}: one entry at a time through {@link Activation}.
 *
 * <p>Identical rows: when an entry's state equals both diagonal variances (s == q1 == q2, which
 * holds at every layer for a pair of identical rows when the Gram entry equals the squared norm
 * bitwise) the diagonal maps meanPhiSq / meanDphiSq are used, so the entry equals the diagonal
 * recursion exactly ({@link Diagonal}); other implementations must do the same to agree with this
 * one there (for ReLU-like phi the pair formulas differ by ~1e-8 at rho = 1 - eps).
 */
public final class ScalarRecursion implements Recursion {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void recurse(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                        boolean symmetric, int[] depths, double[][] ntk, double[][] nngp) {
        Recursions.checkArgs(spec, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp);
        final int depth = spec.depth();
        final double sw2 = spec.sw2();
        final double b2 = spec.b2();
        final double scale = sw2 / n0;
        final Activation act = spec.activation();
        final double[] both = new double[2];
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

    private static void store(double[][] ntk, double[][] nngp, int k, int idx, double t, double s) {
        if (ntk != null) {
            ntk[k][idx] = t;
        }
        if (nngp != null) {
            nngp[k][idx] = s;
        }
    }
}
