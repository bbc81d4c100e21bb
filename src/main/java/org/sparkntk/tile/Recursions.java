package org.sparkntk.tile;

import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.spec.KernelSpec;

/** Shared argument checks and the symmetric-tile finish for {@link Recursion} implementations. */
public final class Recursions {

    private Recursions() {
    }

    /** Validates a recursion call; {@link Recursion#recurse} runs it once before the check-free kernel. */
    public static void checkArgs(NetworkSpec spec, int n0, double[] g, int m, int n, double[] qa, double[] qb,
                          boolean symmetric, int[] depths, double[][] ntk, double[][] nngp) {
        if (n0 < 1) {
            throw new IllegalArgumentException("input dimension n0 is " + n0 + " but must be >= 1");
        }
        if (m < 0 || n < 0 || g.length < (long) m * n) {
            throw new IllegalArgumentException("gram tile has " + g.length + " entries, need " + m + " x " + n);
        }
        if (symmetric && m != n) {
            throw new IllegalArgumentException("a symmetric tile must be square, got " + m + " x " + n);
        }
        int depth = spec.depth();
        if (qa.length < (long) depth * m || qb.length < (long) depth * n) {
            throw new IllegalArgumentException("diagonal variances must hold depth x rows entries");
        }
        checkDepths(depths, depth);
        if (ntk == null && nngp == null) {
            throw new IllegalArgumentException("ask for at least one of ntk, nngp");
        }
        for (double[][] out : new double[][][] {ntk, nngp}) {
            if (out == null) {
                continue;
            }
            if (out.length != depths.length) {
                throw new IllegalArgumentException("need one output array per requested depth (" + depths.length + "), got " + out.length);
            }
            for (double[] o : out) {
                if (o == null || o.length < (long) m * n) {
                    throw new IllegalArgumentException("each output array must hold " + m + " x " + n + " entries");
                }
            }
        }
    }

    /** Depths must be strictly increasing within 1..depth ({@link KernelSpec#checkDepths}). */
    public static void checkDepths(int[] depths, int depth) {
        KernelSpec.checkDepths(depths == null ? null : java.util.Arrays.stream(depths).boxed().toList(), depth);
    }

    /**
     * For a diagonal tile after the upper triangle j > i is filled: sets the diagonal from the
     * exact diagonal recursion and mirrors the upper triangle into the lower one.
     */
    public static void finishSymmetric(NetworkSpec spec, int m, double[] qa, int[] depths, double[][] ntk, double[][] nngp) {
        double[] td = ntk == null ? null : Diagonal.ntkDiagonal(spec, qa, m);
        for (int k = 0; k < depths.length; k++) {
            int l = depths[k] - 1;
            if (ntk != null) {
                fill(ntk[k], td, l, m);
            }
            if (nngp != null) {
                fill(nngp[k], qa, l, m);
            }
        }
    }

    /**
     * {@link #finishSymmetric} for rows lo..hi-1 only, once rows 0..hi-1 have their entries j > i:
     * the diagonal from {@code qa} (NNGP) and {@code td} (NTK, {@link Diagonal#ntkDiagonal}; null
     * without NTK), and each row's entries j < i copied from row j. Strips finished in order give
     * the same outputs as {@link #finishSymmetric}.
     */
    public static void finishSymmetricRows(int m, double[] qa, double[] td, int[] depths, double[][] ntk, double[][] nngp,
                                           int lo, int hi) {
        for (int k = 0; k < depths.length; k++) {
            int l = depths[k] - 1;
            if (ntk != null) {
                fillRows(ntk[k], td, l, m, lo, hi);
            }
            if (nngp != null) {
                fillRows(nngp[k], qa, l, m, lo, hi);
            }
        }
    }

    private static void fillRows(double[] out, double[] diag, int l, int m, int lo, int hi) {
        for (int i = lo; i < hi; i++) {
            out[i * m + i] = diag[l * m + i];
        }
        Gemm.mirrorRows(out, m, lo, hi);
    }

    /** Sets the diagonal from the diagonal recursion and copies the upper triangle onto the lower one. */
    static void fill(double[] out, double[] diag, int l, int m) {
        for (int i = 0; i < m; i++) {
            out[i * m + i] = diag[l * m + i];
        }
        Gemm.mirrorUpper(out, m);
    }
}
