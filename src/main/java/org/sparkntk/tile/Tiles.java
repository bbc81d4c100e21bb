package org.sparkntk.tile;

import org.sparkntk.kernel.NetworkSpec;

/**
 * The tile kernel: NTK and NNGP of a row block a (m x d) against a column block b (n x d).
 * Steps: row norms, Gram product a b^T ({@link Gemm}), diagonal variances, layer recursion
 * ({@link Recursion}) for all requested depths in one pass.
 */
public final class Tiles {

    private Tiles() {
    }

    /**
     * Computes the tile with the implementations picked for this JVM ({@link TileKernels}).
     *
     * @param symmetric a and b are the same block (a diagonal tile): the result is exactly symmetric
     *                  and its diagonal equals the diagonal recursion exactly
     * @param depths    strictly increasing depths in 1..spec.depth(); ntk[k]/nngp[k] receive depth depths[k]
     * @param ntk       outputs (m*n each) or null; {@code nngp} likewise
     */
    public static void compute(NetworkSpec spec, double[] a, int m, double[] b, int n, int d, boolean symmetric,
                               int[] depths, double[][] ntk, double[][] nngp) {
        compute(spec, a, m, b, n, d, symmetric, depths, ntk, nngp, TileKernels.gemm(), TileKernels.recursion());
    }

    /** As {@link #compute(NetworkSpec, double[], int, double[], int, int, boolean, int[], double[][], double[][])} with given implementations. */
    public static void compute(NetworkSpec spec, double[] a, int m, double[] b, int n, int d, boolean symmetric,
                               int[] depths, double[][] ntk, double[][] nngp, Gemm gemm, Recursion recursion) {
        compute(spec, a, m, b, n, d, symmetric, depths, ntk, nngp, gemm, recursion, null);
    }

    /**
     * As above, with the Gram product written to {@code g} (m*n entries, any content; null: a new
     * array), so a caller running many tiles can reuse one scratch array.
     */
    public static void compute(NetworkSpec spec, double[] a, int m, double[] b, int n, int d, boolean symmetric,
                               int[] depths, double[][] ntk, double[][] nngp, Gemm gemm, Recursion recursion, double[] g) {
        if (d < 1) {
            throw new IllegalArgumentException("feature dimension is " + d + " but must be >= 1");
        }
        if (symmetric && (m != n)) {
            throw new IllegalArgumentException("a symmetric tile must be square, got " + m + " x " + n);
        }
        double[] na = Diagonal.squaredNorms(a, m, d);
        double[] nb = symmetric ? na : Diagonal.squaredNorms(b, n, d);
        if (g == null) {
            g = new double[m * n];
        } else if (g.length != m * n) {
            throw new IllegalArgumentException("scratch Gram tile has " + g.length + " entries, need " + m + " x " + n);
        }
        if (symmetric) {
            gemm.gemmAAt(a, m, d, g); // upper triangle only where the implementation can: half the flops
        } else {
            gemm.gemmABt(a, m, b, n, d, g);
        }
        double[] qa = Diagonal.variances(spec, na, m, d);
        double[] qb = symmetric ? qa : Diagonal.variances(spec, nb, n, d);
        int last = depths == null || depths.length == 0 ? spec.depth() : Math.min(spec.depth(), depths[depths.length - 1]);
        Diagonal.checkFinite(spec, qa, na, m, last, ntk != null);
        if (!symmetric) {
            Diagonal.checkFinite(spec, qb, nb, n, last, ntk != null);
        }
        recursion.recurse(spec, d, g, m, n, qa, qb, symmetric, depths, ntk, nngp);
    }

    /**
     * Runs small tiles of this spec (diagonal and off-diagonal, the requested outputs) until the JIT
     * has had about {@code millis} ms to compile the kernels, and returns the tiles run. The Vector API
     * code runs ~100x slower until C2 compiles it, so a JVM's first real tile would otherwise pay
     * for the compilation; a gram driver in local mode calls this on a spare thread while it reads
     * the input (docs/design.md, "Warm-up").
     */
    public static int warmUp(NetworkSpec spec, int[] depths, boolean ntk, boolean nngp, long millis) {
        int m = 192;
        int d = 48;
        java.util.Random r = new java.util.Random(7);
        double[] a = new double[m * d];
        double[] b = new double[m * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
            b[i] = r.nextGaussian();
        }
        double[][] nt = ntk ? new double[depths.length][m * m] : null;
        double[][] ng = nngp ? new double[depths.length][m * m] : null;
        long end = System.nanoTime() + millis * 1_000_000L;
        int tiles = 0;
        while (System.nanoTime() < end && tiles < 400 && !Thread.currentThread().isInterrupted()) {
            compute(spec, a, m, tiles % 2 == 0 ? a : b, m, d, tiles % 2 == 0, depths, nt, ng);
            tiles++;
        }
        return tiles;
    }

    /** Float input: widened to double once (compute is always float64). */
    public static double[] widen(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }
}
