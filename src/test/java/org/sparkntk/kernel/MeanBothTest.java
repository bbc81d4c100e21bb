package org.sparkntk.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link Activation#meanBoth} (what the NTK recursion calls) gives bit for bit the two separate
 * expectations, for every built-in activation, the fixed Gauss-Hermite rules and a user pair with a
 * kink: the quadrature places its nodes once for both, and must still form each sum as it would
 * alone. The values themselves are checked against independent integrals in QuadratureTruthTest and
 * ClosedFormTruthTest.
 */
class MeanBothTest {

    @Test
    void sameBitsAsTheSeparateExpectations() {
        String[] names = {"relu", "leaky_relu:0.1", "erf", "gelu", "sin", "tanh", "sigmoid", "softplus", "silu", "elu",
            "tanh@25", "elu@64"};
        Activation[] acts = new Activation[names.length + 1];
        for (int k = 0; k < names.length; k++) {
            acts[k] = Activations.parse(names[k]);
        }
        acts[names.length] = new Quadrature("kinked", z -> Math.max(z, 0.2 * z), z -> z > 0 ? 1 : 0.2, Quadrature.ADAPTIVE);
        double[][] q = {{1e-4, 1}, {1, 1}, {0.5, 2}, {10, 10}, {1e4, 3}};
        double[] rhos = {-1, -0.999999, -0.3, 0, 0.5, 0.999999, 1};
        double[] out = new double[2];
        for (Activation a : acts) {
            for (double[] qq : q) {
                for (double rho : rhos) {
                    double c = rho * Math.sqrt(qq[0]) * Math.sqrt(qq[1]);
                    a.meanBoth(qq[0], qq[1], c, out);
                    String at = a.name() + " q1=" + qq[0] + " q2=" + qq[1] + " rho=" + rho;
                    assertEquals(a.meanPhiPhi(qq[0], qq[1], c), out[0], 0.0, "E[phi phi] " + at);
                    assertEquals(a.meanDphiDphi(qq[0], qq[1], c), out[1], 0.0, "E[phi' phi'] " + at);
                }
            }
        }
    }
}
