package org.sparkntk.kernel;

/**
 * A fully connected network in the NTK parameterization (ntk-math.md, "Network and
 * parameterization"): {@code depth} weight layers L >= 1, activation phi, weight std sigma_w > 0,
 * bias std beta >= 0.
 */
public record NetworkSpec(int depth, Activation activation, double weightStd, double biasStd) {

    /** Largest depth accepted (the recursion is O(L) per entry; deeper nets are degenerate anyway). */
    public static final int MAX_DEPTH = 100_000;

    public NetworkSpec {
        if (depth < 1 || depth > MAX_DEPTH) {
            throw new IllegalArgumentException("'depth' is " + depth + " but must be in 1.." + MAX_DEPTH);
        }
        if (activation == null) {
            throw new IllegalArgumentException("'activation' is missing");
        }
        if (!(weightStd > 0) || Double.isInfinite(weightStd)) {
            throw new IllegalArgumentException("'weight-std' is " + weightStd + " but must be > 0 and finite");
        }
        if (!(biasStd >= 0) || Double.isInfinite(biasStd)) {
            throw new IllegalArgumentException("'bias-std' is " + biasStd + " but must be >= 0 and finite");
        }
    }

    /** relu network, sigma_w = 1, beta = 0. */
    public static NetworkSpec of(int depth, String activation) {
        return new NetworkSpec(depth, Activations.parse(activation), 1.0, 0.0);
    }

    public NetworkSpec withDepth(int newDepth) {
        return new NetworkSpec(newDepth, activation, weightStd, biasStd);
    }

    /** sigma_w^2. */
    public double sw2() {
        return weightStd * weightStd;
    }

    /** beta^2. */
    public double b2() {
        return biasStd * biasStd;
    }
}
