package org.sparkntk.kernel;

/**
 * Gauss-Hermite nodes and weights for integrals against exp(-x^2) (physicists' convention:
 * sum of weights = sqrt(pi)), by Newton iteration on the orthonormal Hermite recurrence
 * (Golub and Welsch give the same nodes; Newton is simpler and accurate to ~1e-15 here).
 */
public final class GaussHermite {

    /** Nodes x[i] ascending, weights w[i]. */
    public final double[] x;
    public final double[] w;

    private GaussHermite(double[] x, double[] w) {
        this.x = x;
        this.w = w;
    }

    /** Throws unless 1 <= n <= 400. */
    static void checkDegree(int n) {
        if (n < 1 || n > 400) {
            throw new IllegalArgumentException("quadrature degree is " + n + " but must be in 1..400");
        }
    }

    /** Rule with {@code n} points, exact for polynomials of degree 2n-1; 1 <= n <= 400. */
    public static GaussHermite of(int n) {
        checkDegree(n);
        double[] x = new double[n];
        double[] w = new double[n];
        final double pim4 = Math.pow(Math.PI, -0.25);
        int m = (n + 1) / 2;
        double z = 0;
        for (int i = 0; i < m; i++) {
            if (i == 0) {
                z = Math.sqrt(2.0 * n + 1) - 1.85575 * Math.pow(2.0 * n + 1, -0.16667);
            } else if (i == 1) {
                z -= 1.14 * Math.pow(n, 0.426) / z;
            } else if (i == 2) {
                z = 1.86 * z - 0.86 * x[n - 1];
            } else if (i == 3) {
                z = 1.91 * z - 0.91 * x[n - 2];
            } else {
                z = 2.0 * z - x[n - i + 1];
            }
            double pp = 0;
            for (int it = 0; it < 100; it++) {
                double p1 = pim4;
                double p2 = 0;
                for (int j = 1; j <= n; j++) {
                    double p3 = p2;
                    p2 = p1;
                    p1 = z * Math.sqrt(2.0 / j) * p2 - Math.sqrt((j - 1.0) / j) * p3;
                }
                pp = Math.sqrt(2.0 * n) * p2;
                double z1 = z;
                z = z1 - p1 / pp;
                if (Math.abs(z - z1) <= 1e-15 * Math.max(1, Math.abs(z))) {
                    // one more evaluation at the converged node for the weight
                    p1 = pim4;
                    p2 = 0;
                    for (int j = 1; j <= n; j++) {
                        double p3 = p2;
                        p2 = p1;
                        p1 = z * Math.sqrt(2.0 / j) * p2 - Math.sqrt((j - 1.0) / j) * p3;
                    }
                    pp = Math.sqrt(2.0 * n) * p2;
                    break;
                }
            }
            x[n - 1 - i] = z;
            x[i] = -z;
            w[i] = 2.0 / (pp * pp);
            w[n - 1 - i] = w[i];
        }
        if (n % 2 == 1) {
            x[n / 2] = 0.0;
        }
        return new GaussHermite(x, w);
    }
}
