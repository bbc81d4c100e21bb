package org.sparkntk.kernel;

/**
 * phi(z) = erf(z) (ntk-math.md, "Erf"): with P = (1+2q1)(1+2q2),
 * E[phi phi] = (2/pi) asin(2c/sqrt(P)), E[phi'phi'] = (4/pi) / sqrt(P - 4c^2).
 *
 * <p>Evaluated in the bounded variables u_k = 1/(1+2q_k) and w_k = q_k u_k so that nothing
 * overflows for q up to 1e300: 2c/sqrt(P) = 2 rho sqrt(w1) sqrt(w2), and
 * (P - 4c^2)/P = u1 + u2 - u1 u2 + 4 w1 w2 (1-rho)(1+rho).
 */
public record Erf() implements Activation {

    @Override
    public String name() {
        return "erf";
    }

    @Override
    public double meanPhiPhi(double q1, double q2, double c) {
        double n = Math.sqrt(q1) * Math.sqrt(q2);
        if (n == 0) {
            return 0.0;
        }
        double rho = AbRelu.clamp(c / n);
        double w1 = q1 / (1 + 2 * q1);
        double w2 = q2 / (1 + 2 * q2);
        // |2c/sqrt(P)| < 1 exactly, but at antiparallel inputs with large q the rounded product
        // (w -> 1/2, sqrt(1/2)^2 = 0.5000000000000001) can exceed 1: clamp, or asin gives NaN.
        return (2 / Math.PI) * Math.asin(AbRelu.clamp(2 * rho * Math.sqrt(w1) * Math.sqrt(w2)));
    }

    @Override
    public double meanDphiDphi(double q1, double q2, double c) {
        double n = Math.sqrt(q1) * Math.sqrt(q2);
        double rho = n == 0 ? 0.0 : AbRelu.clamp(c / n);
        double u1 = 1 / (1 + 2 * q1);
        double u2 = 1 / (1 + 2 * q2);
        double w1 = q1 * u1;
        double w2 = q2 * u2;
        double ratio = u1 + u2 - u1 * u2 + 4 * w1 * w2 * ((1 - rho) * (1 + rho));
        return (4 / Math.PI) * Math.sqrt(u1) * Math.sqrt(u2) / Math.sqrt(ratio);
    }

    @Override
    public double meanPhiSq(double q) {
        return (2 / Math.PI) * Math.asin(2 * q / (1 + 2 * q));
    }

    @Override
    public double meanDphiSq(double q) {
        return (4 / Math.PI) / Math.sqrt(1 + 4 * q);
    }
}
