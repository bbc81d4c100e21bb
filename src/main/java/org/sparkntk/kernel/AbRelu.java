package org.sparkntk.kernel;

/**
 * phi(z) = a*min(z,0) + b*max(z,0): ReLU (a=0,b=1), leaky ReLU (a=alpha,b=1), abs (a=-1,b=1).
 *
 * <p>ntk-math.md, "Leaky / asymmetric ReLU", with f = (a-b)^2/(2 pi):
 * E[phi'phi'] = (a^2+b^2)/2 - f*theta, E[phi phi] = f*s + E[phi'phi']*c. The angle is computed
 * scale-free from rho = (c / sqrt(q1)) / sqrt(q2), evaluated as c (1/sqrt q1) (1/sqrt q2) (no
 * overflow of q1*q2 at norms near 1e150; the vector kernels hoist the two reciprocals out of
 * their inner loop and multiply, so rho carries a rounding or two more than one division would,
 * far below the Gram entry's own rounding), and theta = atan2(sqrt((1-rho)(1+rho)), rho),
 * accurate near 0 and pi. A zero variance gives rho = 0 and theta = pi/2 (the ntk-math.md
 * convention), so no NaN.
 */
public record AbRelu(double a, double b, String name) implements Activation {

    static final double PI = Math.PI;

    public AbRelu {
        if (!Double.isFinite(a) || !Double.isFinite(b)) {
            throw new IllegalArgumentException("activation '" + name + "' slopes must be finite, got a=" + a + ", b=" + b);
        }
    }

    public static AbRelu relu() {
        return new AbRelu(0.0, 1.0, "relu");
    }

    public static AbRelu leaky(double alpha) {
        return new AbRelu(alpha, 1.0, "leaky_relu:" + Activations.fmt(alpha));
    }

    public static AbRelu abs() {
        return new AbRelu(-1.0, 1.0, "abs");
    }

    public static AbRelu general(double a, double b) {
        return new AbRelu(a, b, "abrelu:" + Activations.fmt(a) + "," + Activations.fmt(b));
    }

    /** (a^2 + b^2) / 2. */
    public double half() {
        return 0.5 * (a * a + b * b);
    }

    /** (a - b)^2 / (2 pi). */
    public double f() {
        return (a - b) * (a - b) / (2 * PI);
    }

    @Override
    public double meanPhiPhi(double q1, double q2, double c) {
        double n = Math.sqrt(q1) * Math.sqrt(q2);
        double rho = rho(q1, q2, c);
        double sr = Math.sqrt((1 - rho) * (1 + rho));
        double theta = Math.atan2(sr, rho);
        return n * (f() * sr + (half() - f() * theta) * rho);
    }

    @Override
    public double meanDphiDphi(double q1, double q2, double c) {
        double rho = rho(q1, q2, c);
        double theta = Math.atan2(Math.sqrt((1 - rho) * (1 + rho)), rho);
        return half() - f() * theta;
    }

    @Override
    public double meanPhiSq(double q) {
        return half() * q;
    }

    @Override
    public double meanDphiSq(double q) {
        return half();
    }

    /**
     * 1/sqrt(q), and 0 for q == 0: the row and column factors of {@link #rho}. The vector kernels
     * lay them out with this method, so their rho has the same bits.
     */
    public static double inverseRoot(double q) {
        return q == 0 ? 0.0 : 1 / Math.sqrt(q);
    }

    /**
     * The correlation clamp(c (1/sqrt q1) (1/sqrt q2)), multiplied left to right; 0 (or -0) when a
     * variance is 0, which gives theta = pi/2 and, with n = 0, E[phi phi] = 0.
     */
    static double rho(double q1, double q2, double c) {
        return clamp(c * inverseRoot(q1) * inverseRoot(q2));
    }

    static double clamp(double rho) {
        return rho > 1 ? 1 : (rho < -1 ? -1 : rho);
    }
}
