package org.sparkntk.tile.panama;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.sparkntk.tile.FanOut;

/**
 * The float32 twin of {@link PanamaGemm} for {@code --compute float32}: the same packed-panel
 * GEMM (GotoBLAS/BLIS layout, MR x NR micro-kernel of 2 * MR vector accumulators, broadcast a,
 * two contiguous vectors of b per k step) on {@code FloatVector}s, twice the lanes per vector
 * (16 with AVX-512). The blocks keep PanamaGemm's byte sizes, so they sit in the same caches:
 * an MR x KC panel of a is 12 KiB with KC = 256 floats, the packed KC x NC block of b 2 MiB.
 * Accumulation is in float (the error bound of docs/ntk-math.md, "Float32 compute", assumes
 * nothing better). Single-threaded per call; buffers per thread.
 */
public final class PanamaSgemm {

    static final VectorSpecies<Float> S = Species.PREFERRED_FLOAT;
    /** Lanes per vector. */
    static final int L = S.length();
    /** Columns of c per micro-kernel call: two vectors. */
    static final int NR = 2 * L;
    /** Rows of c per micro-kernel call, as in PanamaGemm: 12 with AVX-512's 32 registers, 6 otherwise. */
    static final int MR = S.vectorBitSize() >= 512 ? 12 : 6;
    /** Largest feature (k) block: an MR x KC panel of a is 12 KiB, as PanamaGemm's. */
    static final int KC = 256;
    /** Column block: the packed KC x NC block of b is 2 MiB, as PanamaGemm's. */
    static final int NC = 2048;
    /** Row block: a packed MC x KC block of a, reused across the NC columns (NC, MC multiples of NR, MR). */
    static final int MC = 96;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** Per-thread packing buffers, reused across calls. */
    private static final class Buffers {
        final float[] ap = new float[MC * KC];
        final float[] bp = new float[NC * KC];
        final float[] edge = new float[MR * NR];
    }

    private PanamaSgemm() {
    }

    /** Implementation name for logs. */
    static String name() {
        return "vector-" + S.vectorBitSize() + " float32 (" + MR + "x" + NR + " kernel)";
    }

    /**
     * c = a b^T in float32 with the rows of a split over {@code threads} threads (benchmarks).
     */
    static void multiplyThreads(float[] a, int m, float[] b, int n, int d, float[] c, int threads) {
        int t = Math.min(threads, Math.max(1, (m + MR - 1) / MR));
        if (t == 1) {
            multiply(a, 0, m, b, n, d, c, 0, false);
            return;
        }
        int panels = (m + MR - 1) / MR;
        int[] bounds = new int[t + 1];
        for (int w = 0; w <= t; w++) {
            bounds[w] = Math.min(m, (int) ((long) panels * w / t) * MR);
        }
        bounds[t] = m;
        FanOut.run("ntk-sgemm", bounds, (r0, r1) -> multiply(a, r0 * d, r1 - r0, b, n, d, c, r0 * n, false));
    }

