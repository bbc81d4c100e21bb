package org.sparkntk.tile;

/**
 * The Gram product of two row blocks: c = a b^T with a (m x d), b (n x d), c (m x n), all
 * row-major and dense. Implementations: {@link ScalarGemm} (reference), {@link NetlibGemm}
 * (netlib BLAS dgemm: native OpenBLAS when installed, else netlib's Java fallback) and a Vector
 * API kernel for machines without native BLAS. Pick with {@link TileKernels#gemm()}.
 *
 * <p>Each implementation also has a float32 product ({@link #sgemmABt}, {@link #sgemmAAt}: float
 * inputs, float accumulation, float result) for {@code --compute float32}; its name in logs is
 * {@link #floatName()}.
 */
public abstract class Gemm {

    /** Implementation name for logs and {@code ntk doctor}. */
    public abstract String name();

    /**
     * c[i*n+j] = sum_k a[i*d+k] * b[j*d+k]; c is overwritten. Checks the arguments, then runs
     * {@link #gemmABtK} (an empty product gives zeros).
     */
    public final void gemmABt(double[] a, int m, double[] b, int n, int d, double[] c) {
        check(a, m, b, n, d, c);
        if (m == 0 || n == 0) {
            return;
        }
        if (d == 0) {
            java.util.Arrays.fill(c, 0, m * n, 0.0);
            return;
        }
        gemmABtK(a, m, b, n, d, c);
    }

    /**
     * The Gram product of a block with itself (a diagonal tile): c = a a^T, m x m, exactly
     * symmetric. Checks the arguments, then runs {@link #gemmAAtK}.
     */
    public final void gemmAAt(double[] a, int m, int d, double[] c) {
        check(a, m, a, m, d, c);
        if (m == 0) {
            return;
        }
        if (d == 0) {
            java.util.Arrays.fill(c, 0, m * m, 0.0);
            return;
        }
        gemmAAtK(a, m, d, c);
    }

