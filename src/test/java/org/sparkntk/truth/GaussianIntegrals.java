package org.sparkntk.truth;

import java.util.function.DoubleUnaryOperator;

/**
 * Independent Gaussian expectations for the tests: composite Gauss-Legendre ({@link GaussLegendre},
 * 16 points per panel) on the truncated line [-10, 10] in standard-normal coordinates (the mass
 * beyond |z| = 10 is 1.5e-23). A different rule, a different grid and different code from the
 * library's Gauss-Hermite {@code Quadrature}, so a shared mistake is unlikely.
 * (16 points on a panel of width 1 in z integrate erf(sqrt(10) z), tanh(sqrt(10) z) and the
 * like to ~1e-16: checked by halving the panels, see ClosedFormTruthTest.truthIsConverged.)
 *
 * <p>2-D: (u, v) ~ N(0, [[q1, c], [c, q2]]) with c = rho sqrt(q1 q2) is written
 * u = sqrt(q1) z1, v = sqrt(q2) (rho z1 + sqrt(1 - rho^2) z2), and integrated as an iterated
 * integral: outer over z1 with a panel edge at z1 = 0 (where u = 0), inner over z2 with a panel
 * edge where v = 0, so kinks of phi or phi' at 0 fall on panel edges and the rule stays spectrally
 * accurate on every panel.
 */
public final class GaussianIntegrals {

    /** Truncation of the standard-normal line: the tail mass beyond |z| = 9.5 is 2e-21. */
    public static final double T = 9.5;
    private static final int POINTS = 20;
    private static final GaussLegendre GL = GaussLegendre.of(POINTS);

    /** Outer nodes z and weights w * pdf(z): panels of width hNear on [-1, 1], about hFar beyond. */
    public static final class Grid {
        public final double[] z;
        public final double[] w;
        final double far;

        public Grid(double hNear, double hFar) {
            this(edges(hNear, hFar), hFar);
        }

        /** Panels between the given ascending edges. */
        public Grid(double[] e) {
            this(e, 0.5);
        }

        private Grid(double[] e, double hFar) {
            this.far = hFar;
            int panels = e.length - 1;
            z = new double[panels * POINTS];
            w = new double[panels * POINTS];
            for (int p = 0; p < panels; p++) {
                double mid = 0.5 * (e[p] + e[p + 1]);
                double half = 0.5 * (e[p + 1] - e[p]);
                for (int i = 0; i < POINTS; i++) {
                    double zz = mid + half * GL.x[i];
                    z[p * POINTS + i] = zz;
                    w[p * POINTS + i] = half * GL.w[i] * Special.normPdf(zz);
                }
            }
        }

        private static double[] edges(double hNear, double hFar) {
            int nf = (int) Math.ceil((T - 1) / hFar);
            int nn = (int) Math.round(2 / hNear);
            double[] e = new double[2 * nf + nn + 1];
            int k = 0;
            for (int i = 0; i <= nf; i++) {
                e[k++] = -T + i * (T - 1) / nf;
            }
            for (int i = 1; i <= nn; i++) {
                e[k++] = -1 + i * 2.0 / nn;
            }
            for (int i = 1; i <= nf; i++) {
                e[k++] = 1 + i * (T - 1) / nf;
            }
            return e;
        }
    }

    /** Grid for smooth integrands: panels of width 1, an edge at 0. */
    public static final Grid SMOOTH = new Grid(1, 1);
    /** Fine grid near 0 (integrands with a steep but smooth transition near z1 = 0, e.g. rho = 0.999 with a kink). */
    public static final Grid FINE = new Grid(0.05, 0.5);

    private GaussianIntegrals() {
    }

    /** E[f(sqrt(q) Z)], Z ~ N(0, 1). */
    public static double normal(DoubleUnaryOperator f, double q, Grid grid) {
        double s = Math.sqrt(q);
        double sum = 0;
        for (int i = 0; i < grid.z.length; i++) {
            sum += grid.w[i] * f.applyAsDouble(s * grid.z[i]);
        }
        return sum;
    }

    /** E[f(Z)] of a function of the standard normal itself, on [a, b] split into panels <= FAR. */
    private static double inner(DoubleUnaryOperator g, double a, double b, double far) {
        if (b <= a) {
            return 0;
        }
        int panels = Math.max(1, (int) Math.ceil((b - a) / far));
        double h = (b - a) / panels;
        double sum = 0;
        for (int p = 0; p < panels; p++) {
            double mid = a + (p + 0.5) * h;
            for (int i = 0; i < POINTS; i++) {
                double zz = mid + 0.5 * h * GL.x[i];
                sum += 0.5 * h * GL.w[i] * Special.normPdf(zz) * g.applyAsDouble(zz);
            }
        }
        return sum;
    }

    /** E[f(u) g(v)] for (u, v) ~ N(0, [[q1, rho sqrt(q1 q2)], [., q2]]), kinks at 0 on panel edges. */
    public static double pair(DoubleUnaryOperator f, DoubleUnaryOperator g, double q1, double q2, double rho, Grid grid) {
        double s1 = Math.sqrt(q1);
        double s2 = Math.sqrt(q2);
        double sr = Math.sqrt(Math.max(0, (1 - rho) * (1 + rho)));
        double sum = 0;
        for (int i = 0; i < grid.z.length; i++) {
            double z1 = grid.z[i];
            double fu = f.applyAsDouble(s1 * z1);
            if (fu == 0) {
                continue;
            }
            double m = rho * z1;
            double cond;
            if (sr == 0) {
                cond = g.applyAsDouble(s2 * m);
            } else {
                double zk = -m / sr; // v = 0 here
                double lo = Math.max(-T, Math.min(T, zk));
                DoubleUnaryOperator gz = z2 -> g.applyAsDouble(s2 * (m + sr * z2));
                cond = inner(gz, -T, lo, grid.far) + inner(gz, lo, T, grid.far);
            }
            sum += grid.w[i] * fu * cond;
        }
        return sum;
    }

