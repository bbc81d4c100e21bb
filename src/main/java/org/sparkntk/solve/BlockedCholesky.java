package org.sparkntk.solve;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import org.netlib.util.intW;
import java.util.List;
import org.sparkntk.tile.Gemm;

/**
 * Blocked right-looking Cholesky of a row-major N x N array in place, and the triangular solves
 * of all outputs at once, with the matrix products on every driver core.
 *
 * <p>Step k (block column of {@link #BLOCK} columns): factor the diagonal block, solve the panel
 * below it (L21 = A21 L11^-T), and update the trailing lower triangle A22 -= L21 L21^T in square
 * tiles of {@link #BLOCK} rows, spread over the threads by {@link Fanout}. Almost all flops
 * (N^3 / 3) are in the tile products, which go through {@link Kernels}: native BLAS dgemm/dsyrk/
 * dtrsm with offsets into the array ({@link #nativeBlas}), or the project's {@link Gemm} (the
 * Vector API GEMM on machines without native BLAS) on copied tiles ({@link #withGemm}). With a
 * {@link Gemm}, the panel is a product too: the diagonal block's inverse L11^-1 is formed once
 * (B^3 / 3 flops, a small vectorizable loop) and L21 = A21 (L11^-1)^T is a GEMM.
 *
 * <p>Contract: only the lower triangle and the diagonal of the array are written (row-major
 * element (i, j), j &lt;= i); the strict upper triangle is read by nobody and stays as it was,
 * so the caller can restore the matrix from it. See docs/regression.md, "Solvers".
 */
public final class BlockedCholesky {

    /** Block columns and tile rows: 256 measured best for both kernels at N = 4000 (docs/benchmarks.md). */
    public static final int BLOCK = 256;

    /** Columns of one trailing-update product (a multiple of the block): wider products pack less per flop. */
    public static final int WIDE = 1024;

    private final Kernels kernels;
    private final int threads;
    private final int block;
    private final int wide;

    BlockedCholesky(Kernels kernels, int threads, int block) {
        this(kernels, threads, block, WIDE);
    }

    BlockedCholesky(Kernels kernels, int threads, int block, int wide) {
        if (threads < 1) {
            throw new IllegalArgumentException("'threads' is " + threads + " but must be >= 1");
        }
        if (block < 1) {
            throw new IllegalArgumentException("'block' is " + block + " but must be >= 1");
        }
        this.kernels = kernels;
        this.threads = threads;
        this.block = block;
        this.wide = wide;
    }

    /** Products by netlib's BLAS (native OpenBLAS when installed) called from {@code threads} threads. */
    public static BlockedCholesky nativeBlas(int threads) {
        return new BlockedCholesky(new BlasKernels(BLAS.getInstance(), LAPACK.getInstance()), threads, BLOCK);
    }

    /** Products by {@code gemm} (e.g. the Vector API GEMM) on copied tiles, from {@code threads} threads. */
    public static BlockedCholesky withGemm(Gemm gemm, int threads) {
        return new BlockedCholesky(new GemmKernels(gemm), threads, BLOCK);
    }

    /** As {@link #withGemm(Gemm, int)} or {@link #nativeBlas(int)} with another block size (benchmarks). */
    public BlockedCholesky withBlock(int b) {
        return new BlockedCholesky(kernels, threads, b, wide);
    }

    /** With trailing-update products of {@code w} columns (rounded down to whole blocks, at least one; benchmarks). */
    public BlockedCholesky withWide(int w) {
        return new BlockedCholesky(kernels, threads, block, w);
    }

    /** For logs: the kernels, e.g. "blocked java cholesky (vector-512 (12x16 kernel) gemm, 2 threads)". */
    public String name() {
        return "blocked java cholesky (" + kernels.name() + ", " + threads + (threads == 1 ? " thread" : " threads") + ")";
    }

    /** True when the products go through a Java {@link Gemm} (which the JIT must compile first), false for netlib's BLAS. */
    public boolean javaGemm() {
        return kernels instanceof GemmKernels;
    }

