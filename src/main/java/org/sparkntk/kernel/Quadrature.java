package org.sparkntk.kernel;

import java.util.function.DoubleUnaryOperator;

/**
 * A smooth activation without a closed form: E[f(u) f(v)] by an adaptive quadrature in the
 * conditional form u = sqrt(q1) z1, v = sqrt(q2) (rho z1 + sqrt(1-rho^2) z2): sinh-mapped
 * trapezoid rules centred where the argument of f crosses 0, split at the kink for activations
 * that may have one. Gauss-Hermite converges too slowly for tanh at large variances. The rule, its
 * accuracy (~1e-11 of the scale) and its cost are derived and measured in ntk-math.md, "Quadrature
 * for activations without a closed form"; times in benchmarks.md, "Quadrature activations".
 * Layers of equal variances use {@link #angleTable} instead (ntk-math.md, "Angle tables for equal
 * variances").
 *
 * <p>The rule assumes an activation's features sit near 0 at scale ~1 (as for every common
 * activation); a periodic phi at large variance, or kinks away from 0, are not resolved.
 * {@code @DEGREE} in an activation name (e.g. {@code tanh@25}) selects the fixed degree x degree
 * Gauss-Hermite product rule instead (Neural Tangents' {@code degree}), to reproduce results
 * computed with it; it is much less accurate.
 */
public final class Quadrature implements Activation {

    /**
     * System property: {@code false} turns off the angle tables ({@link #angleTable}) for
     * equal-variance layers, so every entry uses the per-entry rule (tests compare both paths).
     */
    public static final String TABLES_PROPERTY = "ntk.quadrature.tables";
    /** Angle tables kept per JVM (one per layer's variance; a few layers per job). */
    static final int TABLE_CACHE_SIZE = 64;

    /** The degree value that selects the adaptive rule (the default). */
    public static final int ADAPTIVE = 0;
    /** The default: the adaptive rule. */
    public static final int DEFAULT_DEGREE = ADAPTIVE;

    /** Truncation of the standard-normal line: tail mass 2e-17, times z^2 still below 1e-15. */
    static final double T = 8.5;
    /** Largest map width in z: features wider than the Gaussian need no refinement. */
    static final double W_MAX = 1.0;
    /** Smallest map width in z: sharper features are treated as kinks (split there). */
    static final double W_MIN = 1e-7;
    /** Trapezoid step in t, and its limit K / sqrt(w^2 + c^2) for a rule centred at c. */
    static final double H = 0.12;
    static final double K = 0.5;
    /** Start of the double-exponential map: exp(t - exp(-t)) at t = -3.6 is 4e-18. */
    static final double T_LO = -3.6;
    /** Conditional spreads below this use Gauss-Hermite for the inner integral. */
    static final double SIGMA_GH = 0.25;
    static final int N_GH = 12;
    /** Node buffer size: a rule has at most ~2 * 20 / 0.058 + 2 * 24 / 0.058 nodes. */
    static final int MAX_NODES = 2048;

    private static final double INV_SQRT_2PI = 0.3989422804014327;
    private static final double[] GH_X = new double[N_GH];
    private static final double[] GH_W = new double[N_GH];
    private static final ThreadLocal<double[][]> BUFFERS = ThreadLocal.withInitial(() -> new double[4][MAX_NODES]);

    static {
        GaussHermite gh = GaussHermite.of(N_GH);
        for (int i = 0; i < N_GH; i++) {
            GH_X[i] = gh.x[i] * Math.sqrt(2.0);
            GH_W[i] = gh.w[i] / Math.sqrt(Math.PI);
        }
    }

