package org.sparkntk.kernel;

/**
 * phi = sin or cos (ntk-math.md, "Sine"): with m = (q1+q2)/2,
 * E[sin u sin v] = e^{-m} sinh(c), E[cos u cos v] = e^{-m} cosh(c). Written as
 * (e^{c-m} -+ e^{-c-m})/2, whose exponents are <= 0 since |c| <= sqrt(q1 q2) <= m, so large
 * variances give 0 instead of 0 * inf.
 */
public record Trig(boolean sine) implements Activation {

    @Override
    public String name() {
        return sine ? "sin" : "cos";
    }

    private static double sinhForm(double q1, double q2, double c) {
        double m = 0.5 * (q1 + q2);
        if (m < 700) {
            return Math.exp(-m) * Math.sinh(c); // no cancellation for small c
        }
        return 0.5 * (Math.exp(c - m) - Math.exp(-c - m));
    }

    private static double coshForm(double q1, double q2, double c) {
        double m = 0.5 * (q1 + q2);
        if (m < 700) {
            return Math.exp(-m) * Math.cosh(c);
        }
        return 0.5 * (Math.exp(c - m) + Math.exp(-c - m));
    }

    @Override
    public double meanPhiPhi(double q1, double q2, double c) {
        return sine ? sinhForm(q1, q2, c) : coshForm(q1, q2, c);
    }

    @Override
    public double meanDphiDphi(double q1, double q2, double c) {
        // sin' = cos, cos' = -sin
        return sine ? coshForm(q1, q2, c) : sinhForm(q1, q2, c);
    }

    @Override
    public double meanPhiSq(double q) {
        double e = Math.exp(-2 * q);
        return sine ? 0.5 * (1 - e) : 0.5 * (1 + e);
    }

    @Override
    public double meanDphiSq(double q) {
        double e = Math.exp(-2 * q);
        return sine ? 0.5 * (1 + e) : 0.5 * (1 - e);
    }
}
