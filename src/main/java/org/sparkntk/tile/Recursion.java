package org.sparkntk.tile;

import java.util.function.IntConsumer;
import org.sparkntk.kernel.NetworkSpec;

/**
 * The layer recursion over one tile (ntk-math.md, "The recursion"): from the raw Gram tile
 * g[i*n+j] = x_i . y_j and the per-layer diagonal variances, the NTK Theta and NNGP Sigma at the
 * requested depths. Implementations: {@link ScalarRecursion} (the reference, always compiled) and
 * a Vector API one; pick with {@link TileKernels#recursion()}. As {@link Gemm}: the public entry
 * checks the arguments once, then runs the implementation's check-free {@link #recurseK}.
 */
public abstract class Recursion {

    /** Implementation name for logs and {@code ntk doctor}, e.g. {@code scalar} or {@code vector-512}. */
    public abstract String name();

    /**
     * Fills {@code ntk[k]} and {@code nngp[k]} (row-major m x n, either array may be null to skip that
     * kernel) with the kernel at depth {@code depths[k]}.
     *
     * @param g         raw Gram tile, m x n row-major; not modified, except that the last NNGP output
     *                  {@code nngp[depths.length - 1]} may be g itself: that kernel is then computed in
     *                  place (every entry of g is read before its own output is written; on a
     *                  symmetric tile the lower triangle of g is never read), which spares the tile
     *                  kernel one m x n array and its memory stream
     * @param qa        diagonal variances of the rows, layer-major: qa[l*m+i] = Sigma(l+1)(x_i, x_i), l < L
     * @param qb        the same for the n columns
     * @param symmetric a diagonal tile (same rows as columns, m == n, g symmetric): only j > i is
     *                  computed and mirrored, so the result is exactly symmetric, and the diagonal is
     *                  set from qa exactly
     * @param depths    strictly increasing depths in 1..spec.depth()
     */
    public final void recurse(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                              boolean symmetric, int[] depths, double[][] ntk, double[][] nngp) {
        Recursions.checkArgs(spec, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp);
        recurseK(spec, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp);
    }

    /**
     * {@link #recurse}, telling {@code rowsDone} each time the first r rows of every output are
     * final (r increasing, m last), so a caller can write them out while the rest is computed. An
     * implementation may report only m, at the end.
     */
    public final void recurse(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                              boolean symmetric, int[] depths, double[][] ntk, double[][] nngp, IntConsumer rowsDone) {
        recurse(spec, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp, GRAM_READY, rowsDone);
    }

    /**
     * The reporting {@link #recurse} on a Gram tile that the caller fills as the recursion goes:
     * before reading any of g's rows i >= r it calls {@code rowsNeeded} with some r' > r (increasing,
     * m at most), and the caller must then have filled g's rows below r' (on a symmetric tile, their
     * entries j >= i; nothing else of g may change). So the Gram product can be computed a panel at a
     * time between the recursion's strips ({@link Tiles}), and the first rows are final, and
     * written, before the whole product is done. An implementation may ask for m at once.
     */
    public final void recurse(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                              boolean symmetric, int[] depths, double[][] ntk, double[][] nngp, IntConsumer rowsNeeded,
                              IntConsumer rowsDone) {
        Recursions.checkArgs(spec, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp);
        recurseRowsK(spec, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp, rowsNeeded, rowsDone);
    }

    /** The rowsNeeded of a Gram tile that is complete before the recursion starts. */
    private static final IntConsumer GRAM_READY = r -> {
    };

    /** {@link #recurse} on arguments already checked. */
    protected abstract void recurseK(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                                     boolean symmetric, int[] depths, double[][] ntk, double[][] nngp);

    /**
     * The reporting {@link #recurse} on arguments already checked; by default the whole Gram tile
     * first and every row at the end.
     */
    protected void recurseRowsK(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                                boolean symmetric, int[] depths, double[][] ntk, double[][] nngp, IntConsumer rowsNeeded,
                                IntConsumer rowsDone) {
        rowsNeeded.accept(m);
        recurseK(spec, n0, g, m, n, qa, qb, symmetric, depths, ntk, nngp);
        rowsDone.accept(m);
    }
}
