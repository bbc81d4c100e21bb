package org.sparkntk.kernel;

/** phi(z) = z: E[phi phi] = c, E[phi'phi'] = 1 (a linear network). */
public record Identity() implements Activation {

    @Override
    public String name() {
        return "identity";
    }

    @Override
    public double meanPhiPhi(double q1, double q2, double c) {
        return c;
    }

    @Override
    public double meanDphiDphi(double q1, double q2, double c) {
        return 1.0;
    }

    @Override
    public double meanPhiSq(double q) {
        return q;
    }

    @Override
    public double meanDphiSq(double q) {
        return 1.0;
    }
}