    /**
     * c[cOff + i*n + j] = sum_k a[aOff + i*d + k] * b[j*d + k] for i < m, j < n. With
     * {@code upper} (a and b the same m x d block, offsets 0) only micro-tiles touching j >= i are
     * computed and the lower triangle is filled by copying, so c is exactly symmetric.
     */
    static void multiply(float[] a, int aOff, int m, float[] b, int n, int d, float[] c, int cOff, boolean upper) {
        if (m == 0 || n == 0) {
            return;
        }
        if (d == 0) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * n, cOff + i * n + n, 0f);
            }
            return;
        }
        Buffers buf = BUFFERS.get();
        float[] ap = buf.ap;
        float[] bp = buf.bp;
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
                pack(b, 0, jc, nc, d, pc, kc, NR, bp);
                for (int ic = 0; ic < mEnd; ic += MC) {
                    int mc = Math.min(MC, mEnd - ic);
                    pack(a, aOff, ic, mc, d, pc, kc, MR, ap);
                    block(ap, bp, ic, mc, jc, nc, kc, c, cOff, n, first, last, upper, buf.edge);
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
    private static void block(float[] ap, float[] bp, int ic, int mc, int jc, int nc, int kc, float[] c, int cOff,
                              int ldc, boolean first, boolean last, boolean upper, float[] edge) {
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
    private static void copyEdgeUpper(float[] edge, int rows, int cols, int i0, int j0, float[] c, int cOff, int ldc, boolean first) {
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
    private static void mirrorTile(float[] c, int cOff, int ldc, int i0, int rows, int j0, int cols) {
        for (int col = 0; col < cols; col++) {
            int j = j0 + col;
            int dst = cOff + j * ldc;
            int iEnd = Math.min(rows, j - i0);
            for (int r = 0; r < iEnd; r++) {
                c[dst + i0 + r] = c[cOff + (i0 + r) * ldc + j];
            }
        }
    }

    private static void tile(float[] ap, float[] bp, int aAt, int bAt, int kc, int rows, int cols,
                             float[] c, int at, int ldc, boolean first, float[] edge) {
        if (rows == MR && cols == NR) {
            kernel(kc, ap, aAt, bp, bAt, c, at, ldc, !first);
        } else {
            kernel(kc, ap, aAt, bp, bAt, edge, 0, NR, false);
            copyEdge(edge, rows, cols, c, at, ldc, first);
        }
    }

    /** Writes (first k-block) or adds the valid rows x cols corner of a kernel block into c. */
    private static void copyEdge(float[] edge, int rows, int cols, float[] c, int at, int ldc, boolean first) {
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
    static void pack(float[] src, int off, int r0, int count, int d, int p0, int kc, int width, float[] dst) {
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
                    dst[t + k * width] = 0f;
                }
            }
        }
    }

    /** The micro-kernel for this machine's MR (a constant, so the JIT keeps one branch). */
    private static void kernel(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc, boolean accumulate) {
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
    static void kernel12(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc, boolean accumulate) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        FloatVector c40, c41, c50, c51, c60, c61, c70, c71;
        FloatVector c80, c81, c90, c91, ca0, ca1, cb0, cb1;
        if (accumulate) {
            c00 = FloatVector.fromArray(S, c, ci);
            c01 = FloatVector.fromArray(S, c, ci + L);
            c10 = FloatVector.fromArray(S, c, ci + ldc);
            c11 = FloatVector.fromArray(S, c, ci + ldc + L);
            c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
            c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
            c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + L);
            c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + L);
            c60 = FloatVector.fromArray(S, c, ci + 6 * ldc);
            c61 = FloatVector.fromArray(S, c, ci + 6 * ldc + L);
            c70 = FloatVector.fromArray(S, c, ci + 7 * ldc);
            c71 = FloatVector.fromArray(S, c, ci + 7 * ldc + L);
            c80 = FloatVector.fromArray(S, c, ci + 8 * ldc);
            c81 = FloatVector.fromArray(S, c, ci + 8 * ldc + L);
            c90 = FloatVector.fromArray(S, c, ci + 9 * ldc);
            c91 = FloatVector.fromArray(S, c, ci + 9 * ldc + L);
            ca0 = FloatVector.fromArray(S, c, ci + 10 * ldc);
            ca1 = FloatVector.fromArray(S, c, ci + 10 * ldc + L);
            cb0 = FloatVector.fromArray(S, c, ci + 11 * ldc);
            cb1 = FloatVector.fromArray(S, c, ci + 11 * ldc + L);
        } else {
            FloatVector z = FloatVector.zero(S);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z;
            c40 = z; c41 = z; c50 = z; c51 = z; c60 = z; c61 = z; c70 = z; c71 = z;
            c80 = z; c81 = z; c90 = z; c91 = z; ca0 = z; ca1 = z; cb0 = z; cb1 = z;
        }
        for (int k = 0; k < kc; k++, ai += 12, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = x.fma(b0, c80);
            c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = x.fma(b0, c90);
            c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(S, ap[ai + 10]);
            ca0 = x.fma(b0, ca0);
            ca1 = x.fma(b1, ca1);
            x = FloatVector.broadcast(S, ap[ai + 11]);
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
    static void kernel6(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc, boolean accumulate) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        FloatVector c40, c41, c50, c51;
        if (accumulate) {
            c00 = FloatVector.fromArray(S, c, ci);
            c01 = FloatVector.fromArray(S, c, ci + L);
            c10 = FloatVector.fromArray(S, c, ci + ldc);
            c11 = FloatVector.fromArray(S, c, ci + ldc + L);
            c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
            c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
            c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + L);
            c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + L);
        } else {
            FloatVector z = FloatVector.zero(S);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z;
            c40 = z; c41 = z; c50 = z; c51 = z;
        }
        for (int k = 0; k < kc; k++, ai += 6, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
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
