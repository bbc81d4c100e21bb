package org.sparkntk.io;

/**
 * A labelled synthetic Gaussian mixture, deterministic for a seed (pure Java, no Spark, no I/O).
 *
 * <p>Scale: K class centres c_k with i.i.d. N(0, 1) entries; row i draws its label uniformly
 * from 0..K-1 and its features as {@code x = (c_label + noise * z) / sqrt(1 + noise^2)} with
 * z ~ N(0, I_d). Every feature then has variance 1 over the draw of the centres, so
 * ||x||^2 / d is about 1, the scale at which the NTK parameterization's first layer
 * {@code sigma_w^2 x.x'/d} is O(1) (ntk-math.md, "Network and parameterization").
 * The optional regression target is {@code y = sin(w . x)} with w ~ N(0, I_d / d) drawn once
 * from the seed (so w . x is about N(0, 1)).
 *
 * <p>Determinism: every row has its own SplitMix64 stream keyed by (seed, row), and normals come
 * from Box-Muller with {@link StrictMath}, so a row's values depend only on (seed, row, d, K,
 * noise): the same on every JVM and platform, and independent of how the rows are chunked.
 */
public final class Synthetic {

    /** What to generate: N rows of dimension d in K classes. */
    public record Spec(long rows, int dim, int classes, long seed, double noise, boolean target) {
        public Spec {
            if (rows < 1) {
                throw new IllegalArgumentException("'rows' is " + rows + " but must be > 0");
            }
            if (dim < 1) {
                throw new IllegalArgumentException("'dim' is " + dim + " but must be > 0");
            }
            if (classes < 1) {
                throw new IllegalArgumentException("'classes' is " + classes + " but must be > 0");
            }
            if (!(noise >= 0) || Double.isInfinite(noise)) {
                throw new IllegalArgumentException("'noise' is " + noise + " but must be >= 0 and finite");
            }
        }
    }

    private static final long CENTRES_KEY = 0x6a09e667f3bcc908L;
    private static final long TARGET_KEY = 0xbb67ae8584caa73bL;
    private static final long ROW_KEY = 0x3c6ef372fe94f82bL;

    private final Spec spec;
    private final double[] centres; // K x d, row-major
    private final double[] w; // d, or null without a target
    private final double scale;

    public Synthetic(Spec spec) {
        this.spec = spec;
        int d = spec.dim();
        int k = spec.classes();
        this.centres = new double[Math.multiplyExact(k, d)];
        new Stream(spec.seed(), CENTRES_KEY).fillGaussian(centres, 0, centres.length);
        if (spec.target()) {
            this.w = new double[d];
            new Stream(spec.seed(), TARGET_KEY).fillGaussian(w, 0, d);
            double s = 1 / Math.sqrt(d);
            for (int j = 0; j < d; j++) {
                w[j] *= s;
            }
        } else {
            this.w = null;
        }
        this.scale = 1 / Math.sqrt(1 + spec.noise() * spec.noise());
    }

    public Spec spec() {
        return spec;
    }

    /** Class centre k (a copy). */
    public double[] centre(int k) {
        int d = spec.dim();
        double[] c = new double[d];
        System.arraycopy(centres, k * d, c, 0, d);
        return c;
    }

    /** Writes row {@code i}'s features into {@code x} (length d) and returns its label. */
    public int row(long i, double[] x) {
        int d = spec.dim();
        Stream s = new Stream(spec.seed(), ROW_KEY ^ Stream.mix64(i));
        int label = (int) (s.nextDouble() * spec.classes());
        s.fillGaussian(x, 0, d);
        double noise = spec.noise();
        int off = label * d;
        for (int j = 0; j < d; j++) {
            x[j] = (centres[off + j] + noise * x[j]) * scale;
        }
        return label;
    }

    /** The regression target of features {@code x}: sin(w . x). */
    public double target(double[] x) {
        if (w == null) {
            throw new IllegalStateException("spec has no target");
        }
        double dot = 0;
        for (int j = 0; j < x.length; j++) {
            dot += w[j] * x[j];
        }
        return StrictMath.sin(dot);
    }

    /** SplitMix64 (Steele, Lea and Flood 2014) with Box-Muller normals; fully specified here so output never depends on the JDK. */
    static final class Stream {
        private long state;

        Stream(long seed, long key) {
            this.state = mix64(seed ^ key) ^ key;
        }

        static long mix64(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }

        long nextLong() {
            state += 0x9e3779b97f4a7c15L;
            return mix64(state);
        }

        /** Uniform in [0, 1). */
        double nextDouble() {
            return (nextLong() >>> 11) * 0x1.0p-53;
        }

        /** Fills a[from, to) with N(0, 1) draws, two per Box-Muller pair. */
        void fillGaussian(double[] a, int from, int to) {
            int i = from;
            while (i < to) {
                double u1 = 1.0 - nextDouble(); // (0, 1]: log is finite
                double u2 = nextDouble();
                double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
                double t = 2 * Math.PI * u2;
                a[i++] = r * StrictMath.cos(t);
                if (i < to) {
                    a[i++] = r * StrictMath.sin(t);
                }
            }
        }
    }
}
