package org.sparkntk.gram;

import java.io.Serializable;
import org.sparkntk.options.Normalize;

/**
 * Applies {@link Normalize} to a feature vector (docs/design.md, "Normalization"). For
 * {@code standardize} it holds the per-column mean and 1/std fitted on the input; a column with
 * zero variance gets scale 0, so it becomes 0 for every row (it carries no information, and
 * dividing by 0 would make NaN).
 */
public record Normalizer(Normalize mode, double[] mean, double[] invStd) implements Serializable {

    /** No normalization. */
    public static Normalizer none() {
        return new Normalizer(Normalize.NONE, null, null);
    }

    /** Per-row L2. */
    public static Normalizer l2() {
        return new Normalizer(Normalize.L2, null, null);
    }

    /** Standardization from column sums: mean = s/n, population variance = ss/n (ss = sum of squared deviations). */
    public static Normalizer standardize(long n, double[] mean, double[] sumSqDev) {
        double[] inv = new double[mean.length];
        for (int k = 0; k < mean.length; k++) {
            double var = sumSqDev[k] / n;
            double sd = Math.sqrt(var);
            inv[k] = sd > 0 && Double.isFinite(sd) ? 1 / sd : 0;
        }
        return new Normalizer(Normalize.STANDARDIZE, mean.clone(), inv);
    }

    /** The normalized copy of x (x itself for none). */
    public double[] apply(double[] x) {
        switch (mode) {
            case NONE:
                return x;
            case L2: {
                double s = 0;
                for (double v : x) {
                    s += v * v;
                }
                if (s == 0) {
                    return x.clone();
                }
                double inv = 1 / Math.sqrt(s);
                double[] y = new double[x.length];
                for (int k = 0; k < x.length; k++) {
                    y[k] = x[k] * inv;
                }
                return y;
            }
            default: {
                double[] y = new double[x.length];
                for (int k = 0; k < x.length; k++) {
                    y[k] = (x[k] - mean[k]) * invStd[k];
                }
                return y;
            }
        }
    }
}
