package org.sparkntk.truth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The test helpers are themselves checked against known values before anything relies on them. */
class HelpersTest {

    @Test
    void erfMatchesReferenceValues() {
        // reference values from mpmath at 30 digits
        double[][] ref = {
            {0.1, 0.1124629160182849, 0.8875370839817151},
            {0.5, 0.52049987781304654, 0.47950012218695346},
            {1, 0.84270079294971487, 0.15729920705028513},
            {2, 0.99532226501895273, 0.0046777349810472658},
            {2.9, 0.99995890212190054, 4.1097878099458858e-5},
            {3, 0.99997790950300141, 2.2090496998585441e-5},
            {3.1, 0.9999883513426328, 1.1648657367199589e-5},
            {4, 0.9999999845827421, 1.5417257900280019e-8},
            {5, 0.99999999999846254, 1.5374597944280349e-12},
            {-1.5, -0.96610514647531073, 1.9661051464753107},
        };
        for (double[] r : ref) {
            assertEquals(r[1], Special.erf(r[0]), 1e-15, "erf(" + r[0] + ")");
            // erfc above 3 is computed directly (relative accuracy); below from 1 - erf (absolute)
            double tol = r[0] > 3 ? 1e-14 * r[2] : 1e-15;
            assertEquals(r[2], Special.erfc(r[0]), tol, "erfc(" + r[0] + ")");
        }
        // the two branches agree where they meet
        assertEquals(1 - Special.erf(3.0), Special.erfcLarge(3.0), 1e-15);
    }

    @Test
    void gaussLegendreIsExactForPolynomialsAndNormalMoments() {
        GaussLegendre gl = GaussLegendre.of(16);
        for (int k = 0; k <= 31; k++) {
            double s = 0;
            for (int i = 0; i < 16; i++) {
                s += gl.w[i] * Math.pow(gl.x[i], k);
            }
            double exact = k % 2 == 1 ? 0 : 2.0 / (k + 1);
            assertEquals(exact, s, 1e-15, "x^" + k);
        }
        // E[Z^2k] = (2k-1)!!, E[cos(aZ)] = exp(-a^2/2)
        double[] dfact = {1, 1, 3, 15, 105, 945};
        for (int k = 0; k < dfact.length; k++) {
            int kk = k;
            double m = GaussianIntegrals.normal(z -> Math.pow(z, 2 * kk), 1, GaussianIntegrals.SMOOTH);
            assertEquals(dfact[k], m, 1e-13 * dfact[k], "E Z^" + 2 * k);
        }
        assertEquals(Math.exp(-4.5), GaussianIntegrals.normal(Math::cos, 9, GaussianIntegrals.SMOOTH), 1e-15);
        // 2-D: E[u^2 v^2] = q1 q2 + 2 c^2 (Isserlis), with a kinked factor split at 0: E[|u| |v|] for rho=0 is 2/pi sqrt(q1 q2)
        double q1 = 0.7, q2 = 2.3, rho = -0.6;
        double c = rho * Math.sqrt(q1 * q2);
        assertEquals(q1 * q2 + 2 * c * c, GaussianIntegrals.pair(u -> u * u, v -> v * v, q1, q2, rho, GaussianIntegrals.SMOOTH), 1e-13);
        assertEquals(2 / Math.PI * Math.sqrt(q1 * q2), GaussianIntegrals.pair(Math::abs, Math::abs, q1, q2, 0, GaussianIntegrals.SMOOTH), 1e-14);
    }

    @Test
    void jacobiDiagonalisesASymmetricMatrix() {
        int n = 9;
        java.util.Random r = new java.util.Random(5);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                a[i * n + j] = a[j * n + i] = r.nextGaussian();
            }
        }
        Jacobi e = Jacobi.of(a, n);
        double trace = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            trace += a[i * n + i];
            sum += e.values[i];
            if (i > 0) {
                assertTrue(e.values[i] >= e.values[i - 1]);
            }
        }
        assertEquals(trace, sum, 1e-13);
        for (int j = 0; j < n; j++) { // A v = lambda v
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int k = 0; k < n; k++) {
                    av += a[i * n + k] * e.vectors[k * n + j];
                }
                assertEquals(e.values[j] * e.vectors[i * n + j], av, 1e-13);
            }
        }
    }
}
