package org.sparkntk.solve;

/** Accuracy, RMSE and R^2 of predictions (row-major N x k). */
public final class Metrics {

    private Metrics() {
    }

    /** Fraction of rows with predicted == truth. */
    public static double accuracy(int[] predicted, int[] truth) {
        if (predicted.length == 0) {
            return Double.NaN;
        }
        int ok = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == truth[i]) {
                ok++;
            }
        }
        return (double) ok / predicted.length;
    }

    /** Root mean squared error per output. */
    public static double[] rmse(double[] pred, double[] truth, int k) {
        int n = pred.length / k;
        double[] s = new double[k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                double e = pred[i * k + c] - truth[i * k + c];
                s[c] += e * e;
            }
        }
        for (int c = 0; c < k; c++) {
            s[c] = Math.sqrt(s[c] / n);
        }
        return s;
    }

    /** Coefficient of determination 1 - SS_res / SS_tot per output. */
    public static double[] r2(double[] pred, double[] truth, int k) {
        int n = pred.length / k;
        double[] mean = new double[k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                mean[c] += truth[i * k + c] / n;
            }
        }
        double[] res = new double[k];
        double[] tot = new double[k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                double e = pred[i * k + c] - truth[i * k + c];
                double t = truth[i * k + c] - mean[c];
                res[c] += e * e;
                tot[c] += t * t;
            }
        }
        double[] r = new double[k];
        for (int c = 0; c < k; c++) {
            r[c] = tot[c] == 0 ? Double.NaN : 1 - res[c] / tot[c];
        }
        return r;
    }
}
