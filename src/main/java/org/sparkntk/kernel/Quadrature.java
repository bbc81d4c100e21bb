package org.sparkntk.kernel;

import java.util.function.DoubleUnaryOperator;

/**
 * A smooth activation without a closed form: the expectations by 2-D Gauss-Hermite quadrature
 * on the Cholesky factor of the 2x2 covariance (ntk-math.md, last paragraph of "Closed forms"):
 * u = sqrt(q1) z1, v = sqrt(q2) (rho z1 + sqrt(1-rho^2) z2), z ~ N(0, I).
 *
 * <p>Cost is degree^2 evaluations of phi (or phi') per entry and layer. Accuracy falls quickly
 * as the variance grows, because phi(sqrt(q) z) steepens (tanh has poles at distance
 * pi / (2 sqrt q) from the real axis) and Gauss-Hermite resolves that slowly. Measured against an
 * independent integral (QuadratureTruthTest), error relative to sqrt(E[f(u)^2] E[f(v)^2]), worst
 * over rho in [-1, 1], as E[phi phi] | E[phi' phi']:
 * <pre>
 *              variances &lt;= 2                       variance 10
 *            degree 25         degree 64          degree 25        degree 64
 * tanh       2e-4 | 2e-3       3e-7 | 5e-6        5e-2 | 5e-1      4e-3 | 9e-2
 * sigmoid    1e-8 | 4e-7       2e-14 | 1e-12      8e-4 | 3e-2      4e-6 | 3e-4
 * silu       4e-8 | 3e-7       8e-14 | 1e-12      5e-4 | 1e-2      3e-6 | 1e-4
 * softplus   1e-9 | 1e-8       1e-15 | 2e-14      2e-5 | 8e-4      5e-8 | 4e-6
 * elu        9e-4 | 4e-2       1e-4 | 8e-3        3e-3 | 1e-1      4e-4 | 3e-2
 * </pre>
 * So the default degree 25 (Neural Tangents' default) is good to ~1e-7 only for sigmoid, silu and
 * softplus at small variances; tanh and elu need a higher degree, and variances near 10 are poor
 * at any degree up to 64. ELU's phi' has a kink at 0 (like ReLU's phi), which Gauss-Hermite
 * integrates only algebraically: use a closed form for ReLU-like functions.
 */
public final class Quadrature implements Activation {

    /** Neural Tangents' default degree for its numerical activations. */
    public static final int DEFAULT_DEGREE = 25;

    private final String name;
    private final DoubleUnaryOperator phi;
    private final DoubleUnaryOperator dphi;
    private final int degree;
    private final double[] x;
    private final double[] w;

    /** A user-supplied activation: phi, its derivative dphi, quadrature degree (1..400). */
    public Quadrature(String name, DoubleUnaryOperator phi, DoubleUnaryOperator dphi, int degree) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("activation name must not be empty");
        }
        this.name = name;
        this.phi = phi;
        this.dphi = dphi;
        this.degree = degree;
        GaussHermite gh = GaussHermite.of(degree);
        this.x = gh.x;
        this.w = new double[degree];
        for (int i = 0; i < degree; i++) {
            w[i] = gh.w[i] / Math.sqrt(Math.PI); // weights of E over N(0,1) after z = sqrt(2) x
            x[i] = gh.x[i] * Math.sqrt(2.0);
        }
    }

    public int degree() {
        return degree;
    }

    public DoubleUnaryOperator phi() {
        return phi;
    }

    public DoubleUnaryOperator dphi() {
        return dphi;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean closedForm() {
        return false;
    }

    private double pair(DoubleUnaryOperator f, double q1, double q2, double c) {
        double s1 = Math.sqrt(q1);
        double s2 = Math.sqrt(q2);
        double n = s1 * s2;
        double rho = n == 0 ? 0.0 : AbRelu.clamp(c / n);
        double sr = Math.sqrt((1 - rho) * (1 + rho));
        double total = 0;
        for (int i = 0; i < degree; i++) {
            double fu = f.applyAsDouble(s1 * x[i]);
            double a = rho * x[i];
            double inner = 0;
            for (int j = 0; j < degree; j++) {
                inner += w[j] * f.applyAsDouble(s2 * (a + sr * x[j]));
            }
            total += w[i] * fu * inner;
        }
        return total;
    }

    private double single(DoubleUnaryOperator f, double q) {
        double s = Math.sqrt(q);
        double total = 0;
        for (int i = 0; i < degree; i++) {
            double v = f.applyAsDouble(s * x[i]);
            total += w[i] * v * v;
        }
        return total;
    }

    @Override
    public double meanPhiPhi(double q1, double q2, double c) {
        return pair(phi, q1, q2, c);
    }

    @Override
    public double meanDphiDphi(double q1, double q2, double c) {
        return pair(dphi, q1, q2, c);
    }

    @Override
    public double meanPhiSq(double q) {
        return single(phi, q);
    }

    @Override
    public double meanDphiSq(double q) {
        return single(dphi, q);
    }

    @Override
    public String toString() {
        return name + "@" + degree;
    }
}