    /** Threads the products run on. */
    public int threads() {
        return threads;
    }

    /**
     * Overwrites the lower triangle and the diagonal of the row-major n x n array {@code a} with
     * the Cholesky factor L (A = L L^T), reading only them.
     *
     * @return 0, or the 1-based row whose pivot was not positive (or NaN): A is not numerically
     *         positive definite and the lower triangle is partly overwritten
     */
    public int factor(double[] a, int n) {
        return factor(a, n, null);
    }

    /**
     * As {@link #factor(double[], int)}, adding the nanoseconds of its three kinds of work to
     * {@code phases} when not null: [0] the diagonal blocks (one thread, N / B of them: linear in
     * N), [1] the panels (N^2 B / 2 flops), [2] the trailing updates (N^3 / 3 flops). How each part
     * grows with N is what {@link DenseMethod} extrapolates a small timed run by.
     */
    public int factor(double[] a, int n, long[] phases) {
        return factor(a, n, phases, null);
    }

    /** What {@link #factor(double[], int, long[], java.util.function.DoublePredicate)} returns when its check stopped it. */
    public static final int STOPPED = -1;

    /** How often, at most, the trailing update's tasks ask the check. */
    static final long CHECK_EVERY_NANOS = 100_000_000L;

    /**
     * As {@link #factor(double[], int, long[])}, asking {@code stop} (when not null) with the share
     * of the N^3 / 3 flops done so far: after each block column, and within a trailing update
     * between its tasks at most every {@value #CHECK_EVERY_NANOS} ns (the first block column's update
     * is 7.5 % of the flops at N = 10000, block 256: 14 s at the 1.8 GFLOP/s of a JIT fault). When it
     * answers true the factorization ends there and returns {@link #STOPPED}, the lower triangle
     * partly overwritten. {@code stop} may be asked from several threads, one at a time.
     */
    public int factor(double[] a, int n, long[] phases, java.util.function.DoublePredicate stop) {
        return factor(a, n, phases, stop, CHECK_EVERY_NANOS);
    }

    /**
     * As {@link #factor(double[], int, long[], java.util.function.DoublePredicate)}, asking at most
     * every {@code checkEveryNanos} (tests).
     */
    int factor(double[] a, int n, long[] phases, java.util.function.DoublePredicate stop, long checkEveryNanos) {
        if (a.length < (long) n * n) {
            throw new IllegalArgumentException("cholesky: the array has " + a.length + " values, not " + n + " x " + n);
        }
        final int nb = block;
        for (int k = 0; k < n; k += nb) {
            final int kb = Math.min(nb, n - k);
            final int diagOff = k * n + k;
            long t0 = phases == null ? 0 : System.nanoTime();
            Diag d = kernels.factorDiag(a, diagOff, kb, n);
            long t1 = phases == null ? 0 : System.nanoTime();
            if (phases != null) {
                phases[0] += t1 - t0;
            }
            if (d.info != 0) {
                return k + d.info;
            }
            final int r0 = k + kb;
            final int m = n - r0;
            if (m == 0) {
                break;
            }
            final int chunks = (m + nb - 1) / nb;
            final int col = k;
            Fanout.run(chunks, threads, c -> {
                int i0 = r0 + c * nb;
                kernels.panel(d, a, diagOff, kb, i0 * n + col, Math.min(nb, n - i0), n);
            });
            long t2 = phases == null ? 0 : System.nanoTime();
            if (phases != null) {
                phases[1] += t2 - t1;
            }
            // trailing update: per row block I, the diagonal tile and the columns left of it in
            // pieces of `wide` columns; tasks listed from the last row block (the longest) down
            final int wideBlocks = Math.max(1, wide / nb);
            int count = 0;
            for (int bi = 0; bi < chunks; bi++) {
                count += 1 + (bi + wideBlocks - 1) / wideBlocks;
            }
            final int[] task = new int[count * 2];
            int q = 0;
            for (int bi = chunks - 1; bi >= 0; bi--) {
                for (int bj = 0; bj < bi; bj += wideBlocks) {
                    task[q++] = bi;
                    task[q++] = bj;
                }
                task[q++] = bi;
                task[q++] = bi;
            }
            final double before = 1 - Math.pow(1 - (double) k / n, 3);
            final double after = 1 - Math.pow(1 - (double) r0 / n, 3);
            final int tasks = count;
            final java.util.concurrent.atomic.AtomicInteger finished = new java.util.concurrent.atomic.AtomicInteger();
            final java.util.concurrent.atomic.AtomicLong nextCheck =
                    new java.util.concurrent.atomic.AtomicLong(System.nanoTime() + checkEveryNanos);
            final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
            Fanout.run(count, threads, t -> {
                if (stopped.get()) {
                    return;
                }
                int bi = task[2 * t];
                int bj = task[2 * t + 1];
                int i0 = r0 + bi * nb;
                int j0 = r0 + bj * nb;
                int rows = Math.min(nb, n - i0);
                if (bi == bj) {
                    kernels.mulSubLower(rows, kb, a, i0 * n + col, n, a, i0 * n + i0, n);
                } else {
                    int cols = Math.min(wideBlocks, bi - bj) * nb;
                    kernels.mulSubNT(rows, cols, kb, a, i0 * n + col, n, a, j0 * n + col, n, a, i0 * n + j0, n);
                }
                int f = finished.incrementAndGet();
                long now = System.nanoTime();
                long due = nextCheck.get();
                if (stop != null && now >= due && !stopped.get() && nextCheck.compareAndSet(due, now + checkEveryNanos)
                        && stop.test(before + (after - before) * f / tasks)) {
                    stopped.set(true);
                }
            });
            if (phases != null) {
                phases[2] += System.nanoTime() - t2;
            }
            if (stopped.get() || (stop != null && stop.test(after))) {
                return STOPPED;
            }
        }
        return 0;
    }

