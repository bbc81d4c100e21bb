package org.sparkntk.tile.panama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.DoubleVector;
import org.junit.jupiter.api.Test;

/**
 * The kernel's own angle (asin polynomial, no library call) against the reference's
 * Math.atan2(sqrt((1-rho)(1+rho)), rho) for the same rho, in ulps of the reference angle:
 * uniform rho, rho within a few ulps of +-1 and 0, and tiny rho.
 */
class VectorAngleTest {

    @Test
    void angleMatchesAtan2WithinThreeUlps() {
        int lanes = VectorKernels.LANES;
        Random r = new Random(3);
        int count = 200_000;
        double[] rho = new double[count];
        for (int k = 0; k < count; k++) {
            switch (k % 5) {
                case 0 -> rho[k] = 2 * r.nextDouble() - 1;
                case 1 -> rho[k] = 1 - r.nextInt(1 << 20) * Math.ulp(0.5);
                case 2 -> rho[k] = -1 + r.nextInt(1 << 20) * Math.ulp(0.5);
                case 3 -> rho[k] = (r.nextDouble() - 0.5) * Math.pow(10, -r.nextInt(300));
                default -> rho[k] = (2 * r.nextDouble() - 1) * 0.7071067811865476 + (r.nextBoolean() ? 1e-12 : -1e-12);
            }
        }
        rho[0] = 1;
        rho[1] = -1;
        rho[2] = 0;
        rho[3] = -0.0;
        double worst = 0;
        double[] out = new double[lanes];
        for (int k = 0; k + lanes <= count; k += lanes) {
            DoubleVector rv = DoubleVector.fromArray(VectorKernels.SP, rho, k);
            VectorKernels.angle(rv).intoArray(out, 0);
            for (int j = 0; j < lanes; j++) {
                double x = rho[k + j];
                double ref = Math.atan2(Math.sqrt((1 - x) * (1 + x)), x);
                worst = Math.max(worst, Math.abs(out[j] - ref) / Math.ulp(ref));
            }
        }
        assertTrue(worst <= 3, "worst error " + worst + " ulps"); // measured: 2.0
        double[] edge = new double[lanes];
        edge[0] = 1;
        edge[1] = -1;
        DoubleVector ev = DoubleVector.fromArray(VectorKernels.SP, edge, 0);
        VectorKernels.angle(ev).intoArray(out, 0);
        assertEquals(0.0, out[0]);
        assertEquals(Math.PI, out[1]);
        assertEquals(0.5 * Math.PI, out[2]);
    }
}
