package org.sparkntk.kernel;

/**
 * E[phi(u) phi(v)] and E[phi'(u) phi'(v)] at equal variances q1 = q2 = q, as functions of the angle
 * theta = acos(rho) in [0, pi] (smooth at both ends, unlike rho): piecewise Chebyshev interpolants
 * of degree {@link #DEGREE} of a {@link Quadrature}'s adaptive rule, pieces halved until the
 * coefficient tails are below {@link #TAIL} of the scale and the held-out midpoints agree with the
 * rule to {@link #TOL}; {@link #build} returns null when that needs more than {@value #MAX_PIECES}
 * pieces or pieces narrower than pi / 2^{@value #MAX_LEVEL}, and callers keep the per-entry rule.
 * Construction, accuracy and why {@link #TOL} cannot be tighter: ntk-math.md, "Angle tables for
 * equal variances"; times: benchmarks.md, "Quadrature activations". Evaluation allocates nothing.
 */
public final class AngleTable {

    /** Polynomial degree per piece (DEGREE + 1 nodes). */
    static final int DEGREE = 24;
    /** Pieces [0, pi] starts with (the smooth case needs no more). */
    static final int INITIAL_PIECES = 4;
    /** A piece is halved while a series' last three coefficients exceed TAIL times its scale. */
    static final double TAIL = 1e-12;
    /**
     * Largest difference from the rule at a held-out point, relative to the scale, that a table may
     * have (ntk-math.md, "Angle tables for equal variances").
     */
    static final double TOL = 1e-11;
    /** Narrowest piece: pi / 2^MAX_LEVEL. */
    static final int MAX_LEVEL = 14;
    /** Most pieces a table may have. */
    static final int MAX_PIECES = 512;
    /** Low mantissa bits {@link #canonical} clears: a relative grid of 2^-40. */
    public static final int CANONICAL_BITS = 12;

    private final double q;
    private final int degree;
    private final int pieces;
    /** Piece p covers [breaks[p], breaks[p+1]]; breaks[0] = 0, breaks[pieces] = pi. */
    private final double[] breaks;
    /** Coefficients, piece-major: phi phi's DEGREE + 1, then phi' phi''s. */
    private final double[] coef;
    private final double scalePhi;
    private final double scaleDphi;
    private final double verifiedError;
    private final int evaluations;

    private AngleTable(double q, int degree, double[] breaks, double[] coef, double scalePhi, double scaleDphi,
                       double verifiedError, int evaluations) {
        this.q = q;
        this.degree = degree;
        this.pieces = breaks.length - 1;
        this.breaks = breaks;
        this.coef = coef;
        this.scalePhi = scalePhi;
        this.scaleDphi = scaleDphi;
        this.verifiedError = verifiedError;
        this.evaluations = evaluations;
    }

    /**
     * The table of {@code act} at variance {@code q} (> 0, finite), or null when it cannot be built
     * to {@link #TOL} (ntk-math.md, "Angle tables for equal variances") or the scales are not positive and finite.
     */
    public static AngleTable build(Quadrature act, double q) {
        return build(act, q, DEGREE, MAX_LEVEL, true);
    }

