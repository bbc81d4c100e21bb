package org.sparkntk.select;

import org.sparkntk.solve.Targets;

/**
 * Scores of predictions against targets (row-major rows x k) by {@link Metric}: the fold score and
 * each row's own value (used for the leave-one-out spread). docs/select.md, "Metrics".
 */
public final class Scores {

    private Scores() {
    }

    /** Each row's value: 1/0 for a right/wrong argmax, the row's root mean square residual, or its mean NLL per output. */
    public static double[] perRow(Metric metric, double[] pred, double[] var, double[] y, int k) {
        int n = pred.length / k;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            switch (metric) {
                case ACCURACY -> out[i] = Targets.argmax(pred, i, k) == Targets.argmax(y, i, k) ? 1 : 0;
                case RMSE -> {
                    double s = 0;
                    for (int o = 0; o < k; o++) {
                        double e = pred[i * k + o] - y[i * k + o];
                        s += e * e;
                    }
                    out[i] = Math.sqrt(s / k);
                }
                case NLL -> {
                    double s = 0;
                    for (int o = 0; o < k; o++) {
                        double e = pred[i * k + o] - y[i * k + o];
                        s += 0.5 * Math.log(2 * Math.PI * var[i]) + e * e / (2 * var[i]);
                    }
                    out[i] = s / k;
                }
            }
        }
        return out;
    }

    /** The score of a set of rows: accuracy, RMSE over all rows and outputs, or mean NLL per entry. */
    public static double score(Metric metric, double[] pred, double[] var, double[] y, int k) {
        double[] rows = perRow(metric, pred, var, y, k);
        double s = 0;
        for (double v : rows) {
            s += metric == Metric.RMSE ? v * v : v;
        }
        s /= Math.max(rows.length, 1);
        return metric == Metric.RMSE ? Math.sqrt(s) : s;
    }

    /** Mean and sample standard deviation (0 for fewer than two values). */
    public static double[] meanStd(double[] v) {
        double m = 0;
        for (double x : v) {
            m += x;
        }
        m /= v.length;
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return new double[] {m, v.length > 1 ? Math.sqrt(s / (v.length - 1)) : 0};
    }
}