    /**
     * A panel of a larger product: c[cOff + i*ldc + j] = sum_k a[aOff + i*d + k] * b[bOff + j*d + k]
     * for i < m, j < n, into the m x n block at cOff of a row-major matrix with rows of ldc entries
     * (the rest of c untouched). The tile kernel computes a tile's Gram product a panel of rows at a
     * time this way, so its recursion and its file write start on the first rows ({@link Tiles}).
     */
    public final void gemmABt(double[] a, int aOff, int m, double[] b, int bOff, int n, int d, double[] c, int cOff, int ldc) {
        checkPanel(a.length, aOff, m, b.length, bOff, n, d, c.length, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (d == 0) {
            zeroBlock(c, cOff, m, n, ldc);
            return;
        }
        gemmABtK(a, aOff, m, b, bOff, n, d, c, cOff, ldc);
    }

    /**
     * The symmetric m x m block a a^T of the m rows of a at aOff, at cOff of a row-major matrix with
     * rows of ldc entries, exactly symmetric (as {@link #gemmAAt(double[], int, int, double[])}): the
     * diagonal blocks of a symmetric tile computed panel by panel.
     */
    public final void gemmAAt(double[] a, int aOff, int m, int d, double[] c, int cOff, int ldc) {
        checkPanel(a.length, aOff, m, a.length, aOff, m, d, c.length, cOff, ldc);
        if (m == 0) {
            return;
        }
        if (d == 0) {
            zeroBlock(c, cOff, m, m, ldc);
            return;
        }
        gemmAAtK(a, aOff, m, d, c, cOff, ldc);
    }

    /** Zeros the m x n block at cOff of a row-major matrix with rows of ldc entries (the empty sum, d = 0). */
    public static void zeroBlock(double[] c, int cOff, int m, int n, int ldc) {
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0.0);
        }
    }

    /** Implementation name of the float32 product, for logs (e.g. {@code netlib:NativeBLAS sgemm}). */
    public abstract String floatName();

    /** The float32 product c = a b^T (float inputs, accumulation and result); as {@link #gemmABt}. */
    public final void sgemmABt(float[] a, int m, float[] b, int n, int d, float[] c) {
        check(a.length, m, b.length, n, d, c.length);
        if (m == 0 || n == 0) {
            return;
        }
        if (d == 0) {
            java.util.Arrays.fill(c, 0, m * n, 0f);
            return;
        }
        sgemmABtK(a, m, b, n, d, c);
    }

    /** The float32 c = a a^T, exactly symmetric; as {@link #gemmAAt}. */
    public final void sgemmAAt(float[] a, int m, int d, float[] c) {
        check(a.length, m, a.length, m, d, c.length);
        if (m == 0) {
            return;
        }
        if (d == 0) {
            java.util.Arrays.fill(c, 0, m * m, 0f);
            return;
        }
        sgemmAAtK(a, m, d, c);
    }

    /** The kernel of {@link #sgemmABt}: no checks, m, n, d >= 1. */
    protected abstract void sgemmABtK(float[] a, int m, float[] b, int n, int d, float[] c);

    /** The kernel of {@link #sgemmAAt}; this default computes the full product and mirrors it. */
    protected void sgemmAAtK(float[] a, int m, int d, float[] c) {
        sgemmABtK(a, m, a, m, d, c);
        mirrorUpper(c, m);
    }

    /** {@link #mirrorUpper(double[], int)} for a float matrix. */
    public static void mirrorUpper(float[] c, int m) {
        final int bs = 16;
        for (int i0 = 0; i0 < m; i0 += bs) {
            int i1 = Math.min(m, i0 + bs);
            for (int j0 = 0; j0 <= i0; j0 += bs) {
                int j1 = Math.min(m, j0 + bs);
                for (int i = i0; i < i1; i++) {
                    int row = i * m;
                    for (int j = j0; j < Math.min(j1, i); j++) {
                        c[row + j] = c[j * m + i];
                    }
                }
            }
        }
    }

    /**
     * Copies the rows x cols block at (r0, c0) of the row-major n x n matrix c onto its transpose
     * at (c0, r0), in the cache-sized blocks of {@link #mirrorUpper}: the dense assembly mirrors
     * each upper tile as it lands, in the task that copied it, instead of one pass over K after.
     */
    public static void mirrorBlock(double[] c, int n, int r0, int c0, int rows, int cols) {
        final int bs = 16;
        for (int i0 = 0; i0 < rows; i0 += bs) {
            int i1 = Math.min(rows, i0 + bs);
            for (int j0 = 0; j0 < cols; j0 += bs) {
                int j1 = Math.min(cols, j0 + bs);
                for (int j = j0; j < j1; j++) {
                    int dst = (c0 + j) * n + r0;
                    for (int i = i0; i < i1; i++) {
                        c[dst + i] = c[(r0 + i) * n + c0 + j];
                    }
                }
            }
        }
    }

    /** The kernel of {@link #gemmABt}: no checks, arguments valid and m, n, d >= 1. */
    protected abstract void gemmABtK(double[] a, int m, double[] b, int n, int d, double[] c);

    /**
     * The kernel of {@link #gemmAAt}. Implementations may compute only the upper triangle (half the
     * flops) and mirror it; this default computes the full product and mirrors it, so symmetry is
     * exact either way.
     */
    protected void gemmAAtK(double[] a, int m, int d, double[] c) {
        gemmABtK(a, m, a, m, d, c);
        mirrorUpper(c, m);
    }

    /**
     * The kernel of the panel {@link #gemmABt(double[], int, int, double[], int, int, int, double[], int, int)}:
     * no checks, m, n, d >= 1. This default copies the rows into contiguous arrays and runs
     * {@link #gemmABtK(double[], int, double[], int, int, double[])}; the implementations override it
     * with their offset entry points.
     */
    protected void gemmABtK(double[] a, int aOff, int m, double[] b, int bOff, int n, int d, double[] c, int cOff, int ldc) {
        double[] p = new double[m * n];
        gemmABtK(java.util.Arrays.copyOfRange(a, aOff, aOff + m * d), m, java.util.Arrays.copyOfRange(b, bOff, bOff + n * d), n, d, p);
        for (int i = 0; i < m; i++) {
            System.arraycopy(p, i * n, c, cOff + i * ldc, n);
        }
    }

    /** The kernel of the panel {@link #gemmAAt(double[], int, int, double[], int, int)}; as the one above. */
    protected void gemmAAtK(double[] a, int aOff, int m, int d, double[] c, int cOff, int ldc) {
        double[] p = new double[m * m];
        gemmAAtK(java.util.Arrays.copyOfRange(a, aOff, aOff + m * d), m, d, p);
        for (int i = 0; i < m; i++) {
            System.arraycopy(p, i * m, c, cOff + i * ldc, m);
        }
    }

    /**
     * Copies the upper triangle (j > i) of the row-major m x m matrix c onto the lower one, in
     * cache-sized blocks: the one mirror routine (GEMM, recursion, the dense assembly).
     */
    public static void mirrorUpper(double[] c, int m) {
        mirrorUpper(c, 0, m, m);
    }

    /**
     * Rows lo..hi-1 of {@link #mirrorUpper(double[], int)}: c[i*m+j] = c[j*m+i] for lo <= i < hi,
     * j < i (the rows above i must hold their entries j > i), in blocks of 16 source rows.
     */
    public static void mirrorRows(double[] c, int m, int lo, int hi) {
        final int bs = 16;
        for (int j0 = 0; j0 < hi; j0 += bs) {
            int j1 = Math.min(hi, j0 + bs);
            for (int i = Math.max(lo, j0 + 1); i < hi; i++) {
                int row = i * m;
                for (int j = j0; j < Math.min(j1, i); j++) {
                    c[row + j] = c[j * m + i];
                }
            }
        }
    }

    /** {@link #mirrorUpper(double[], int)} for the m x m block at cOff of a matrix with rows of ldc entries. */
    public static void mirrorUpper(double[] c, int cOff, int m, int ldc) {
        final int bs = 16; // measured: 16 beat 8, 32, 64, 128 on a 2048 x 2048 matrix (5.2 vs 6.3 ms at 64)
        for (int i0 = 0; i0 < m; i0 += bs) {
            int i1 = Math.min(m, i0 + bs);
            for (int j0 = 0; j0 <= i0; j0 += bs) {
                int j1 = Math.min(m, j0 + bs);
                for (int i = i0; i < i1; i++) {
                    int row = cOff + i * ldc;
                    for (int j = j0; j < Math.min(j1, i); j++) {
                        c[row + j] = c[cOff + j * ldc + i];
                    }
                }
            }
        }
    }

    /** The argument check of the public entries. */
    protected static void check(double[] a, int m, double[] b, int n, int d, double[] c) {
        check(a.length, m, b.length, n, d, c.length);
    }

    /** The argument check of the panel entries. */
    private static void checkPanel(int aLength, int aOff, int m, int bLength, int bOff, int n, int d, int cLength, int cOff, int ldc) {
        if (m < 0 || n < 0 || d < 0 || aOff < 0 || bOff < 0 || cOff < 0 || ldc < n) {
            throw new IllegalArgumentException("gemm panel needs sizes, offsets >= 0 and ldc >= n, got m=" + m + " n=" + n + " d=" + d
                    + " offsets " + aOff + ", " + bOff + ", " + cOff + " ldc=" + ldc);
        }
        if (aOff + (long) m * d > aLength || bOff + (long) n * d > bLength
                || (m > 0 && n > 0 && cOff + (long) (m - 1) * ldc + n > cLength)) {
            throw new IllegalArgumentException("gemm panel arrays too small for m=" + m + " n=" + n + " d=" + d
                    + " offsets " + aOff + ", " + bOff + ", " + cOff + " ldc=" + ldc);
        }
    }

    /** The argument check on array lengths. */
    protected static void check(int aLength, int m, int bLength, int n, int d, int cLength) {
        if (m < 0 || n < 0 || d < 0) {
            throw new IllegalArgumentException("gemm sizes must be >= 0, got m=" + m + " n=" + n + " d=" + d);
        }
        if (aLength < (long) m * d || bLength < (long) n * d || cLength < (long) m * n) {
            throw new IllegalArgumentException("gemm arrays too small for m=" + m + " n=" + n + " d=" + d);
        }
    }
}
