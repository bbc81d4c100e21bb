package org.sparkntk.solve;

/** Column-wise helpers on row-major N x k blocks of vectors (one value per output column). */
final class Blocks {

    private Blocks() {
    }

    /** Per-column dot products sum_i a[i,c] b[i,c]. */
    static double[] dots(double[] a, double[] b, int k) {
        double[] s = new double[k];
        int n = a.length / Math.max(k, 1);
        for (int i = 0; i < n; i++) {
            int o = i * k;
            for (int c = 0; c < k; c++) {
                s[c] += a[o + c] * b[o + c];
            }
        }
        return s;
    }

    /** Per-column Euclidean norms. */
    static double[] norms(double[] a, int k) {
        double[] s = dots(a, a, k);
        for (int c = 0; c < k; c++) {
            s[c] = Math.sqrt(s[c]);
        }
        return s;
    }
}
