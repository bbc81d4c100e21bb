package org.sparkntk.truth;

/**
 * Gauss-Legendre rules on [-1, 1] by Golub-Welsch: nodes are the eigenvalues of the Jacobi
 * matrix of the Legendre recurrence (off-diagonal k / sqrt(4k^2 - 1)), weights 2 v0^2 from the
 * first component of each normalised eigenvector. Computed with {@link Jacobi}; independent of
 * the library's Newton-based Gauss-Hermite. The eigen-solver leaves weights good to ~5e-15, so
 * each node gets two Newton steps on the Legendre recurrence and the weight is recomputed as
 * 2 / ((1 - x^2) P_n'(x)^2), which brings both to a few ulp.
 */
public final class GaussLegendre {

    public final double[] x;
    public final double[] w;

    private GaussLegendre(double[] x, double[] w) {
        this.x = x;
        this.w = w;
    }

    public static GaussLegendre of(int n) {
        double[] t = new double[n * n];
        for (int k = 1; k < n; k++) {
            double b = k / Math.sqrt(4.0 * k * k - 1);
            t[(k - 1) * n + k] = b;
            t[k * n + k - 1] = b;
        }
        Jacobi j = Jacobi.of(t, n);
        double[] x = j.values.clone();
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            double v0 = j.vectors[i]; // row 0, column i
            w[i] = 2 * v0 * v0;
            for (int it = 0; it < 2; it++) {
                double[] pd = legendre(n, x[i]);
                x[i] -= pd[0] / pd[1];
            }
            double[] pd = legendre(n, x[i]);
            double wNewton = 2 / ((1 - x[i] * x[i]) * pd[1] * pd[1]);
            if (Math.abs(wNewton - w[i]) > 1e-12 * w[i]) {
                throw new IllegalStateException("Golub-Welsch and Newton disagree at node " + i);
            }
            w[i] = wNewton;
        }
        return new GaussLegendre(x, w);
    }

    /** {P_n(x), P_n'(x)} by the three-term recurrence. */
    private static double[] legendre(int n, double x) {
        double p0 = 1;
        double p1 = x;
        for (int k = 2; k <= n; k++) {
            double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
            p0 = p1;
            p1 = p2;
        }
        double d = n * (x * p1 - p0) / (x * x - 1);
        return new double[] {p1, d};
    }
}
