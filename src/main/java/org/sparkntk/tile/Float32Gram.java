package org.sparkntk.tile;

import java.lang.ref.SoftReference;
import java.lang.ref.WeakReference;
import org.sparkntk.kernel.NetworkSpec;

/**
 * The Gram product of a tile in float32 ({@code --compute float32}), for the float64 recursion
 * (docs/ntk-math.md, "Float32 compute"):
 *
 * <ol>
 * <li>each block is converted to float once (per thread, cached by array identity, so a task's
 *     row block is converted once for all its tiles), every row scaled by a power of two that
 *     brings its largest |x| into [1, 2): no float overflow or underflow of products whatever
 *     the data's scale, and the scaling is undone exactly in double;</li>
 * <li>the float32 GEMM ({@link Gemm#sgemmABt}, float accumulation), widened to double;</li>
 * <li>every entry whose first-layer correlation rho1 = Sigma1(x, y) / sqrt(q1(x) q1(y)) (from the
 *     float32 product and the float64 diagonal) has |rho1| &gt; {@link #THRESHOLD} is recomputed
 *     as a float64 dot product: near rho1 = +-1 the ReLU family's angle amplifies an input error
 *     e to ~sqrt(2 e), the threshold keeps that amplification bounded (the section cited above).</li>
 * </ol>
 */
public final class Float32Gram {

    /**
     * |rho1| above which an entry is recomputed in float64. At |rho| &lt;= r the angle's derivative
     * is 1 / sqrt(1 - r^2) = 7.1 for r = 0.99, so the ReLU family's SigmaDot moves by at most
     * 7.1 f / ((a^2 + b^2)/2) per unit error of rho: 2.3 for relu, 4.5 for abs, against 1 for the
     * NNGP step (docs/ntk-math.md, "Float32 compute").
     */
    public static final double THRESHOLD = 0.99;

    /** u = 2^-24, float32's unit roundoff. */
    public static final double UNIT_ROUNDOFF = 0x1p-24;

    private Float32Gram() {
    }

    /**
     * The bound on the error of rho1 = Sigma1 / sqrt(q1 q1') from the float32 product at feature
     * dimension d: (d + 2) u (docs/ntk-math.md, "Float32 compute").
     */
    public static double rhoErrorBound(int d) {
        return (d + 2) * UNIT_ROUNDOFF * (1 + 1e-3);
    }

    /**
     * Fills g (m x n) with a b^T: the float32 product, then float64 dot products for the entries
     * with |rho1| above {@link #THRESHOLD} (on a symmetric tile only j &gt; i, which is all the
     * recursion reads off the diagonal). qa, qb: the layer-1 variances (the first m / n entries of
     * {@link Diagonal#variances}). Returns the number of entries recomputed.
     */
    public static long product(NetworkSpec spec, Gemm gemm, Rows a, Rows b, boolean symmetric, double[] qa, double[] qb,
                               double[] g) {
        int m = a.n();
        int n = b.n();
        int d = a.d();
        Converted fa = convert(a, 0);
        Converted fb = symmetric ? fa : convert(b, 1);
        float[] c = scratch(m * n);
        if (symmetric) {
            gemm.sgemmAAt(fa.x, m, d, c);
        } else {
            gemm.sgemmABt(fa.x, m, fb.x, n, d, c);
        }
        double scale = spec.sw2() / d;
        double b2 = spec.b2();
        double[] ra = new double[m];
        double[] rb = symmetric ? ra : new double[n];
        for (int i = 0; i < m; i++) {
            ra[i] = Math.sqrt(qa[i]);
        }
        if (!symmetric) {
            for (int j = 0; j < n; j++) {
                rb[j] = Math.sqrt(qb[j]);
            }
        }
        double[] x = a.x();
        double[] y = b.x();
        long recomputed = 0;
        for (int i = 0; i < m; i++) {
            double pi = fa.pow2[i];
            double ti = THRESHOLD * ra[i];
            int row = i * n;
            for (int j = 0; j < n; j++) {
                double v = (c[row + j] * pi) * fb.pow2[j];
                // the same expression as the recursion's first layer (Diagonal.variances)
                double s1 = scale * v + b2;
                if (Math.abs(s1) > ti * rb[j] && (!symmetric || j > i)) {
                    v = dot(x, i * d, y, j * d, d);
                    recomputed++;
                }
                g[row + j] = v;
            }
        }
        return recomputed;
    }

    /** sum_k x[xo + k] * y[yo + k] in double, in the order of {@link Diagonal#squaredNorms}. */
    static double dot(double[] x, int xo, double[] y, int yo, int d) {
        double s = 0;
        for (int k = 0; k < d; k++) {
            s += x[xo + k] * y[yo + k];
        }
        return s;
    }

    /** A block in float: row i is x_i * 2^-e_i rounded to float, pow2[i] = 2^e_i. */
    record Converted(float[] x, double[] pow2) {
    }

    /**
     * The float copy of a block (rows scaled by powers of two), from this thread's cache when the
     * same array was converted last in {@code slot} (0: row blocks, 1: column blocks).
     */
    static Converted convert(Rows r, int slot) {
        Entry[] cache = CACHE.get();
        Entry e = cache[slot];
        if (e != null && e.source.get() == r.x() && e.n == r.n() && e.d == r.d()) {
            Converted c = e.converted.get();
            if (c != null) {
                return c;
            }
        }
        Converted c = toFloat(r.x(), r.n(), r.d());
        cache[slot] = new Entry(new WeakReference<>(r.x()), r.n(), r.d(), new SoftReference<>(c));
        return c;
    }

    /** Converts n rows of dimension d, each scaled by 2^-e with e the exponent of its largest |x|. */
    static Converted toFloat(double[] x, int n, int d) {
        float[] f = new float[n * d];
        double[] pow2 = new double[n];
        for (int i = 0; i < n; i++) {
            int o = i * d;
            double max = 0;
            for (int k = 0; k < d; k++) {
                max = Math.max(max, Math.abs(x[o + k]));
            }
            int e = max > 0 && Double.isFinite(max) ? Math.getExponent(max) : 0;
            double down = Math.scalb(1.0, -e);
            pow2[i] = Math.scalb(1.0, e);
            for (int k = 0; k < d; k++) {
                f[o + k] = (float) (x[o + k] * down);
            }
        }
        return new Converted(f, pow2);
    }

    private record Entry(WeakReference<double[]> source, int n, int d, SoftReference<Converted> converted) {
    }

    private static final ThreadLocal<Entry[]> CACHE = ThreadLocal.withInitial(() -> new Entry[2]);

    private static final ThreadLocal<SoftReference<float[]>> SCRATCH = new ThreadLocal<>();

    /** This thread's float product array of at least {@code size} entries (kept softly between tiles). */
    private static float[] scratch(int size) {
        SoftReference<float[]> ref = SCRATCH.get();
        float[] s = ref == null ? null : ref.get();
        if (s == null || s.length < size) {
            s = new float[size];
            SCRATCH.set(new SoftReference<>(s));
        }
        return s;
    }
}
