package org.sparkntk.kernel;

/**
 * A nonlinearity phi together with the Gaussian expectations the layer recursion needs
 * (docs: ntk-math.md, "The recursion" and "Closed forms").
 *
 * <p>For (u, v) ~ N(0, [[q1, c], [c, q2]]): {@link #meanPhiPhi} = E[phi(u) phi(v)],
 * {@link #meanDphiDphi} = E[phi'(u) phi'(v)]; on the diagonal (u ~ N(0, q)):
 * {@link #meanPhiSq} = E[phi(u)^2] and {@link #meanDphiSq} = E[phi'(u)^2].
 * Implementations must be finite for q1, q2 >= 0, c^2 <= q1 q2 (up to rounding), including
 * zero variances and norms from 1e-300 to 1e300.
 */
public interface Activation {

    /** The canonical name, parseable by {@link Activations#parse}, e.g. {@code leaky_relu:0.1}. */
    String name();

    /** E[phi(u) phi(v)]. */
    double meanPhiPhi(double q1, double q2, double c);

    /** E[phi'(u) phi'(v)]. */
    double meanDphiDphi(double q1, double q2, double c);

    /** E[phi(u)^2], u ~ N(0, q). */
    double meanPhiSq(double q);

    /** E[phi'(u)^2], u ~ N(0, q). */
    double meanDphiSq(double q);

    /**
     * Both pair expectations at once: {@code out[0]} = {@link #meanPhiPhi}, {@code out[1]} =
     * {@link #meanDphiDphi}, with the same values as the two calls. Quadrature overrides it to
     * place its nodes once for both (the NTK needs both per entry and layer).
     */
    default void meanBoth(double q1, double q2, double c, double[] out) {
        out[0] = meanPhiPhi(q1, q2, c);
        out[1] = meanDphiDphi(q1, q2, c);
    }

    /** True when the expectations are exact closed forms (false: numerical quadrature). */
    default boolean closedForm() {
        return true;
    }
}