    /**
     * As {@link #build(Quadrature, double)} with another degree (>= 3) and deepest bisection level
     * (2 = no refinement of the initial pieces), and with or without the check at held-out points;
     * tests build deliberately coarse tables with it.
     */
    static AngleTable build(Quadrature act, double q, int degree, int maxLevel, boolean verify) {
        if (!(q > 0) || Double.isInfinite(q)) {
            throw new IllegalArgumentException("angle table variance is " + q + " but must be > 0 and finite");
        }
        double scalePhi = act.meanPhiSq(q);
        double scaleDphi = act.meanDphiSq(q);
        if (!(scalePhi > 0) || !(scaleDphi > 0) || Double.isInfinite(scalePhi) || Double.isInfinite(scaleDphi)) {
            return null;
        }
        Builder b = new Builder(act, q, scalePhi, scaleDphi, degree, maxLevel, verify);
        for (int p = 0; p < INITIAL_PIECES; p++) {
            double lo = Math.PI * p / INITIAL_PIECES;
            double hi = p + 1 == INITIAL_PIECES ? Math.PI : Math.PI * (p + 1) / INITIAL_PIECES;
            if (!b.fit(lo, hi, 2)) {
                return null;
            }
        }
        double[] breaks = new double[b.count + 1];
        double[] coef = new double[b.count * 2 * (degree + 1)];
        for (int p = 0; p < b.count; p++) {
            breaks[p] = b.lo[p];
            System.arraycopy(b.coef[p], 0, coef, p * 2 * (degree + 1), 2 * (degree + 1));
        }
        breaks[b.count] = Math.PI;
        return new AngleTable(q, degree, breaks, coef, scalePhi, scaleDphi, b.worst, b.evaluations);
    }

    /** Fits pieces left to right by bisection. */
    private static final class Builder {
        final Quadrature act;
        final double q;
        final double scalePhi;
        final double scaleDphi;
        final int degree;
        final int maxLevel;
        final boolean check;
        final double[] both = new double[2];
        final double[] lo = new double[MAX_PIECES];
        final double[][] coef = new double[MAX_PIECES][];
        int count;
        int evaluations;
        double worst;

        Builder(Quadrature act, double q, double scalePhi, double scaleDphi, int degree, int maxLevel, boolean check) {
            this.act = act;
            this.degree = degree;
            this.maxLevel = maxLevel;
            this.check = check;
            this.q = q;
            this.scalePhi = scalePhi;
            this.scaleDphi = scaleDphi;
        }

        /** Fits [a, b] (at bisection level {@code level}), halving as needed; false when a limit is hit. */
        boolean fit(double a, double b, int level) {
            double[] c = coefficients(a, b);
            boolean converged = tail(c, 0) <= TAIL * scalePhi && tail(c, degree + 1) <= TAIL * scaleDphi;
            if (converged && (!check || verify(a, b, c)) || !check && level >= maxLevel) {
                if (count == MAX_PIECES) {
                    return false;
                }
                lo[count] = a;
                coef[count] = c;
                count++;
                return true;
            }
            if (level >= maxLevel) {
                return false;
            }
            double m = 0.5 * (a + b);
            return fit(a, m, level + 1) && fit(m, b, level + 1);
        }

        /** Both series' coefficients on [a, b] from the values at the DEGREE + 1 Chebyshev-Lobatto points. */
        double[] coefficients(double a, double b) {
            int n = degree;
            double[] f = new double[2 * (n + 1)];
            for (int k = 0; k <= n; k++) {
                eval(a, b, Math.cos(Math.PI * k / n));
                f[k] = both[0];
                f[n + 1 + k] = both[1];
            }
            double[] c = new double[2 * (n + 1)];
            for (int s = 0; s < 2; s++) {
                int o = s * (n + 1);
                for (int j = 0; j <= n; j++) {
                    double sum = 0.5 * (f[o] + (j % 2 == 0 ? f[o + n] : -f[o + n]));
                    for (int k = 1; k < n; k++) {
                        sum += f[o + k] * Math.cos(Math.PI * ((long) j * k % (2L * n)) / n);
                    }
                    c[o + j] = (j == 0 || j == n ? 1.0 : 2.0) * sum / n;
                }
            }
            return c;
        }

        /** The quadrature at x in [-1, 1] on [a, b] into {@code both}. */
        void eval(double a, double b, double x) {
            double theta = 0.5 * (a + b) + 0.5 * (b - a) * x;
            act.meanBoth(q, q, q * Math.cos(theta), both);
            evaluations++;
        }