    /**
     * C = R R^T for the upper triangular R in the upper triangle and diagonal of the row-major
     * n x n array {@code r}: overwrites the lower triangle and the diagonal with C's (LAPACK's
     * dlauum, U U^T, on the column-major view), the strict upper triangle stays as it was (the
     * strict lower one is not read). The products run on every thread: the tiles left of the
     * diagonal first, C_IJ = sum over K &gt;= I of R_IK R_JK^T (they read only the upper triangle
     * and the diagonal blocks), then the diagonal tiles from copies of the diagonal blocks.
     */
    public void upperGram(double[] r, int n) {
        if (r.length < (long) n * n) {
            throw new IllegalArgumentException("upperGram: the array has " + r.length + " values, not " + n + " x " + n);
        }
        final int nb = block;
        final int blocks = (n + nb - 1) / nb;
        // R's diagonal blocks (zero below the diagonal), and zeros where the strict lower triangle of C goes
        final double[][] diag = new double[blocks][];
        for (int bi = 0; bi < blocks; bi++) {
            int i0 = bi * nb;
            int ib = Math.min(nb, n - i0);
            double[] d = new double[ib * ib];
            for (int i = 0; i < ib; i++) {
                System.arraycopy(r, (i0 + i) * n + i0 + i, d, i * ib + i, ib - i);
                java.util.Arrays.fill(r, (i0 + i) * n, (i0 + i) * n + i0 + i, 0.0);
            }
            diag[bi] = d;
        }
        // C_IJ, J < I, in pieces of `wide` columns: -= R_I,[i0, n) R_J,[i0, n)^T into the zeros, negated below
        final int wideBlocks = Math.max(1, wide / nb);
        List<int[]> tasks = new java.util.ArrayList<>();
        for (int bi = blocks - 1; bi >= 1; bi--) {
            for (int bj = 0; bj < bi; bj += wideBlocks) {
                tasks.add(new int[] {bi, bj});
            }
        }
        Fanout.run(tasks.size(), threads, t -> {
            int bi = tasks.get(t)[0];
            int bj = tasks.get(t)[1];
            int i0 = bi * nb;
            int j0 = bj * nb;
            int rows = Math.min(nb, n - i0);
            int cols = Math.min(wideBlocks, bi - bj) * nb;
            kernels.mulSubNT(rows, cols, n - i0, r, i0 * n + i0, n, r, j0 * n + i0, n, r, i0 * n + j0, n);
        });
        // the diagonal tiles: C_II = R_II R_II^T + R_I,>I R_I,>I^T, from the copy of R_II
        Fanout.run(blocks, threads, bi -> {
            int i0 = bi * nb;
            int ib = Math.min(nb, n - i0);
            double[] c = new double[ib * ib];
            kernels.mulSubNT(ib, ib, ib, diag[bi], 0, ib, diag[bi], 0, ib, c, 0, ib);
            if (i0 + ib < n) {
                kernels.mulSubNT(ib, ib, n - i0 - ib, r, i0 * n + i0 + ib, n, r, i0 * n + i0 + ib, n, c, 0, ib);
            }
            for (int i = 0; i < ib; i++) {
                for (int j = 0; j <= i; j++) {
                    r[(i0 + i) * n + i0 + j] = -c[i * ib + j];
                }
            }
        });
        for (int i = nb; i < n; i++) {
            int row = i * n;
            int end = row + (i / nb) * nb;
            for (int q = row; q < end; q++) {
                r[q] = -r[q];
            }
        }
    }

