package org.sparkntk.tile;

import java.util.function.IntConsumer;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.spec.Precision;

/**
 * The tile kernel: NTK and NNGP of a row block a (m x d) against a column block b (n x d).
 * Steps: row norms, diagonal variances, Gram product a b^T ({@link Gemm}; float32 with
 * {@code --compute float32}, {@link Float32Gram}), layer recursion
 * ({@link Recursion}) for all requested depths in one pass.
 */
public final class Tiles {

    private Tiles() {
    }

    /**
     * Computes the tile with the implementations picked for this JVM ({@link TileKernels}).
     *
     * @param k         what to compute: ntk[i] / nngp[i] receive depth k.depths()[i]
     * @param symmetric a and b are the same block (a diagonal tile): the result is exactly symmetric
     *                  and its diagonal equals the diagonal recursion exactly
     * @param ntk       one m*n output per depth when k has ntk, else null; {@code nngp} likewise
     * @return the entries of the Gram product recomputed in float64 (float32 compute only; else 0)
     */
    public static long compute(KernelSpec k, Rows a, Rows b, boolean symmetric, double[][] ntk, double[][] nngp) {
        return compute(k, a, b, symmetric, ntk, nngp, TileKernels.gemm(), TileKernels.recursion(), null);
    }

    /**
     * As {@link #compute(KernelSpec, Rows, Rows, boolean, double[][], double[][])} with given
     * implementations and the Gram product written to {@code g} (m*n entries, any content; null: a
     * new array), so a caller running many tiles can reuse one scratch array. With
     * {@code k.compute()} float32 the product is {@link Float32Gram#product} on the GEMM's float32
     * entry points.
     *
     * @return the entries of the Gram product recomputed in float64 (float32 compute only; else 0)
     */
    public static long compute(KernelSpec k, Rows a, Rows b, boolean symmetric, double[][] ntk, double[][] nngp,
                               Gemm gemm, Recursion recursion, double[] g) {
        return compute(k, a, b, symmetric, ntk, nngp, gemm, recursion, g, null);
    }

    /**
     * As {@link #compute(KernelSpec, Rows, Rows, boolean, double[][], double[][], Gemm, Recursion, double[])},
     * telling {@code rowsDone} (unless null) as the outputs' first rows become final ({@link Recursion#recurse(NetworkSpec,
     * int, double[], int, int, double[], double[], boolean, int[], double[][], double[][], IntConsumer, IntConsumer)}).
     * With rowsDone and float64 compute the Gram product is computed {@link #PANEL_ROWS} rows at a
     * time as the recursion reaches them, so the first rows are final after one panel's GEMM, not
     * the whole tile's: a writer streaming them then overlaps the tile's GEMM as well as its
     * recursion.
     */
    public static long compute(KernelSpec k, Rows a, Rows b, boolean symmetric, double[][] ntk, double[][] nngp,
                               Gemm gemm, Recursion recursion, double[] g, IntConsumer rowsDone) {
        int m = a.n();
        int n = b.n();
        int d = a.d();
        if (b.d() != d) {
            throw new IllegalArgumentException("the blocks have feature dimensions " + d + " and " + b.d());
        }
        if (symmetric && (m != n)) {
            throw new IllegalArgumentException("a symmetric tile must be square, got " + m + " x " + n);
        }
        if ((ntk != null) != k.has(KernelKind.NTK) || (nngp != null) != k.has(KernelKind.NNGP)) {
            throw new IllegalArgumentException("outputs given for ntk " + (ntk != null) + ", nngp " + (nngp != null)
                    + " but the spec computes " + k.kernels());
        }
        NetworkSpec spec = k.network();
        double[] na = Diagonal.squaredNorms(a.x(), m, d);
        double[] nb = symmetric ? na : Diagonal.squaredNorms(b.x(), n, d);
        if (g == null) {
            g = new double[m * n];
        } else if (g.length != m * n) {
            throw new IllegalArgumentException("scratch Gram tile has " + g.length + " entries, need " + m + " x " + n);
        }
        double[] qa = Diagonal.variances(spec, na, m, d);
        double[] qb = symmetric ? qa : Diagonal.variances(spec, nb, n, d);
        Diagonal.checkFinite(spec, qa, na, m, k.deepest(), ntk != null);
        if (!symmetric) {
            Diagonal.checkFinite(spec, qb, nb, n, k.deepest(), ntk != null);
        }
        long recomputed = 0;
        if (rowsDone != null && k.compute() != Precision.FLOAT32) {
            recursion.recurse(spec, d, g, m, n, qa, qb, symmetric, k.depthArray(), ntk, nngp,
                    new GramPanels(gemm, a.x(), b.x(), m, n, d, symmetric, g), rowsDone);
            return 0;
        }
        if (k.compute() == Precision.FLOAT32) {
            recomputed = Float32Gram.product(spec, gemm, a, b, symmetric, qa, qb, g);
        } else if (symmetric) {
            gemm.gemmAAt(a.x(), m, d, g); // upper triangle only where the implementation can: half the flops
        } else {
            gemm.gemmABt(a.x(), m, b.x(), n, d, g);
        }
        if (rowsDone == null) {
            recursion.recurse(spec, d, g, m, n, qa, qb, symmetric, k.depthArray(), ntk, nngp);
        } else {
            recursion.recurse(spec, d, g, m, n, qa, qb, symmetric, k.depthArray(), ntk, nngp, rowsDone);
        }
        return recomputed;
    }

