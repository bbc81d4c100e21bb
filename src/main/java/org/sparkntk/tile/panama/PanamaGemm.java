package org.sparkntk.tile.panama;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;
import org.sparkntk.tile.FanOut;
import org.sparkntk.tile.Gemm;

/**
 * Vector API {@link Gemm} for machines without a native BLAS: c = a b^T on packed panels.
 *
 * <p>Layout (GotoBLAS/BLIS style, transposed for row-major c): for each block of {@link #NC}
 * columns and {@link #KC} features, b is packed into panels of {@code NR = 2 * lanes} columns,
 * k-major, so one k step reads two contiguous vectors along n. a is packed into panels of
 * {@code MR} rows, k-major, and its elements are broadcast. The micro-kernel keeps an MR x NR
 * block of c in 2 * MR vector accumulators ({@code acc = a.fma(b, acc)}), so there are no
 * horizontal sums and each loaded vector feeds MR fused multiply-adds. One a panel (MR x KC,
 * 12 KiB) stays in L1 while the packed b block streams past it; the block sizes were chosen by
 * measurement on AVX-512 (docs/benchmarks.md, "GEMM"): a wide b block (KC x NC = 128 x 2048,
 * 2 MiB) beat an L2-sized one (256 x 256) by about 10% at d = 784 and 15% at d = 64, mostly by
 * packing a fewer times. Ragged edges are handled by zero-padding the packed panels and writing
 * the kernel's block through a small per-thread buffer.
 *
 * <p>Single-threaded per call (Spark parallelises over tasks); {@link #gemmABt(double[], int,
 * double[], int, int, double[], int)} splits rows over threads for benchmarks and local use.
 * Buffers are per thread and reused: the working set is O(KC * (NC + MC)), nothing is allocated
 * per entry.
 *
 * <p>The micro-kernel method is kept small on purpose: a much larger one can fail C1 compilation
 * ("out of virtual registers") and then never reaches C2, running about 100x slower.
 */
public final class PanamaGemm extends Gemm {