    /** Standard-normal expectation of h(z1) over the grid (for 1-D reductions). */
    public static double outer(DoubleUnaryOperator h, Grid grid) {
        double sum = 0;
        for (int i = 0; i < grid.z.length; i++) {
            sum += grid.w[i] * h.applyAsDouble(grid.z[i]);
        }
        return sum;
    }
    /**
     * A grid for integrands with features of width ~1/scale (in z) at z = 0, e.g. tanh(sqrt(q) z)
     * at q up to 1e4: panel edges at 0, +-delta, +-2 delta, +-4 delta, ... (delta = 0.05 / scale,
     * geometric grading, so every panel is at most as wide as its distance from 0 and a pole at
     * distance ~1/scale from the real axis above z = 0 stays outside each panel's Bernstein
     * ellipse), then panels of width at most 0.5 out to T.
     */
    public static Grid graded(double scale) {
        double[] e = gradedEdges(0.0, -T, T, scale, 0.5);
        return new Grid(e);
    }

    /** Edges on [a, b] (a <= at <= b) graded geometrically away from {@code at}. */
    static double[] gradedEdges(double at, double a, double b, double scale, double far) {
        java.util.TreeSet<Double> edges = new java.util.TreeSet<>();
        edges.add(a);
        edges.add(b);
        if (at > a && at < b) {
            edges.add(at);
        }
        double delta = Math.min(far, 0.05 / Math.max(scale, 1e-300));
        for (int side = -1; side <= 1; side += 2) {
            double end = side < 0 ? a : b;
            double x = at;
            double step = delta;
            while (side < 0 ? x > end : x < end) {
                x += side * step;
                if (side < 0 ? x <= end : x >= end) {
                    break;
                }
                if (x > a && x < b) {
                    edges.add(x);
                }
                if (Math.abs(x - at) >= step && step < far) {
                    step = Math.min(far, 2 * step);
                }
            }
        }
        double[] out = new double[edges.size()];
        int k = 0;
        for (double v : edges) {
            out[k++] = v;
        }
        return out;
    }

    /** 1-D: E[f(sqrt(q) Z)] on the graded grid for scale sqrt(q). */
    public static double normalGraded(DoubleUnaryOperator f, double q) {
        return normal(f, q, graded(Math.sqrt(q)));
    }

    /**
     * E[f(u) g(v)] with both levels graded: outer over z1 graded at z1 = 0 for scale
     * max(sqrt(q1), sqrt(q2)), inner over z2 graded at the zero crossing of v for scale
     * sqrt(q2 (1 - rho^2)). Accurate for tanh-like and kinked-at-0 integrands at variances
     * 1e-4..1e4 (checked by refinement in QuadratureTruthTest).
     */
    public static double pairGraded(DoubleUnaryOperator f, DoubleUnaryOperator g, double q1, double q2, double rho) {
        return pairGraded(f, g, q1, q2, rho, 1.0);
    }

    /** As {@link #pairGraded(DoubleUnaryOperator, DoubleUnaryOperator, double, double, double)}, every panel width times {@code refine}. */
    public static double pairGraded(DoubleUnaryOperator f, DoubleUnaryOperator g, double q1, double q2, double rho, double refine) {
        double s1 = Math.sqrt(q1);
        double s2 = Math.sqrt(q2);
        double sr = Math.sqrt(Math.max(0, (1 - rho) * (1 + rho)));
        // the conditional mean of g's argument moves with z1 at rate s2 rho and is blurred by
        // sigma = s2 sr: a kink of g at 0 becomes a feature of width sr / |rho| in z1
        double outerScale = Math.max(Math.max(s1, s2), sr > 0 ? Math.min(1e9, Math.abs(rho) / sr) : 0);
        Grid outer = new Grid(gradedEdgesRefined(0.0, -T, T, outerScale / refine, 0.5 * refine));
        double sigma = s2 * sr;
        double sum = 0;
        for (int i = 0; i < outer.z.length; i++) {
            double z1 = outer.z[i];
            double fu = f.applyAsDouble(s1 * z1);
            if (fu == 0) {
                continue;
            }
            double m = s2 * rho * z1;
            double cond;
            if (sigma == 0) {
                cond = g.applyAsDouble(m);
            } else {
                double zk = Math.max(-T, Math.min(T, -m / sigma));
                Grid in = new Grid(gradedEdgesRefined(zk, -T, T, sigma / refine, 0.5 * refine));
                cond = 0;
                for (int j = 0; j < in.z.length; j++) {
                    cond += in.w[j] * g.applyAsDouble(m + sigma * in.z[j]);
                }
            }
            sum += outer.w[i] * fu * cond;
        }
        return sum;
    }

    private static double[] gradedEdgesRefined(double at, double a, double b, double scale, double far) {
        return gradedEdges(at, a, b, scale, far);
    }

}