    /**
     * Solves L L^T X = Y with L from {@link #factor} in the lower triangle of {@code l}: forward then
     * backward substitution by blocks, all outputs at once, the off-diagonal blocks as products.
     *
     * @param y row-major n x nrhs (not modified)
     * @return X, row-major n x nrhs
     */
    public double[] solve(double[] l, int n, double[] y, int nrhs) {
        // X^T, row-major nrhs x n: each output's vector contiguous; n spare values at the end
        // because netlib's bounds check asks for whole leading dimensions from an offset
        double[] t = new double[n * nrhs + n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < nrhs; c++) {
                t[c * n + i] = y[i * nrhs + c];
            }
        }
        if (n > 0 && nrhs > 0) {
            forward(l, n, t, nrhs);
            backward(l, n, t, nrhs);
        }
        double[] x = new double[n * nrhs];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < nrhs; c++) {
                x[i * nrhs + c] = t[c * n + i];
            }
        }
        return x;
    }

    /** L Z = Y on t = Y^T: per block I, Z_I^T -= Z_{<I}^T L_{I,<I}^T (product), then the diagonal block by substitution. */
    private void forward(double[] l, int n, double[] t, int nrhs) {
        for (int i0 = 0; i0 < n; i0 += block) {
            final int ib = Math.min(block, n - i0);
            final int start = i0;
            if (i0 > 0) {
                int parts = Math.min(threads, (ib + 63) / 64);
                Fanout.run(parts, threads, p -> {
                    int c0 = ib * p / parts;
                    int c1 = ib * (p + 1) / parts;
                    kernels.mulSubNT(nrhs, c1 - c0, start, t, 0, n, l, (start + c0) * n, n, t, start + c0, n);
                });
            }
            for (int c = 0; c < nrhs; c++) {
                int o = c * n;
                for (int i = i0; i < i0 + ib; i++) {
                    double z = t[o + i];
                    int row = i * n;
                    for (int j = i0; j < i; j++) {
                        z -= l[row + j] * t[o + j];
                    }
                    t[o + i] = z / l[row + i];
                }
            }
        }
    }

    /** L^T X = Z on t = Z^T: per block I from the last, X_I^T -= X_{>I}^T L_{>I,I} (product), then substitution. */
    private void backward(double[] l, int n, double[] t, int nrhs) {
        int last = ((n - 1) / block) * block;
        for (int i0 = last; i0 >= 0; i0 -= block) {
            final int ib = Math.min(block, n - i0);
            final int i1 = i0 + ib;
            final int start = i0;
            if (i1 < n) {
                int parts = Math.min(threads, (ib + 63) / 64);
                Fanout.run(parts, threads, p -> {
                    int c0 = ib * p / parts;
                    int c1 = ib * (p + 1) / parts;
                    kernels.mulSubNN(nrhs, c1 - c0, n - i1, t, i1, n, l, i1 * n + start + c0, n, t, start + c0, n);
                });
            }
            for (int c = 0; c < nrhs; c++) {
                int o = c * n;
                for (int i = i1 - 1; i >= i0; i--) {
                    double x = t[o + i];
                    for (int j = i + 1; j < i1; j++) {
                        x -= l[j * n + i] * t[o + j];
                    }
                    t[o + i] = x / l[i * n + i];
                }
            }
        }
    }

    /**
     * Relative residual per output of (K + shift I) X = Y, ||y - (K + shift I) x|| / ||y||, with K
     * the full symmetric n x n array; the product K X on all threads.
     */
    public double[] residual(double[] k, int n, double shift, double[] x, double[] y, int nrhs) {
        double[] xt = new double[n * nrhs + n]; // + n: see solve
        double[] rt = new double[n * nrhs + n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < nrhs; c++) {
                xt[c * n + i] = x[i * nrhs + c];
                rt[c * n + i] = y[i * nrhs + c] - shift * x[i * nrhs + c];
            }
        }
        if (n > 0 && nrhs > 0) {
            // R^T -= X^T K^T (K symmetric), by column blocks of R^T
            int chunks = (n + block - 1) / block;
            Fanout.run(chunks, threads, b -> {
                int c0 = b * block;
                int cols = Math.min(block, n - c0);
                kernels.mulSubNT(nrhs, cols, n, xt, 0, n, k, c0 * n, n, rt, c0, n);
            });
        }
        double[] res = new double[nrhs];
        for (int c = 0; c < nrhs; c++) {
            double rr = 0;
            double yy = 0;
            for (int i = 0; i < n; i++) {
                double r = rt[c * n + i];
                double v = y[i * nrhs + c];
                rr += r * r;
                yy += v * v;
            }
            res[c] = yy == 0 ? (rr == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(rr / yy);
        }
        return res;
    }

    /** A factored diagonal block: LAPACK-style info (0 or the 1-based failing row) and, for the Java kernels, L11^-1. */
    record Diag(int info, double[] inverse) {
    }

    /**
     * The products the blocked algorithm needs, all on row-major matrices given as (array,
     * offset, leading dimension). Implementations are called from several threads at once.
     */
    abstract static class Kernels {

        abstract String name();

        /** Cholesky of the kb x kb block at {@code off} (lower triangle, leading dimension ld) in place. */
        abstract Diag factorDiag(double[] a, int off, int kb, int ld);

        /** Rows x kb block X at {@code off}: X := X L11^-T with L11 the block {@code d} factored at {@code diagOff}. */
        abstract void panel(Diag d, double[] a, int diagOff, int kb, int off, int rows, int ld);

        /** C (m x n) -= A (m x k) B^T (B n x k). */
        abstract void mulSubNT(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                               double[] c, int cOff, int ldc);

        /** C (m x n) -= A (m x k) B (B k x n). */
        abstract void mulSubNN(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                               double[] c, int cOff, int ldc);

        /** Lower triangle and diagonal of C (m x m) -= A A^T (A m x k); the strict upper triangle of C is not written. */
        abstract void mulSubLower(int m, int k, double[] a, int aOff, int lda, double[] c, int cOff, int ldc);
    }

    /**
     * netlib's BLAS and LAPACK on the array itself. A row-major matrix is the column-major
     * transpose, so row-major C -= A B^T is column-major C^T -= B A^T, dgemm("T", "N", n, m, k,
     * B, A), and a row-major lower triangle is a column-major upper one.
     */
    static final class BlasKernels extends Kernels {
        private final BLAS blas;
        private final LAPACK lapack;

        BlasKernels(BLAS blas, LAPACK lapack) {
            this.blas = blas;
            this.lapack = lapack;
        }

        @Override
        String name() {
            return "netlib " + blas.getClass().getSimpleName() + " dgemm";
        }

        /**
         * True when netlib's bounds check accepts a row-major block of {@code rows} rows at
         * {@code off}: it asks for whole leading dimensions (off + rows * ld &lt;= length), which
         * blocks in the last rows of the array miss by their column offset; those are copied.
         */
        private static boolean fits(double[] x, int off, int rows, int ld) {
            return (long) off + (long) rows * ld <= x.length;
        }

        private static double[] copy(double[] x, int off, int rows, int cols, int ld) {
            double[] b = new double[Math.max(1, rows * cols)];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(x, off + r * ld, b, r * cols, cols);
            }
            return b;
        }

        private static void back(double[] b, int rows, int cols, double[] x, int off, int ld) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(b, r * cols, x, off + r * ld, cols);
            }
        }

        @Override
        Diag factorDiag(double[] a, int off, int kb, int ld) {
            intW info = new intW(0);
            if (fits(a, off, kb, ld)) {
                lapack.dpotrf("U", kb, a, off, ld, info);
            } else {
                double[] b = copy(a, off, kb, kb, ld);
                lapack.dpotrf("U", kb, b, 0, kb, info);
                back(b, kb, kb, a, off, ld);
            }
            if (info.val < 0) {
                throw new IllegalStateException("dpotrf: illegal argument " + (-info.val));
            }
            // OpenBLAS's dpotrf tests pivots with <= 0 only, so a NaN passes: look at the diagonal
            for (int i = 0; info.val == 0 && i < kb; i++) {
                double d = a[off + i * ld + i];
                if (!(d > 0) || d == Double.POSITIVE_INFINITY) {
                    info.val = i + 1;
                }
            }
            return new Diag(info.val, null);
        }

        @Override
        void panel(Diag d, double[] a, int diagOff, int kb, int off, int rows, int ld) {
            // X L11^T = A  <=>  L11 X^T = A^T; column-major X^T is kb x rows, L11 is U^T with U column-major upper
            if (fits(a, diagOff, kb, ld) && fits(a, off, rows, ld)) {
                blas.dtrsm("L", "U", "T", "N", kb, rows, 1.0, a, diagOff, ld, a, off, ld);
                return;
            }
            double[] l = copy(a, diagOff, kb, kb, ld);
            double[] x = copy(a, off, rows, kb, ld);
            blas.dtrsm("L", "U", "T", "N", kb, rows, 1.0, l, 0, kb, x, 0, kb);
            back(x, rows, kb, a, off, ld);
        }

        @Override
        void mulSubNT(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double[] c, int cOff, int ldc) {
            if (m == 0 || n == 0 || k == 0) {
                return;
            }
            if (fits(a, aOff, m, lda) && fits(b, bOff, n, ldb) && fits(c, cOff, m, ldc)) {
                blas.dgemm("T", "N", n, m, k, -1.0, b, bOff, ldb, a, aOff, lda, 1.0, c, cOff, ldc);
                return;
            }
            double[] cb = copy(c, cOff, m, n, ldc);
            blas.dgemm("T", "N", n, m, k, -1.0, copy(b, bOff, n, k, ldb), 0, k, copy(a, aOff, m, k, lda), 0, k, 1.0, cb, 0, n);
            back(cb, m, n, c, cOff, ldc);
        }

        @Override
        void mulSubNN(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double[] c, int cOff, int ldc) {
            if (m == 0 || n == 0 || k == 0) {
                return;
            }
            if (fits(a, aOff, m, lda) && fits(b, bOff, k, ldb) && fits(c, cOff, m, ldc)) {
                blas.dgemm("N", "N", n, m, k, -1.0, b, bOff, ldb, a, aOff, lda, 1.0, c, cOff, ldc);
                return;
            }
            double[] cb = copy(c, cOff, m, n, ldc);
            blas.dgemm("N", "N", n, m, k, -1.0, copy(b, bOff, k, n, ldb), 0, n, copy(a, aOff, m, k, lda), 0, k, 1.0, cb, 0, n);
            back(cb, m, n, c, cOff, ldc);
        }

        @Override
        void mulSubLower(int m, int k, double[] a, int aOff, int lda, double[] c, int cOff, int ldc) {
            if (m == 0 || k == 0) {
                return;
            }
            if (fits(a, aOff, m, lda) && fits(c, cOff, m, ldc)) {
                blas.dsyrk("U", "T", m, k, -1.0, a, aOff, lda, 1.0, c, cOff, ldc);
                return;
            }
            // the copy of C holds its whole square; dsyrk writes only the lower (row-major) triangle back unchanged above
            double[] cb = copy(c, cOff, m, m, ldc);
            blas.dsyrk("U", "T", m, k, -1.0, copy(a, aOff, m, k, lda), 0, k, 1.0, cb, 0, m);
            for (int r = 0; r < m; r++) {
                System.arraycopy(cb, r * m, c, cOff + r * ldc, r + 1);
            }
        }
    }

    /**
     * The project's {@link Gemm} (c = a b^T on contiguous row-major blocks): operands are copied
     * into per-thread buffers, the product goes to a buffer and is subtracted. The copies are
     * O(tile) per O(tile x BLOCK) flops. The small diagonal-block factor and inverse are loops
     * over contiguous rows (axpy form) that the JIT vectorizes.
     */
    static final class GemmKernels extends Kernels {
        private final Gemm gemm;
        private static final ThreadLocal<double[][]> BUFFERS = ThreadLocal.withInitial(() -> new double[3][]);

        GemmKernels(Gemm gemm) {
            this.gemm = gemm;
        }

        @Override
        String name() {
            return gemm.name() + " gemm";
        }

        private static double[] buffer(int slot, long size) {
            double[][] b = BUFFERS.get();
            if (b[slot] == null || b[slot].length < size) {
                b[slot] = new double[(int) Math.max(size, 1)];
            }
            return b[slot];
        }

        /**
         * Factors the block as its transpose U = L^T, one array per row, where both the scaling of
         * row j and the rank-1 update of the rows below run along contiguous rows; then U^-1 by
         * back substitution in the same form, so L11^-1 = (U^-1)^T. Separate row arrays let the
         * JIT vectorize the updates (ui[c] -= s * uj[c] has no loop-carried dependence even if
         * ui == uj; offsets into one array would hide that): 2x faster than one flat array.
         */
        @Override
        Diag factorDiag(double[] a, int off, int kb, int ld) {
            double[][] u = new double[kb][kb];
            for (int i = 0; i < kb; i++) {
                int row = off + i * ld;
                for (int j = 0; j <= i; j++) {
                    u[j][i] = a[row + j];
                }
            }
            for (int j = 0; j < kb; j++) {
                double[] uj = u[j];
                double d = uj[j];
                if (!(d > 0) || d == Double.POSITIVE_INFINITY) {
                    return new Diag(j + 1, null);
                }
                d = Math.sqrt(d);
                uj[j] = d;
                double inv = 1.0 / d;
                for (int c = j + 1; c < kb; c++) {
                    uj[c] *= inv;
                }
                for (int i = j + 1; i < kb; i++) {
                    double s = uj[i];
                    double[] ui = u[i];
                    for (int c = i; c < kb; c++) {
                        ui[c] -= s * uj[c];
                    }
                }
            }
            for (int i = 0; i < kb; i++) {
                int row = off + i * ld;
                for (int j = 0; j <= i; j++) {
                    a[row + j] = u[j][i];
                }
            }
            // X = U^-1 (upper): row i of U X = I gives X[i][c] = (delta_ic - sum_{q>i} U[i][q] X[q][c]) / U[i][i]
            double[][] x = new double[kb][kb];
            for (int i = kb - 1; i >= 0; i--) {
                double[] xi = x[i];
                double[] ui = u[i];
                xi[i] = 1.0;
                for (int q = i + 1; q < kb; q++) {
                    double s = ui[q];
                    double[] xq = x[q];
                    for (int c = q; c < kb; c++) {
                        xi[c] -= s * xq[c];
                    }
                }
                double inv = 1.0 / ui[i];
                for (int c = i; c < kb; c++) {
                    xi[c] *= inv;
                }
            }
            // L11^-1 = X^T, row-major lower
            double[] linv = new double[kb * kb];
            for (int i = 0; i < kb; i++) {
                double[] xi = x[i];
                for (int c = i; c < kb; c++) {
                    linv[c * kb + i] = xi[c];
                }
            }
            return new Diag(0, linv);
        }

        @Override
        void panel(Diag d, double[] a, int diagOff, int kb, int off, int rows, int ld) {
            // X = A L11^-T = A (L11^-1)^T: gemmABt(A, L11^-1)
            double[] in = buffer(0, (long) rows * kb);
            double[] out = buffer(1, (long) rows * kb);
            copyIn(a, off, ld, rows, kb, in);
            gemm.gemmABt(in, rows, d.inverse(), kb, kb, out);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(out, r * kb, a, off + r * ld, kb);
            }
        }

        /**
         * Longest inner dimension per product: the solves and the residual have k up to N, and the
         * per-thread buffers (kept by the pool's threads) stay at a few MB by taking k in pieces.
         */
        static final int K_CHUNK = 2048;

        @Override
        void mulSubNT(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double[] c, int cOff, int ldc) {
            if (m == 0 || n == 0 || k == 0) {
                return;
            }
            for (int p0 = 0; p0 < k; p0 += K_CHUNK) {
                int kc = Math.min(K_CHUNK, k - p0);
                double[] ab = buffer(0, (long) m * kc);
                double[] bb = buffer(1, (long) n * kc);
                double[] t = buffer(2, (long) m * n);
                copyIn(a, aOff + p0, lda, m, kc, ab);
                copyIn(b, bOff + p0, ldb, n, kc, bb);
                gemm.gemmABt(ab, m, bb, n, kc, t);
                subtract(t, m, n, c, cOff, ldc);
            }
        }

        @Override
        void mulSubNN(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double[] c, int cOff, int ldc) {
            if (m == 0 || n == 0 || k == 0) {
                return;
            }
            for (int p0 = 0; p0 < k; p0 += K_CHUNK) {
                int kc = Math.min(K_CHUNK, k - p0);
                double[] ab = buffer(0, (long) m * kc);
                double[] bt = buffer(1, (long) n * kc);
                double[] t = buffer(2, (long) m * n);
                copyIn(a, aOff + p0, lda, m, kc, ab);
                for (int p = 0; p < kc; p++) {
                    int row = bOff + (p0 + p) * ldb;
                    for (int j = 0; j < n; j++) {
                        bt[j * kc + p] = b[row + j];
                    }
                }
                gemm.gemmABt(ab, m, bt, n, kc, t);
                subtract(t, m, n, c, cOff, ldc);
            }
        }

        @Override
        void mulSubLower(int m, int k, double[] a, int aOff, int lda, double[] c, int cOff, int ldc) {
            if (m == 0 || k == 0) {
                return;
            }
            double[] ab = buffer(0, (long) m * k);
            double[] t = buffer(2, (long) m * m);
            copyIn(a, aOff, lda, m, k, ab);
            gemm.gemmAAt(ab, m, k, t);
            for (int i = 0; i < m; i++) {
                int o = cOff + i * ldc;
                int ti = i * m;
                for (int j = 0; j <= i; j++) {
                    c[o + j] -= t[ti + j];
                }
            }
        }

        private static void copyIn(double[] src, int off, int ld, int rows, int cols, double[] dst) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(src, off + r * ld, dst, r * cols, cols);
            }
        }

        private static void subtract(double[] t, int m, int n, double[] c, int cOff, int ldc) {
            for (int i = 0; i < m; i++) {
                int o = cOff + i * ldc;
                int ti = i * n;
                for (int j = 0; j < n; j++) {
                    c[o + j] -= t[ti + j];
                }
            }
        }
    }
}
