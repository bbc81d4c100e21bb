package org.sparkntk.tile.panama;

import java.util.function.IntConsumer;
import org.sparkntk.kernel.AbRelu;
import org.sparkntk.kernel.Activation;
import org.sparkntk.kernel.Erf;
import org.sparkntk.kernel.Gelu;
import org.sparkntk.kernel.Identity;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.kernel.Trig;
import org.sparkntk.tile.Diagonal;
import org.sparkntk.tile.FanOut;
import org.sparkntk.tile.Recursion;
import org.sparkntk.tile.Recursions;
import org.sparkntk.tile.ScalarRecursion;

/**
 * The layer recursion with the Vector API, fused across layers: for each row i and each strip of
 * {@link #CHUNK} columns, all layers run on two work rows (Sigma, Theta) that stay in L1, and the
 * requested depths are copied out as they are reached. Same formulas as the closed forms in
 * {@code org.sparkntk.kernel} (ntk-math.md, "Closed forms"), evaluated in the same order so the
 * results agree with {@link ScalarRecursion} to a few ulps; quadrature activations delegate to it.
 *
 * <p>Tails: per-column inputs are padded to a multiple of the vector length with benign values,
 * so the last partial vector runs the same vector formula on finite padding and only the valid
 * lanes are copied out (no separate scalar formula to keep in sync).
 *
 * <p>{@code threads > 1} splits a tile over threads into contiguous row ranges of equal work
 * (for benchmarks; Spark calls it with one thread per task). Interleaved 8-row blocks measured
 * the same at best but 20-50% slower in about half the runs at 2048 x 2048, presumably the two
 * cores' prefetchers running into each other's rows.
 */
public final class PanamaRecursion extends Recursion {

    /** Columns per strip: two work rows of this length plus the column inputs stay in L1 (256, 512, 1024 measured within noise). */
    static final int CHUNK = 256;
    /** Fewest rows per thread worth a thread of its own. */
    private static final int MIN_ROWS = 8;

    private final int threads;
    private final ScalarRecursion scalar = new ScalarRecursion();

    /** Single-threaded (what Spark tasks use). */
    public PanamaRecursion() {
        this(1);
    }

