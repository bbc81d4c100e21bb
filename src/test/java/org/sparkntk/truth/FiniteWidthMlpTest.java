package org.sparkntk.truth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The backprop formula of {@link FiniteWidthMlp} against the definition of the empirical NTK,
 * Theta(x,x') = sum over every parameter p of df(x)/dp df(x')/dp, with each derivative by central
 * finite differences, on a tiny network (so the helper is not trusted on faith).
 */
class FiniteWidthMlpTest {

    @Test
    void backpropNtkEqualsSumOfFiniteDifferenceGradients() {
        int n0 = 3;
        int n = 5;
        int depth = 3;
        double beta = 0.5;
        FiniteWidthMlp net = new FiniteWidthMlp(n0, n, depth, 1.3, beta, 42);
        DoubleUnaryOperator phi = Math::tanh;
        DoubleUnaryOperator dphi = z -> 1 / (Math.cosh(z) * Math.cosh(z));
        double[][] xs = {{0.3, -1.2, 0.8}, {1.1, 0.4, -0.5}};
        FiniteWidthMlp.Kernels k = net.kernels(phi, dphi, xs);
        for (int l = 2; l <= depth; l++) {
            double theta = beta * beta; // readout bias: df/db = beta for both inputs
            for (double[] p : net.parameters(l)) {
                for (int i = 0; i < p.length; i++) {
                    double keep = p[i];
                    double e = 1e-5;
                    p[i] = keep + e;
                    double f0p = net.output(phi, l, xs[0]);
                    double f1p = net.output(phi, l, xs[1]);
                    p[i] = keep - e;
                    double f0m = net.output(phi, l, xs[0]);
                    double f1m = net.output(phi, l, xs[1]);
                    p[i] = keep;
                    theta += (f0p - f0m) / (2 * e) * (f1p - f1m) / (2 * e);
                }
            }
            assertEquals(theta, k.ntk()[l][0][1], 1e-8 * Math.abs(theta), "depth " + l);
            assertEquals(k.ntk()[l][0][1], k.ntk()[l][1][0], 1e-15 * Math.abs(theta));
        }
    }
}
