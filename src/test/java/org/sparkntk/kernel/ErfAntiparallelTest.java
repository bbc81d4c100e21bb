package org.sparkntk.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Erf at exactly (anti)parallel inputs with huge variances: the asin argument rounds past +-1. */
class ErfAntiparallelTest {

    @Test
    void asinArgumentIsClampedAtLargeVariances() {
        Erf e = new Erf();
        double q1 = 5.525492893955951E298;
        double q2 = 1.762803045082112E299;
        double n = Math.sqrt(q1) * Math.sqrt(q2);
        // q -> inf: E[erf(u) erf(v)] -> (2/pi) asin(+-1) = +-1
        assertEquals(-1.0, e.meanPhiPhi(q1, q2, -n), 1e-15);
        assertEquals(1.0, e.meanPhiPhi(q1, q2, n), 1e-15);
    }
}
