package org.sparkntk.tile;

import org.sparkntk.kernel.Activation;
import org.sparkntk.kernel.NetworkSpec;

/**
 * The diagonal of the recursion: per-row variances q(l) = Sigma(l)(x, x) and the NTK diagonal,
 * which depend only on each row's squared norm (ntk-math.md, "The diagonal variances").
 */
public final class Diagonal {

    private Diagonal() {
    }

    /** Squared norms of the {@code count} rows of a row-major block with {@code d} columns (fixed summation order). */
    public static double[] squaredNorms(double[] x, int count, int d) {
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            double s = 0;
            int o = i * d;
            for (int k = 0; k < d; k++) {
                double v = x[o + k];
                s += v * v;
            }
            out[i] = s;
        }
        return out;
    }

    /** q[l*count + i] = Sigma(l+1)(x_i, x_i) for l = 0..L-1, from the squared norms. */
    public static double[] variances(NetworkSpec spec, double[] sqNorms, int count, int n0) {
        int depth = spec.depth();
        double sw2 = spec.sw2();
        double b2 = spec.b2();
        Activation act = spec.activation();
        double[] q = new double[depth * count];
        // (sw2 / n0) * g + b2: the same expression, in the same order, as the recursion's first layer
        // (ScalarRecursion), so an identical row pair starts from exactly its diagonal variance
        double scale = sw2 / n0;
        for (int i = 0; i < count; i++) {
            double v = scale * sqNorms[i] + b2;
            q[i] = v;
            for (int l = 1; l < depth; l++) {
                v = sw2 * act.meanPhiSq(v) + b2;
                q[l * count + i] = v;
            }
        }
        return q;
    }

    /** Theta(l+1)(x_i, x_i) for l = 0..L-1, layer-major like {@link #variances}. */
    public static double[] ntkDiagonal(NetworkSpec spec, double[] q, int count) {
        int depth = spec.depth();
        double sw2 = spec.sw2();
        Activation act = spec.activation();
        double[] t = new double[depth * count];
        for (int i = 0; i < count; i++) {
            double th = q[i];
            t[i] = th;
            for (int l = 1; l < depth; l++) {
                th = th * (sw2 * act.meanDphiSq(q[(l - 1) * count + i])) + q[l * count + i];
                t[l * count + i] = th;
            }
        }
        return t;
    }

    /**
     * Null when row i (of count, variances q layer-major) keeps a finite variance q(l) and, with
     * ntk, a finite NTK diagonal Theta(l) for every layer l <= {@code last}; else what overflows
     * first and where, e.g. "NTK diagonal Infinity at layer 24 of 40".
     */
    private static String firstOverflow(NetworkSpec spec, double[] q, int count, int i, int last, boolean ntk) {
        double sw2 = spec.sw2();
        Activation act = spec.activation();
        double th = q[i];
        for (int l = 0; l < last; l++) {
            double v = q[l * count + i];
            if (l > 0 && ntk) {
                th = th * (sw2 * act.meanDphiSq(q[(l - 1) * count + i])) + v;
            }
            if (!Double.isFinite(v) || (ntk && !Double.isFinite(th))) {
                return (Double.isFinite(v) ? "NTK diagonal " + th : "variance " + v) + " at layer " + (l + 1) + " of " + last;
            }
        }
        return null;
    }

    /**
     * {@link #firstOverflow} for one row of squared norm {@code sqNorm} (the Gram job checks the
     * input's largest row with it before writing anything).
     */
    public static String overflow(NetworkSpec spec, double sqNorm, int n0, int last, boolean ntk) {
        return firstOverflow(spec, variances(spec, new double[] {sqNorm}, 1, n0), 1, 0, last, ntk);
    }

    /**
     * Throws when a row's variance q(l) or NTK diagonal Theta(l) is not finite at some layer
     * l <= {@code last}. Past that point every kernel value of the row is meaningless (the closed
     * forms would turn Inf / Inf correlations into NaN), so the user gets the layer and a fix
     * instead of a matrix of NaN. Off-diagonal values are bounded by the diagonals
     * (Cauchy-Schwarz), so finite diagonals keep the whole tile finite.
     */
    public static void checkFinite(NetworkSpec spec, double[] q, double[] sqNorms, int count, int last, boolean ntk) {
        for (int i = 0; i < count; i++) {
            String what = firstOverflow(spec, q, count, i, last, ntk);
            if (what != null) {
                throw new IllegalArgumentException("the kernel overflows double precision: row " + i + " (squared norm "
                        + sqNorms[i] + ") has " + what + " (activation " + spec.activation().name() + ", 'weight-std' "
                        + spec.weightStd() + ", 'bias-std' " + spec.biasStd() + "); use a smaller 'weight-std' or 'depth',"
                        + " or scale the inputs down");
            }
        }
    }
}