    /** Tables by (activation, q); least recently used dropped past TABLE_CACHE_SIZE. Guarded by itself. */
    private static final java.util.LinkedHashMap<TableKey, TableSlot> TABLES = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<TableKey, TableSlot> eldest) {
            return size() > TABLE_CACHE_SIZE;
        }
    };

    /** {@code who}: the name of a built-in activation (shared by every instance parsed from it), else the instance. */
    private record TableKey(Object who, double q) {
    }

    /** A table built once under its own lock (null when it did not verify). */
    private static final class TableSlot {
        AngleTable table;
        boolean built;
    }

    private final String name;
    private final boolean builtIn;
    private final DoubleUnaryOperator phi;
    private final DoubleUnaryOperator dphi;
    private final int degree;
    private final boolean smooth;
    private final double[] x;
    private final double[] w;

    /**
     * A user-supplied activation: phi, its derivative dphi, and {@link #ADAPTIVE} or a fixed
     * Gauss-Hermite degree 1..400. phi and dphi may have a kink at 0 (it is split there); kinks
     * elsewhere converge only algebraically.
     */
    public Quadrature(String name, DoubleUnaryOperator phi, DoubleUnaryOperator dphi, int degree) {
        this(name, phi, dphi, degree, false);
    }

    /**
     * As {@link #Quadrature(String, DoubleUnaryOperator, DoubleUnaryOperator, int)}; {@code smooth}
     * declares phi and dphi analytic on the real line (no kink at 0), which makes the adaptive
     * rule ~7x cheaper.
     */
    public Quadrature(String name, DoubleUnaryOperator phi, DoubleUnaryOperator dphi, int degree, boolean smooth) {
        this(name, phi, dphi, degree, smooth, false);
    }

    /**
     * {@code builtIn}: made by {@link Activations#parse}, so the name determines phi and its angle
     * tables are shared by every instance of that name (the Gram job parses the activation per tile).
     */
    Quadrature(String name, DoubleUnaryOperator phi, DoubleUnaryOperator dphi, int degree, boolean smooth, boolean builtIn) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("activation name must not be empty");
        }
        this.name = name;
        this.builtIn = builtIn;
        this.phi = phi;
        this.dphi = dphi;
        this.degree = degree;
        this.smooth = smooth;
        if (degree != ADAPTIVE) {
            GaussHermite gh = GaussHermite.of(degree);
            this.x = gh.x;
            this.w = new double[degree];
            for (int i = 0; i < degree; i++) {
                w[i] = gh.w[i] / Math.sqrt(Math.PI);
                x[i] = gh.x[i] * Math.sqrt(2.0);
            }
        } else {
            x = null;
            w = null;
        }
    }

    /** The fixed Gauss-Hermite degree, or {@link #ADAPTIVE}. */
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

    private static double pdf(double z) {
        return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    }

    private static double asinh(double v) {
        return v >= 0 ? Math.log(v + Math.sqrt(v * v + 1)) : -Math.log(-v + Math.sqrt(v * v + 1));
    }

    /**
     * Nodes z and weights (including the standard-normal density) for E[F(Z)] when F has its
     * sharpest feature, of width ~1/b in z, at {@code center}; returns the node count.
     */
    static int rule(double center, double b, boolean smooth, double[] z, double[] wt) {
        double c = Math.max(-T, Math.min(T, center));
        double width = Math.min(W_MAX, 1 / b);
        if (!(width >= W_MIN)) {
            width = W_MIN;
            smooth = false; // a transition sharper than W_MIN is integrated as a kink at c
        }
        double h = Math.min(H, K / Math.sqrt(width * width + c * c));
        int n = 0;
        if (smooth) {
            // z = c + width sinh(t), trapezoid in t over the t that map into [-T, T]
            int jlo = (int) Math.floor(asinh((-T - c) / width) / h);
            int jhi = (int) Math.ceil(asinh((T - c) / width) / h);
            double e = Math.exp(jlo * h);
            double step = Math.exp(h);
            for (int j = jlo; j <= jhi; j++, e *= step) {
                double ie = 1 / e;
                double zz = c + width * 0.5 * (e - ie);
                double ww = h * width * 0.5 * (e + ie) * pdf(zz);
                if (ww > 0) {
                    z[n] = zz;
                    wt[n] = ww;
                    n++;
                }
            }
            return n;
        }
        // split at c; each side z = c +- width exp(t - exp(-t)), which reaches c doubly exponentially
        int jlo = (int) Math.floor(T_LO / h);
        for (int dir = -1; dir <= 1; dir += 2) {
            double len = dir < 0 ? c + T : T - c;
            if (len <= 0) {
                continue;
            }
            for (int j = jlo; ; j++) {
                double t = j * h;
                double em = Math.exp(-t);
                double off = width * Math.exp(t - em);
                if (off > len) {
                    break;
                }
                double zz = c + dir * off;
                double ww = h * off * (1 + em) * pdf(zz);
                if (ww > 0) {
                    z[n] = zz;
                    wt[n] = ww;
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * E[f(u) f(v)] by the adaptive rule (ntk-math.md, "Quadrature for activations without a closed
     * form") and, when g is not null, E[g(u) g(v)] on the same nodes into out[1] (the nodes depend
     * on q1, q2, c only; each sum is formed exactly as it would be alone).
     */
    private double pairAdaptive(DoubleUnaryOperator f, DoubleUnaryOperator g, double q1, double q2, double cov, double[] out) {
        double s1 = Math.sqrt(q1);
        double s2 = Math.sqrt(q2);
        double nn = s1 * s2;
        double rho = nn == 0 ? 0.0 : AbRelu.clamp(cov / nn);
        double sr = Math.sqrt((1 - rho) * (1 + rho));
        double a = s2 * rho; // v = a z1 + sigma z2
        double sigma = s2 * sr;
        double absA = Math.abs(a);
        // outer feature scale: f(s1 z1), and E[f(v) | z1] whose features (width max(1, sigma) in v)
        // move at rate |a|; a kink of f at 0 is blurred to width sigma, resolved unless its effect
        // (~sigma^2 / |a|) is negligible
        double bOut = Math.max(s1, absA / Math.max(1, sigma));
        if (!smooth && sigma > 0 && sigma * sigma > 1e-14 * absA) {
            bOut = Math.max(bOut, absA / sigma);
        }
        double[][] buf = BUFFERS.get();
        double[] zo = buf[0];
        double[] wo = buf[1];
        double[] zi = buf[2];
        double[] wi = buf[3];
        int no = rule(0.0, bOut, smooth, zo, wo);
        boolean two = g != null;
        double total = 0;
        double total2 = 0;
        for (int i = 0; i < no; i++) {
            double z1 = zo[i];
            double m = a * z1;
            double inner = 0;
            double inner2 = 0;
            if (sigma == 0) {
                inner = f.applyAsDouble(m);
                inner2 = two ? g.applyAsDouble(m) : 0;
            } else if (sigma <= SIGMA_GH && (smooth || Math.abs(m) >= T * sigma)) {
                for (int j = 0; j < N_GH; j++) {
                    double v = m + sigma * GH_X[j];
                    inner += GH_W[j] * f.applyAsDouble(v);
                    if (two) {
                        inner2 += GH_W[j] * g.applyAsDouble(v);
                    }
                }
            } else {
                int ni = rule(-m / sigma, sigma, smooth, zi, wi);
                for (int j = 0; j < ni; j++) {
                    double v = m + sigma * zi[j];
                    inner += wi[j] * f.applyAsDouble(v);
                    if (two) {
                        inner2 += wi[j] * g.applyAsDouble(v);
                    }
                }
            }
            total += wo[i] * f.applyAsDouble(s1 * z1) * inner;
            if (two) {
                total2 += wo[i] * g.applyAsDouble(s1 * z1) * inner2;
            }
        }
        if (two) {
            out[1] = total2;
        }
        return total;
    }

    /** E[f(u)^2], u ~ N(0, q), by the adaptive rule. */
    private double singleAdaptive(DoubleUnaryOperator f, double q) {
        double s = Math.sqrt(q);
        double[][] buf = BUFFERS.get();
        int n = rule(0.0, s, smooth, buf[0], buf[1]);
        double total = 0;
        for (int i = 0; i < n; i++) {
            double v = f.applyAsDouble(s * buf[0][i]);
            total += buf[1][i] * v * v;
        }
        return total;
    }

    private double pair(DoubleUnaryOperator f, double q1, double q2, double c) {
        if (degree == ADAPTIVE) {
            return pairAdaptive(f, null, q1, q2, c, null);
        }
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
        if (degree == ADAPTIVE) {
            return singleAdaptive(f, q);
        }
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
    public void meanBoth(double q1, double q2, double c, double[] out) {
        if (degree == ADAPTIVE) {
            out[0] = pairAdaptive(phi, dphi, q1, q2, c, out);
        } else {
            out[0] = pair(phi, q1, q2, c);
            out[1] = pair(dphi, q1, q2, c);
        }
    }

    @Override
    public double meanPhiSq(double q) {
        return single(phi, q);
    }

    @Override
    public double meanDphiSq(double q) {
        return single(dphi, q);
    }

    /** True unless the system property {@link #TABLES_PROPERTY} is {@code false}. */
    public static boolean tablesEnabled() {
        return !"false".equalsIgnoreCase(System.getProperty(TABLES_PROPERTY, "true").trim());
    }

    /**
     * The {@link AngleTable} at variance q (> 0, finite) for the adaptive rule, or null (a fixed
     * Gauss-Hermite degree, which exists to reproduce other results entry by entry, or a table that
     * did not verify). Built on first use, ~0.05-4 s (docs/benchmarks.md), and kept per JVM in a
     * bounded cache keyed by the exact q, so the tiles an executor runs share it; concurrent callers
     * for the same q wait for one build.
     */
    public AngleTable angleTable(double q) {
        if (degree != ADAPTIVE) {
            return null;
        }
        TableSlot slot;
        synchronized (TABLES) {
            slot = TABLES.computeIfAbsent(new TableKey(builtIn ? name : this, q), k -> new TableSlot());
        }
        synchronized (slot) {
            if (!slot.built) {
                slot.table = AngleTable.build(this, q);
                slot.built = true;
            }
            return slot.table;
        }
    }

    /** True when phi and dphi were declared analytic (no kink at 0). */
    public boolean smooth() {
        return smooth;
    }

    @Override
    public String toString() {
        return degree == ADAPTIVE ? name : name + "@" + degree;
    }
}