    /**
     * Rows per Gram panel: each panel packs the column block again, so at 4096 columns and d = 784
     * 1024-row panels cost 0.5% over one product of the whole tile with native OpenBLAS and 4% with
     * the Vector API GEMM, 512-row ones 3.5% and 11% (GemmPanelsCpuTime; docs/benchmarks.md, "Stop 28").
     */
    static final int PANEL_ROWS = 1024;

    /**
     * The Gram tile's rows in panels of {@link #PANEL_ROWS}, computed as the recursion asks for
     * them; on a symmetric tile each panel's entries j >= i: its diagonal block (symmetric) and the
     * block right of it, the same flops as the whole upper triangle.
     */
    private static final class GramPanels implements IntConsumer {
        private final Gemm gemm;
        private final double[] a;
        private final double[] b;
        private final int m;
        private final int n;
        private final int d;
        private final boolean symmetric;
        private final double[] g;
        private int done;

        GramPanels(Gemm gemm, double[] a, double[] b, int m, int n, int d, boolean symmetric, double[] g) {
            this.gemm = gemm;
            this.a = a;
            this.b = b;
            this.m = m;
            this.n = n;
            this.d = d;
            this.symmetric = symmetric;
            this.g = g;
        }

        @Override
        public void accept(int rows) {
            while (done < Math.min(rows, m)) {
                int lo = done;
                int hi = Math.min(m, lo + PANEL_ROWS);
                if (symmetric) {
                    gemm.gemmAAt(a, lo * d, hi - lo, d, g, lo * n + lo, n);
                    gemm.gemmABt(a, lo * d, hi - lo, a, hi * d, n - hi, d, g, lo * n + hi, n);
                } else {
                    gemm.gemmABt(a, lo * d, hi - lo, b, 0, n, d, g, lo * n, n);
                }
                done = hi;
            }
        }
    }

    /**
     * Runs small tiles of this spec (diagonal and off-diagonal, the requested outputs) until the JIT
     * has had about {@code millis} ms to compile the kernels, and returns the tiles run. The Vector API
     * code runs ~100x slower until C2 compiles it, so a JVM's first real tile would otherwise pay
     * for the compilation; a gram driver in local mode calls this on a spare thread while it reads
     * the input (docs/design.md, "Start-up and JIT warm-up").
     */
    public static int warmUp(KernelSpec k, long millis) {
        int m = 192;
        int d = 48;
        java.util.Random r = new java.util.Random(7);
        double[] a = new double[m * d];
        double[] b = new double[m * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
            b[i] = r.nextGaussian();
        }
        int depths = k.depths().size();
        double[][] nt = k.has(KernelKind.NTK) ? new double[depths][m * m] : null;
        double[][] ng = k.has(KernelKind.NNGP) ? new double[depths][m * m] : null;
        Rows ra = new Rows(a, m, d);
        Rows rb = new Rows(b, m, d);
        long end = System.nanoTime() + millis * 1_000_000L;
        int tiles = 0;
        while (System.nanoTime() < end && tiles < 400 && !Thread.currentThread().isInterrupted()) {
            compute(k, ra, tiles % 2 == 0 ? ra : rb, tiles % 2 == 0, nt, ng);
            tiles++;
        }
        return tiles;
    }
}