    /** Splits each tile over {@code threads} threads by row ranges. */
    public PanamaRecursion(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("'threads' is " + threads + " but must be >= 1");
        }
        this.threads = threads;
    }

    @Override
    public String name() {
        return "vector-" + VectorKernels.BITS;
    }

    @Override
    protected void recurseK(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                            boolean symmetric, int[] depths, double[][] ntk, double[][] nngp) {
        Activation act = spec.activation();
        LayerKernel kernel = LayerKernel.of(act);
        if (kernel == null) {
            scalar.recurse(spec, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp);
            return;
        }
        if (m > 0 && n > 0) {
            Task task = new Task(spec, kernel, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp);
            run(task, m, n, symmetric);
        }
        if (symmetric) {
            Recursions.finishSymmetric(spec, m, qa, depths, ntk, nngp);
        }
    }

    /**
     * Rows per reported strip: at 4096 columns, 2 MiB of each output, so a writer streaming the
     * finished rows is never far behind.
     */
    static final int STRIP_ROWS = 64;

    @Override
    protected void recurseRowsK(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                                boolean symmetric, int[] depths, double[][] ntk, double[][] nngp, IntConsumer rowsNeeded,
                                IntConsumer rowsDone) {
        LayerKernel kernel = LayerKernel.of(spec.activation());
        if (kernel == null || threads > 1 || m == 0 || n == 0) {
            super.recurseRowsK(spec, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp, rowsNeeded, rowsDone);
            return;
        }
        Task task = new Task(spec, kernel, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp);
        // a symmetric tile's strip is final once its lower triangle is copied from the rows above
        // (all computed by then) and its diagonal set: the same copies as the whole tile's mirror
        double[] td = symmetric && ntk != null ? Diagonal.ntkDiagonal(spec, qa, m) : null;
        for (int lo = 0; lo < m; lo += STRIP_ROWS) {
            int hi = Math.min(m, lo + STRIP_ROWS);
            rowsNeeded.accept(hi);
            task.rows(lo, hi);
            if (symmetric) {
                Recursions.finishSymmetricRows(m, qa, td, depths, ntk, nngp, lo, hi);
            }
            rowsDone.accept(hi);
        }
    }

    private void run(Task task, int m, int n, boolean symmetric) {
        int t = Math.min(threads, (m + MIN_ROWS - 1) / MIN_ROWS);
        if (t <= 1) {
            task.rows(0, m);
            return;
        }
        FanOut.run("ntk-recursion", split(m, n, symmetric, t), task::rows);
    }

    /**
     * Row bounds b[0] = 0 <= b[1] <= ... <= b[t] = m of t contiguous ranges with equal work: n
     * entries per row, or n - i - 1 for row i of a symmetric tile (its upper triangle).
     */
    static int[] split(int m, int n, boolean symmetric, int t) {
        int[] bounds = new int[t + 1];
        double total = symmetric ? (double) m * (m - 1) / 2 : (double) m * n;
        double done = 0;
        int w = 1;
        for (int i = 0; i < m && w < t; i++) {
            done += symmetric ? n - i - 1 : n;
            while (w < t && done >= total * w / t) {
                bounds[w++] = i + 1;
            }
        }
        while (w < t) {
            bounds[w++] = m;
        }
        bounds[t] = m;
        return bounds;
    }

    /** One recursion call: the per-column inputs (prepared once) and the per-row loop. */
    private static final class Task {
        final NetworkSpec spec;
        final LayerKernel kernel;
        final double[] g;
        final int m;
        final int n;
        final double[] qa;
        final double[] qb;
        final boolean symmetric;
        final int[] depths;
        final double[][] ntk;
        final double[][] nngp;
        final double scale;
        final double b2;
        /** Column inputs per layer l < L-1, layer stride {@link #stride} (padded). */
        final double[][] cols;
        final int stride;

        Task(NetworkSpec spec, LayerKernel kernel, int n0, double[] g, int m, int n, double[] qa, double[] qb,
             boolean symmetric, int[] depths, double[][] ntk, double[][] nngp) {
            this.spec = spec;
            this.kernel = kernel;
            this.g = g;
            this.m = m;
            this.n = n;
            this.qa = qa;
            this.qb = qb;
            this.symmetric = symmetric;
            this.depths = depths;
            this.ntk = ntk;
            this.nngp = nngp;
            this.scale = spec.sw2() / n0;
            this.b2 = spec.b2();
            int last = depths[depths.length - 1];
            this.stride = n + VectorKernels.LANES;
            this.cols = kernel.columns(qb, n, Math.max(0, last - 1), stride);
        }

        /** Rows lo .. hi-1. */
        void rows(int lo, int hi) {
            double[] s0 = new double[CHUNK];
            double[] s = new double[CHUNK];
            double[] t = ntk == null ? null : new double[CHUNK];
            double[] rowc = new double[kernel.rowWidth()];
            int[] hitIdx = new int[CHUNK];
            double[] hitT = new double[CHUNK];
            for (int i = lo; i < hi; i++) {
                for (int j0 = symmetric ? i + 1 : 0; j0 < n; j0 += CHUNK) {
                    strip(i, j0, Math.min(CHUNK, n - j0), s0, s, t, rowc, hitIdx, hitT);
                }
            }
        }

        /**
         * All layers for row i, columns j0 .. j0+len-1. The full vectors run from the work rows
         * (or the last output written) into the work rows, or at a requested depth straight into
         * the output arrays; the last partial vector runs padded in the work rows and its valid
         * lanes are copied out. Sigma(1) is s0: computed by {@link VectorKernels#first}, or, for
         * kernels that read the Gram tile themselves, saved by their first layer.
         */
        private void strip(int i, int j0, int len, double[] s0, double[] s, double[] t, double[] rowc, int[] hitIdx, double[] hitT) {
            int padded = VectorKernels.roundUp(len);
            int full = len - len % VectorKernels.LANES;
            int base = i * n + j0;
            boolean fused = kernel.readsGram() && full > 0 && depths[depths.length - 1] > 1;
            VectorKernels.first(g, base + (fused ? full : 0), len - (fused ? full : 0), padded - (fused ? full : 0),
                    scale, b2, s0, fused ? full : 0);
            boolean depth1 = depths[0] == 1;
            int k = depth1 ? 1 : 0;
            if (depth1 && !fused) {
                store(0, base, 0, len, s0, t == null ? null : s0);
            }
            // Theta(1) = Sigma(1): the first layer reads Theta from s0 too (the kernels load Theta
            // before they store Sigma), so no copy
            double[] sCur = s0;
            double[] tCur = t == null ? null : s0;
            int off = 0;
            for (int l = 1; k < depths.length; l++) {
                kernel.row(qa, (l - 1) * m + i, rowc);
                boolean record = depths[k] == l + 1;
                double[] sOut = record && nngp != null ? nngp[k] : s;
                double[] tOut = t == null ? null : (record ? ntk[k] : t);
                int so = sOut == s ? 0 : base;
                int to = tOut == t ? 0 : base;
                double q1 = qa[(l - 1) * m + i];
                double[] sTail = l == 1 ? s0 : s;
                double[] tTail = t == null ? null : (l == 1 ? s0 : t);
                // identical rows (s == q1 == q2): the diagonal maps, as ScalarRecursion does; rare, so
                // found by a vector scan and patched after the layer
                int hits = 0;
                if (l == 1 && fused) {
                    kernel.layerFromGram(spec, g, base, scale, s0, sOut, so, tOut, to, full, cols[0], stride, j0, rowc);
                } else {
                    hits = identical(sCur, sCur == s || sCur == s0 ? 0 : off, tCur, tCur == t || tCur == s0 ? 0 : off, full,
                            sTail, tTail, len, q1, (l - 1) * n + j0, hitIdx, hitT);
                    if (full > 0) {
                        kernel.layer(spec, sCur, sCur == s || sCur == s0 ? 0 : off, tCur, tCur == t || tCur == s0 ? 0 : off,
                                sOut, so, tOut, to, full, cols[l - 1], stride, j0, rowc);
                    }
                }
                if (padded > full) {
                    kernel.layer(spec, sTail, full, tTail, full, s, full, t, full,
                            VectorKernels.LANES, cols[l - 1], stride, j0 + full, rowc);
                }
                if (l == 1 && fused) {
                    // s0 now holds Sigma(1) whole; the kernel has not looked for identical rows
                    hits = identical(s0, 0, t == null ? null : s0, 0, full, s0, t == null ? null : s0, len, q1,
                            j0, hitIdx, hitT);
                    if (depth1) {
                        store(0, base, 0, len, s0, t == null ? null : s0);
                    }
                }
                for (int h = 0; h < hits; h++) {
                    int j = hitIdx[h];
                    double sNew = spec.sw2() * spec.activation().meanPhiSq(q1) + spec.b2();
                    boolean work = j >= full;
                    if (work) {
                        s[j] = sNew;
                    } else {
                        sOut[so + j] = sNew;
                    }
                    if (t != null) {
                        double tNew = hitT[h] * (spec.sw2() * spec.activation().meanDphiSq(q1)) + sNew;
                        if (work) {
                            t[j] = tNew;
                        } else {
                            tOut[to + j] = tNew;
                        }
                    }
                }
                sCur = sOut;
                tCur = tOut;
                off = base;
                if (record) {
                    store(k++, base, full, len, s, t);
                }
            }
        }

        /**
         * Entries j < len whose Sigma equals both variances q1 and qb[qOff + j] exactly (a pair of
         * identical rows): their indices into hitIdx and their Theta into hitT; returns the count.
         * Entries j < full are read at sIn[si + j], the padded tail at s[j].
         */
        private int identical(double[] sIn, int si, double[] tIn, int ti, int full, double[] s, double[] t, int len,
                              double q1, int qOff, int[] hitIdx, double[] hitT) {
            int hits = 0;
            boolean any = full > 0 && VectorKernels.anyEqual(sIn, si, full, q1);
            if (!any && !(full < len && VectorKernels.anyEqual(s, full, VectorKernels.LANES, q1))) {
                return 0;
            }
            for (int j0 = 0; j0 < len; j0 += VectorKernels.LANES) {
                int end = Math.min(len, j0 + VectorKernels.LANES);
                for (int j = j0; j < end; j++) {
                    double sv = j < full ? sIn[si + j] : s[j];
                    if (sv == q1 && sv == qb[qOff + j]) {
                        hitIdx[hits] = j;
                        if (t != null) {
                            hitT[hits] = j < full ? tIn[ti + j] : t[j];
                        }
                        hits++;
                    }
                }
            }
            return hits;
        }

        /** Copies work-row entries from .. to-1 of the requested depth k to the outputs. */
        private void store(int k, int base, int from, int to, double[] s, double[] t) {
            if (to <= from) {
                return;
            }
            if (nngp != null) {
                System.arraycopy(s, from, nngp[k], base + from, to - from);
            }
            if (t != null) {
                System.arraycopy(t, from, ntk[k], base + from, to - from);
            }
        }
    }

    /** The per-activation-family layer update, vectorized in {@link VectorKernels}. */
    abstract static class LayerKernel {

        static LayerKernel of(Activation act) {
            if (act instanceof AbRelu r) {
                return new AbReluKernel(r);
            }
            if (act instanceof Erf) {
                return new ErfKernel();
            }
            if (act instanceof Gelu) {
                return new GeluKernel();
            }
            if (act instanceof Trig tr) {
                return new TrigKernel(tr.sine());
            }
            if (act instanceof Identity) {
                return new IdentityKernel();
            }
            return null;
        }

        /** True when {@link #layerFromGram} computes the first layer straight from the Gram tile. */
        boolean readsGram() {
            return false;
        }

        /**
         * The first layer over [0, full) from g[gi ..] (Sigma(1) = scale g + b2, saved to
         * sigma1[0 ..]; Theta(1) = Sigma(1)); only when {@link #readsGram}.
         */
        void layerFromGram(NetworkSpec spec, double[] g, int gi, double scale, double[] sigma1, double[] sOut, int so,
                           double[] tOut, int to, int full, double[] col, int stride, int j0, double[] rowc) {
            throw new UnsupportedOperationException();
        }

        /** Per-column inputs for layers 0..layers-1: arrays of layers*stride, padding benign (q = 1). */
        abstract double[][] columns(double[] qb, int n, int layers, int stride);

        /** Number of per-row scalars. */
        abstract int rowWidth();

        /** The per-row scalars of variance q = qa[idx] into out. */
        abstract void row(double[] qa, int idx, double[] out);

        /** One layer on s (and t when not null) over [0, padded), columns from j0 of layer l's inputs. */
        abstract void layer(NetworkSpec spec, double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so,
                            double[] tOut, int to, int padded, double[] col, int stride, int j0, double[] rowc);

        /** Lays out f(qb[l*n+j]) per layer with padding value f(1). */
        static double[] perLayer(double[] qb, int n, int layers, int stride, java.util.function.DoubleUnaryOperator f) {
            double[] out = new double[layers * stride];
            double pad = f.applyAsDouble(1.0);
            for (int l = 0; l < layers; l++) {
                for (int j = 0; j < n; j++) {
                    out[l * stride + j] = f.applyAsDouble(qb[l * n + j]);
                }
                for (int j = n; j < stride; j++) {
                    out[l * stride + j] = pad;
                }
            }
            return out;
        }
    }

    /** AbRelu: columns sqrt(q) and AbRelu.inverseRoot(q); row scalars the same. */
    static final class AbReluKernel extends LayerKernel {
        final double half;
        final double f;

        AbReluKernel(AbRelu r) {
            this.half = r.half();
            this.f = r.f();
        }

        @Override
        double[][] columns(double[] qb, int n, int layers, int stride) {
            return pack(layers, stride, perLayer(qb, n, layers, stride, Math::sqrt),
                    perLayer(qb, n, layers, stride, AbRelu::inverseRoot));
        }

        @Override
        int rowWidth() {
            return 2;
        }

        @Override
        void row(double[] qa, int idx, double[] out) {
            out[0] = Math.sqrt(qa[idx]);
            out[1] = AbRelu.inverseRoot(qa[idx]);
        }

        @Override
        boolean readsGram() {
            return true;
        }

        @Override
        void layerFromGram(NetworkSpec spec, double[] g, int gi, double scale, double[] sigma1, double[] sOut, int so,
                           double[] tOut, int to, int full, double[] col, int stride, int j0, double[] rowc) {
            VectorKernels.abReluFromGram(g, gi, scale, sigma1, tOut != null, sOut, so, tOut, to, full, col, stride, j0,
                    rowc[0], rowc[1], half, f, spec.sw2(), spec.b2());
        }

        @Override
        void layer(NetworkSpec spec, double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so,
                   double[] tOut, int to, int padded, double[] col, int stride, int j0, double[] rowc) {
            if (tIn == null) {
                VectorKernels.abReluNngp(sIn, si, sOut, so, padded, col, stride, j0, rowc[0], rowc[1], half, f, spec.sw2(), spec.b2());
            } else {
                VectorKernels.abReluBoth(sIn, si, tIn, ti, sOut, so, tOut, to, padded, col, stride, j0, rowc[0], rowc[1],
                        half, f, spec.sw2(), spec.b2());
            }
        }
    }

    /** Erf: per column sqrt(q), sqrt(q/(1+2q)), u = 1/(1+2q), sqrt(u) and q*u, the exact sub-expressions of {@link Erf}. */
    static final class ErfKernel extends LayerKernel {
        @Override
        double[][] columns(double[] qb, int n, int layers, int stride) {
            double[] sq = perLayer(qb, n, layers, stride, Math::sqrt);
            double[] sw = perLayer(qb, n, layers, stride, q -> Math.sqrt(q / (1 + 2 * q)));
            double[] u = perLayer(qb, n, layers, stride, q -> 1 / (1 + 2 * q));
            double[] su = perLayer(qb, n, layers, stride, q -> Math.sqrt(1 / (1 + 2 * q)));
            double[] w = perLayer(qb, n, layers, stride, q -> q * (1 / (1 + 2 * q)));
            return pack(layers, stride, sq, sw, u, su, w);
        }

        @Override
        int rowWidth() {
            return 5;
        }

        @Override
        void row(double[] qa, int idx, double[] out) {
            double q = qa[idx];
            double u = 1 / (1 + 2 * q);
            out[0] = Math.sqrt(q);
            out[1] = Math.sqrt(q / (1 + 2 * q));
            out[2] = u;
            out[3] = Math.sqrt(u);
            out[4] = q * u;
        }

        @Override
        void layer(NetworkSpec spec, double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so,
                   double[] tOut, int to, int padded, double[] col, int stride, int j0, double[] rowc) {
            VectorKernels.erf(sIn, si, tIn, ti, sOut, so, tOut, to, padded, col, stride, j0, rowc, spec.sw2(), spec.b2());
        }
    }

    /** Gelu: per column q, sqrt(q), sqrt(1+q), q/(1+q), 1+q. */
    static final class GeluKernel extends LayerKernel {
        @Override
        double[][] columns(double[] qb, int n, int layers, int stride) {
            double[] q = perLayer(qb, n, layers, stride, x -> x);
            double[] sq = perLayer(qb, n, layers, stride, Math::sqrt);
            double[] s1 = perLayer(qb, n, layers, stride, x -> Math.sqrt(1 + x));
            double[] r = perLayer(qb, n, layers, stride, x -> x / (1 + x));
            double[] p1 = perLayer(qb, n, layers, stride, x -> 1 + x);
            return pack(layers, stride, q, sq, s1, r, p1);
        }

        @Override
        int rowWidth() {
            return 5;
        }

        @Override
        void row(double[] qa, int idx, double[] out) {
            double q = qa[idx];
            out[0] = q;
            out[1] = Math.sqrt(q);
            out[2] = Math.sqrt(1 + q);
            out[3] = q / (1 + q);
            out[4] = 1 + q;
        }

        @Override
        void layer(NetworkSpec spec, double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so,
                   double[] tOut, int to, int padded, double[] col, int stride, int j0, double[] rowc) {
            VectorKernels.gelu(sIn, si, tIn, ti, sOut, so, tOut, to, padded, col, stride, j0, rowc, spec.sw2(), spec.b2());
        }
    }

    /** sin / cos: per column q. */
    static final class TrigKernel extends LayerKernel {
        final boolean sine;

        TrigKernel(boolean sine) {
            this.sine = sine;
        }

        @Override
        double[][] columns(double[] qb, int n, int layers, int stride) {
            return pack(layers, stride, perLayer(qb, n, layers, stride, x -> x));
        }

        @Override
        int rowWidth() {
            return 1;
        }

        @Override
        void row(double[] qa, int idx, double[] out) {
            out[0] = qa[idx];
        }

        @Override
        void layer(NetworkSpec spec, double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so,
                   double[] tOut, int to, int padded, double[] col, int stride, int j0, double[] rowc) {
            VectorKernels.trig(sine, sIn, si, tIn, ti, sOut, so, tOut, to, padded, col, j0, rowc[0], spec.sw2(), spec.b2());
        }
    }

    /** Identity: no column inputs. */
    static final class IdentityKernel extends LayerKernel {
        @Override
        double[][] columns(double[] qb, int n, int layers, int stride) {
            return new double[layers][0];
        }

        @Override
        int rowWidth() {
            return 0;
        }

        @Override
        void row(double[] qa, int idx, double[] out) {
        }

        @Override
        void layer(NetworkSpec spec, double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so,
                   double[] tOut, int to, int padded, double[] col, int stride, int j0, double[] rowc) {
            VectorKernels.identity(sIn, si, tIn, ti, sOut, so, tOut, to, padded, spec.sw2(), spec.b2());
        }
    }

    /** Per layer l, the k per-column arrays concatenated: out[l][a*stride + j] = arrays[a][l*stride + j]. */
    static double[][] pack(int layers, int stride, double[]... arrays) {
        double[][] out = new double[layers][stride * arrays.length];
        for (int l = 0; l < layers; l++) {
            for (int a = 0; a < arrays.length; a++) {
                System.arraycopy(arrays[a], l * stride, out[l], a * stride, stride);
            }
        }
        return out;
    }
}
