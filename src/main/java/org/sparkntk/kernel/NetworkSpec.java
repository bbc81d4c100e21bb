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
        int overflow = overflowLayer(depth, activation, weightStd, biasStd);
        if (overflow > 0) {
            double r = weightStd * weightStd * ((activation instanceof AbRelu ab) ? ab.half() : 1.0);
            throw new IllegalArgumentException("'depth' is " + depth + " but with activation " + activation.name() + ", 'weight-std' "
                    + weightStd + " and 'bias-std' " + biasStd + " the kernel passes " + Double.MAX_VALUE + " at layer " + overflow
                    + " for every input (the variance grows by a factor " + Activations.fmt(r) + " per layer); use depth <= "
                    + (overflow - 1) + " or a smaller 'weight-std'");
        }
    }

    /**
     * The first layer at which the kernel of every input is infinite, or 0. Provable only where the
     * variance map is linear (the ReLU family and identity: q(l+1) = sigma_w^2 (a^2+b^2)/2 q(l) + beta^2)
     * and beta > 0: then the zero input, whose variances and NTK diagonal are the smallest, already
     * overflows. Otherwise overflow depends on the input norms and is reported per row by the tile
     * kernel (Diagonal.checkFinite).
     */
    static int overflowLayer(int depth, Activation activation, double weightStd, double biasStd) {
        double b2 = biasStd * biasStd;
        if (b2 == 0 || !(activation instanceof AbRelu || activation instanceof Identity)) {
            return 0;
        }
        double sw2 = weightStd * weightStd;
        double q = b2;
        double theta = b2;
        for (int l = 2; l <= depth; l++) {
            double dot = sw2 * activation.meanDphiSq(q);
            q = sw2 * activation.meanPhiSq(q) + b2;
            theta = theta * dot + q;
            if (!Double.isFinite(q) || !Double.isFinite(theta)) {
                return l;
            }
        }
        return 0;
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