        /** True when the interpolant is within TOL of the quadrature halfway between every two nodes. */
        boolean verify(double a, double b, double[] c) {
            double[] out = new double[2];
            for (int k = 0; k < degree; k++) {
                double x = Math.cos(Math.PI * (k + 0.5) / degree);
                eval(a, b, x);
                clenshaw(c, 0, degree, x, out);
                double e = Math.max(Math.abs(out[0] - both[0]) / scalePhi, Math.abs(out[1] - both[1]) / scaleDphi);
                if (!(e <= TOL)) {
                    return false;
                }
                worst = Math.max(worst, e);
            }
            return true;
        }

        double tail(double[] c, int o) {
            return Math.abs(c[o + degree]) + Math.abs(c[o + degree - 1]) + Math.abs(c[o + degree - 2]);
        }
    }

    /** Both series of one piece (coefficients from {@code o}) at x in [-1, 1], into out[0], out[1]. */
    private static void clenshaw(double[] c, int o, int n, double x, double[] out) {
        int o2 = o + n + 1;
        double x2 = 2 * x;
        double b1 = 0;
        double b2 = 0;
        double d1 = 0;
        double d2 = 0;
        for (int j = n; j >= 1; j--) {
            double b0 = x2 * b1 - b2 + c[o + j];
            b2 = b1;
            b1 = b0;
            double d0 = x2 * d1 - d2 + c[o2 + j];
            d2 = d1;
            d1 = d0;
        }
        out[0] = x * b1 - b2 + c[o];
        out[1] = x * d1 - d2 + c[o2];
    }

    /**
     * out[0] = E[phi(u) phi(v)], out[1] = E[phi'(u) phi'(v)] at variances q, q and correlation
     * {@code rho} (clamped to [-1, 1]; NaN gives NaN). theta = atan2(sqrt((1-rho)(1+rho)), rho),
     * accurate near 0 and pi, as in {@link AbRelu}.
     */
    public void meanBoth(double rho, double[] out) {
        double r = rho > 1 ? 1 : (rho < -1 ? -1 : rho);
        double theta = Math.atan2(Math.sqrt((1 - r) * (1 + r)), r);
        int lo = 0;
        int hi = pieces - 1;
        while (lo < hi) { // the last piece p with breaks[p] <= theta
            int mid = (lo + hi + 1) >>> 1;
            if (breaks[mid] <= theta) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        double a = breaks[lo];
        double b = breaks[lo + 1];
        double x = (2 * theta - a - b) / (b - a);
        clenshaw(coef, lo * 2 * (degree + 1), degree, x, out);
    }

    /**
     * q (> 0, finite) rounded to the nearest double whose low {@value #CANONICAL_BITS} mantissa bits
     * are 0, within 2^-41 relative: the variance a layer's table is built for, so that layers whose
     * variances differ by a few ulps share one table (ScalarRecursion).
     */
    public static double canonical(double q) {
        long bits = Double.doubleToRawLongBits(q);
        long half = 1L << (CANONICAL_BITS - 1);
        return Double.longBitsToDouble((bits + half) & -(1L << CANONICAL_BITS));
    }

    /** The variance the table was built for. */
    public double q() {
        return q;
    }

    /** Number of Chebyshev pieces. */
    public int pieces() {
        return pieces;
    }

    /** Quadrature calls (each both expectations) the build made, nodes and held-out points. */
    public int evaluations() {
        return evaluations;
    }

    /** The largest error at the held-out points, relative to the scale, over both series. */
    public double verifiedError() {
        return verifiedError;
    }

    /** E[phi(u)^2] at q (the scale of phi phi). */
    public double scalePhi() {
        return scalePhi;
    }

    /** E[phi'(u)^2] at q (the scale of phi' phi'). */
    public double scaleDphi() {
        return scaleDphi;
    }

    @Override
    public String toString() {
        return "AngleTable[q=" + q + ", pieces=" + pieces + ", degree=" + degree + ", evaluations=" + evaluations
                + ", verified error " + verifiedError + "]";
    }
}