    static final VectorSpecies<Double> S = Species.PREFERRED;
    /** Lanes per vector. */
    static final int L = S.length();
    /** Columns of c per micro-kernel call: two vectors. */
    static final int NR = 2 * L;
    /**
     * Rows of c per micro-kernel call: 2 * MR accumulators + 3 temporaries must fit the vector
     * registers: 12 with AVX-512 (32 registers), 6 otherwise (AVX2 has 16).
     */
    static final int MR = S.vectorBitSize() >= 512 ? 12 : 6;
    /** Largest feature (k) block: an MR x KC panel of a is 12 KiB, it stays in L1 while b streams past. */
    static final int KC = 128;
    /** Column block: the packed KC x NC block of b (2 MiB, L2 + L3); a 2048-column tile packs a once per k-block. */
    static final int NC = 2048;
    /** Row block: a packed MC x KC block of a, reused across the NC columns (NC, MC multiples of NR, MR). */
    static final int MC = 96;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** Per-thread packing buffers, reused across calls. */
    private static final class Buffers {
        final double[] ap = new double[MC * KC];
        final double[] bp = new double[NC * KC];
        final double[] edge = new double[MR * NR];
    }

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize() + " (" + MR + "x" + NR + " kernel)";
    }

    @Override
    public String floatName() {
        return PanamaSgemm.name();
    }

    /** The float32 product by {@link PanamaSgemm}, the same kernel on float vectors. */
    @Override
    protected void sgemmABtK(float[] a, int m, float[] b, int n, int d, float[] c) {
        PanamaSgemm.multiply(a, 0, m, b, n, d, c, 0, false);
    }

    @Override
    protected void sgemmAAtK(float[] a, int m, int d, float[] c) {
        PanamaSgemm.multiply(a, 0, m, a, m, d, c, 0, true);
    }

    /** {@link #sgemmABt} with the rows of a split over {@code threads} threads (benchmarks). */
    public void sgemmABt(float[] a, int m, float[] b, int n, int d, float[] c, int threads) {
        check(a.length, m, b.length, n, d, c.length);
        if (threads < 1) {
            throw new IllegalArgumentException("'threads' is " + threads + " but must be >= 1");
        }
        PanamaSgemm.multiplyThreads(a, m, b, n, d, c, threads);
    }

    @Override
    protected void gemmABtK(double[] a, int m, double[] b, int n, int d, double[] c) {
        multiply(a, 0, m, b, 0, n, d, c, 0, n, false);
    }

    @Override
    protected void gemmAAtK(double[] a, int m, int d, double[] c) {
        multiply(a, 0, m, a, 0, m, d, c, 0, m, true);
    }

    @Override
    protected void gemmABtK(double[] a, int aOff, int m, double[] b, int bOff, int n, int d, double[] c, int cOff, int ldc) {
        multiply(a, aOff, m, b, bOff, n, d, c, cOff, ldc, false);
    }

    @Override
    protected void gemmAAtK(double[] a, int aOff, int m, int d, double[] c, int cOff, int ldc) {
        multiply(a, aOff, m, a, aOff, m, d, c, cOff, ldc, true);
    }

    /**
     * c = a b^T with the rows of a split over {@code threads} threads (for benchmarks and local
     * use; inside Spark tasks use the single-threaded {@link #gemmABt(double[], int, double[], int, int, double[])}).
     */
    public void gemmABt(double[] a, int m, double[] b, int n, int d, double[] c, int threads) {
        check(a, m, b, n, d, c);
        if (threads < 1) {
            throw new IllegalArgumentException("'threads' is " + threads + " but must be >= 1");
        }
        int t = Math.min(threads, Math.max(1, (m + MR - 1) / MR));
        if (t == 1) {
            multiply(a, 0, m, b, 0, n, d, c, 0, n, false);
            return;
        }
        // Row ranges in whole MR panels so only the last range has a ragged edge.
        int panels = (m + MR - 1) / MR;
        int[] bounds = new int[t + 1];
        for (int w = 0; w <= t; w++) {
            bounds[w] = Math.min(m, (int) ((long) panels * w / t) * MR);
        }
        bounds[t] = m;
        FanOut.run("ntk-gemm", bounds, (r0, r1) -> multiply(a, r0 * d, r1 - r0, b, 0, n, d, c, r0 * n, n, false));
    }

    /**
     * c[cOff + i*ldc + j] = sum_k a[aOff + i*d + k] * b[bOff + j*d + k] for i < m, j < n. With
     * {@code upper} (a and b the same m x d rows, aOff == bOff) only micro-tiles touching j >= i are
     * computed and the lower triangle is filled by copying, so the block is exactly symmetric.
     */
    static void multiply(double[] a, int aOff, int m, double[] b, int bOff, int n, int d, double[] c, int cOff, int ldc,
                         boolean upper) {
        if (m == 0 || n == 0) {
            return;
        }
        if (d == 0) {
            zeroBlock(c, cOff, m, n, ldc);
            return;
        }
        Buffers buf = BUFFERS.get();
        double[] ap = buf.ap;
        double[] bp = buf.bp;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            // Upper triangle: rows below the block's last column are not needed.
            int mEnd = upper ? Math.min(m, jc + nc) : m;
            // Equal k-blocks of at most KC (784 = 7 x 112, not 6 x 128 + 16: a short last block
            // pays the c load/store of a whole pass for a few fmas).
            int kBlocks = (d + KC - 1) / KC;
            for (int pc = 0, kb = 0; pc < d; kb++) {
                int kc = (d - pc) / (kBlocks - kb);
                boolean first = pc == 0;
                boolean last = kb == kBlocks - 1;
                pack(b, bOff, jc, nc, d, pc, kc, NR, bp);
                for (int ic = 0; ic < mEnd; ic += MC) {
                    int mc = Math.min(MC, mEnd - ic);
                    pack(a, aOff, ic, mc, d, pc, kc, MR, ap);
                    block(ap, bp, ic, mc, jc, nc, kc, c, cOff, ldc, first, last, upper, buf.edge);
                }
                pc += kc;
            }
        }
    }

    /**
     * All micro-tiles of one packed (mc x kc) a-block against one packed (kc x nc) b-block. With
     * {@code upper}, tiles strictly below the diagonal are skipped, tiles crossing it write only
     * their j >= i entries, and in the last k-block each finished tile is copied to its mirror
     * image while it is still in L1 (so entries below the diagonal are written exactly once, by
     * that copy, and c is exactly symmetric).
     */
    private static void block(double[] ap, double[] bp, int ic, int mc, int jc, int nc, int kc, double[] c, int cOff,
                              int ldc, boolean first, boolean last, boolean upper, double[] edge) {
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            int i0 = ic + ir;
            for (int jr = 0; jr < nc; jr += NR) {
                int j0 = jc + jr;
                int cols = Math.min(NR, nc - jr);
                if (!upper) {
                    tile(ap, bp, ir * kc, jr * kc, kc, rows, cols, c, cOff + i0 * ldc + j0, ldc, first, edge);
                    continue;
                }
                if (j0 + cols <= i0) {
                    continue; // strictly below the diagonal
                }
                if (j0 < i0 + rows - 1) {
                    kernel(kc, ap, ir * kc, bp, jr * kc, edge, 0, NR, false);
                    copyEdgeUpper(edge, rows, cols, i0, j0, c, cOff, ldc, first);
                } else {
                    tile(ap, bp, ir * kc, jr * kc, kc, rows, cols, c, cOff + i0 * ldc + j0, ldc, first, edge);
                }
                if (last) {
                    mirrorTile(c, cOff, ldc, i0, rows, j0, cols);
                }
            }
        }
    }

    /** copyEdge for a tile crossing the diagonal: only entries with j >= i. */
    private static void copyEdgeUpper(double[] edge, int rows, int cols, int i0, int j0, double[] c, int cOff, int ldc, boolean first) {
        for (int r = 0; r < rows; r++) {
            int i = i0 + r;
            int o = cOff + i * ldc;
            for (int col = Math.max(0, i - j0); col < cols; col++) {
                if (first) {
                    c[o + j0 + col] = edge[r * NR + col];
                } else {
                    c[o + j0 + col] += edge[r * NR + col];
                }
            }
        }
    }

    /** c[j][i] = c[i][j] for the entries j > i of one finished tile. */
    private static void mirrorTile(double[] c, int cOff, int ldc, int i0, int rows, int j0, int cols) {
        for (int col = 0; col < cols; col++) {
            int j = j0 + col;
            int dst = cOff + j * ldc;
            int iEnd = Math.min(rows, j - i0);
            for (int r = 0; r < iEnd; r++) {
                c[dst + i0 + r] = c[cOff + (i0 + r) * ldc + j];
            }
        }
    }

    private static void tile(double[] ap, double[] bp, int aAt, int bAt, int kc, int rows, int cols,
                             double[] c, int at, int ldc, boolean first, double[] edge) {
        if (rows == MR && cols == NR) {
            kernel(kc, ap, aAt, bp, bAt, c, at, ldc, !first);
        } else {
            kernel(kc, ap, aAt, bp, bAt, edge, 0, NR, false);
            copyEdge(edge, rows, cols, c, at, ldc, first);
        }
    }

    /** Writes (first k-block) or adds the valid rows x cols corner of a kernel block into c. */
    private static void copyEdge(double[] edge, int rows, int cols, double[] c, int at, int ldc, boolean first) {
        for (int r = 0; r < rows; r++) {
            int o = at + r * ldc;
            int e = r * NR;
            if (first) {
                System.arraycopy(edge, e, c, o, cols);
            } else {
                for (int j = 0; j < cols; j++) {
                    c[o + j] += edge[e + j];
                }
            }
        }
    }

    /**
     * Packs rows [r0, r0+count) x features [p0, p0+kc) of a row-major matrix (offset off, d
     * columns) into panels of {@code width} rows, k-major: dst[panel*width*kc + k*width + r].
     * Rows past {@code count} in the last panel are zero.
     */
    static void pack(double[] src, int off, int r0, int count, int d, int p0, int kc, int width, double[] dst) {
        for (int q = 0; q < count; q += width) {
            int rows = Math.min(width, count - q);
            int base = q * kc;
            for (int r = 0; r < rows; r++) {
                int s = off + (r0 + q + r) * d + p0;
                int t = base + r;
                for (int k = 0; k < kc; k++) {
                    dst[t + k * width] = src[s + k];
                }
            }
            for (int r = rows; r < width; r++) {
                int t = base + r;
                for (int k = 0; k < kc; k++) {
                    dst[t + k * width] = 0.0;
                }
            }
        }
    }

    /** The micro-kernel for this machine's MR (a constant, so the JIT keeps one branch). */
    private static void kernel(int kc, double[] ap, int ai, double[] bp, int bi, double[] c, int ci, int ldc, boolean accumulate) {
        if (MR == 12) {
            kernel12(kc, ap, ai, bp, bi, c, ci, ldc, accumulate);
        } else {
            kernel6(kc, ap, ai, bp, bi, c, ci, ldc, accumulate);
        }
    }

    /**
     * The 12-row micro-kernel: a 12 x NR block of c from a 12-row panel of a and an NR-column panel
     * of b, both packed k-major. Overwrites the block of c, or adds to it ({@code accumulate}: the
     * accumulators start from c, so there is one set of stores and the method stays small enough
     * for C2 to inline every Vector API call; a helper per row was not inlined and boxed vectors).
     */
    static void kernel12(int kc, double[] ap, int ai, double[] bp, int bi, double[] c, int ci, int ldc, boolean accumulate) {
        DoubleVector c00, c01, c10, c11, c20, c21, c30, c31;
        DoubleVector c40, c41, c50, c51, c60, c61, c70, c71;
        DoubleVector c80, c81, c90, c91, ca0, ca1, cb0, cb1;
        if (accumulate) {
            c00 = DoubleVector.fromArray(S, c, ci);
            c01 = DoubleVector.fromArray(S, c, ci + L);
            c10 = DoubleVector.fromArray(S, c, ci + ldc);
            c11 = DoubleVector.fromArray(S, c, ci + ldc + L);
            c20 = DoubleVector.fromArray(S, c, ci + 2 * ldc);
            c21 = DoubleVector.fromArray(S, c, ci + 2 * ldc + L);
            c30 = DoubleVector.fromArray(S, c, ci + 3 * ldc);
            c31 = DoubleVector.fromArray(S, c, ci + 3 * ldc + L);
            c40 = DoubleVector.fromArray(S, c, ci + 4 * ldc);
            c41 = DoubleVector.fromArray(S, c, ci + 4 * ldc + L);
            c50 = DoubleVector.fromArray(S, c, ci + 5 * ldc);
            c51 = DoubleVector.fromArray(S, c, ci + 5 * ldc + L);
            c60 = DoubleVector.fromArray(S, c, ci + 6 * ldc);
            c61 = DoubleVector.fromArray(S, c, ci + 6 * ldc + L);
            c70 = DoubleVector.fromArray(S, c, ci + 7 * ldc);
            c71 = DoubleVector.fromArray(S, c, ci + 7 * ldc + L);
            c80 = DoubleVector.fromArray(S, c, ci + 8 * ldc);
            c81 = DoubleVector.fromArray(S, c, ci + 8 * ldc + L);
            c90 = DoubleVector.fromArray(S, c, ci + 9 * ldc);
            c91 = DoubleVector.fromArray(S, c, ci + 9 * ldc + L);
            ca0 = DoubleVector.fromArray(S, c, ci + 10 * ldc);
            ca1 = DoubleVector.fromArray(S, c, ci + 10 * ldc + L);
            cb0 = DoubleVector.fromArray(S, c, ci + 11 * ldc);
            cb1 = DoubleVector.fromArray(S, c, ci + 11 * ldc + L);
        } else {
            DoubleVector z = DoubleVector.zero(S);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z;
            c40 = z; c41 = z; c50 = z; c51 = z; c60 = z; c61 = z; c70 = z; c71 = z;
            c80 = z; c81 = z; c90 = z; c91 = z; ca0 = z; ca1 = z; cb0 = z; cb1 = z;
        }
        for (int k = 0; k < kc; k++, ai += 12, bi += NR) {
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bi);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bi + L);
            DoubleVector x = DoubleVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = DoubleVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = DoubleVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = DoubleVector.broadcast(S, ap[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = DoubleVector.broadcast(S, ap[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            x = DoubleVector.broadcast(S, ap[ai + 8]);
            c80 = x.fma(b0, c80);
            c81 = x.fma(b1, c81);
            x = DoubleVector.broadcast(S, ap[ai + 9]);
            c90 = x.fma(b0, c90);
            c91 = x.fma(b1, c91);
            x = DoubleVector.broadcast(S, ap[ai + 10]);
            ca0 = x.fma(b0, ca0);
            ca1 = x.fma(b1, ca1);
            x = DoubleVector.broadcast(S, ap[ai + 11]);
            cb0 = x.fma(b0, cb0);
            cb1 = x.fma(b1, cb1);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L);
        c60.intoArray(c, ci + 6 * ldc);
        c61.intoArray(c, ci + 6 * ldc + L);
        c70.intoArray(c, ci + 7 * ldc);
        c71.intoArray(c, ci + 7 * ldc + L);
        c80.intoArray(c, ci + 8 * ldc);
        c81.intoArray(c, ci + 8 * ldc + L);
        c90.intoArray(c, ci + 9 * ldc);
        c91.intoArray(c, ci + 9 * ldc + L);
        ca0.intoArray(c, ci + 10 * ldc);
        ca1.intoArray(c, ci + 10 * ldc + L);
        cb0.intoArray(c, ci + 11 * ldc);
        cb1.intoArray(c, ci + 11 * ldc + L);
    }

    /**
     * The 6-row micro-kernel: a 6 x NR block of c from a 6-row panel of a and an NR-column panel
     * of b, both packed k-major. Overwrites the block of c, or adds to it ({@code accumulate}: the
     * accumulators start from c, so there is one set of stores and the method stays small enough
     * for C2 to inline every Vector API call; a helper per row was not inlined and boxed vectors).
     */
    static void kernel6(int kc, double[] ap, int ai, double[] bp, int bi, double[] c, int ci, int ldc, boolean accumulate) {
        DoubleVector c00, c01, c10, c11, c20, c21, c30, c31;
        DoubleVector c40, c41, c50, c51;
        if (accumulate) {
            c00 = DoubleVector.fromArray(S, c, ci);
            c01 = DoubleVector.fromArray(S, c, ci + L);
            c10 = DoubleVector.fromArray(S, c, ci + ldc);
            c11 = DoubleVector.fromArray(S, c, ci + ldc + L);
            c20 = DoubleVector.fromArray(S, c, ci + 2 * ldc);
            c21 = DoubleVector.fromArray(S, c, ci + 2 * ldc + L);
            c30 = DoubleVector.fromArray(S, c, ci + 3 * ldc);
            c31 = DoubleVector.fromArray(S, c, ci + 3 * ldc + L);
            c40 = DoubleVector.fromArray(S, c, ci + 4 * ldc);
            c41 = DoubleVector.fromArray(S, c, ci + 4 * ldc + L);
            c50 = DoubleVector.fromArray(S, c, ci + 5 * ldc);
            c51 = DoubleVector.fromArray(S, c, ci + 5 * ldc + L);
        } else {
            DoubleVector z = DoubleVector.zero(S);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z;
            c40 = z; c41 = z; c50 = z; c51 = z;
        }
        for (int k = 0; k < kc; k++, ai += 6, bi += NR) {
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bi);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bi + L);
            DoubleVector x = DoubleVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = DoubleVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = DoubleVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L);
    }
}
