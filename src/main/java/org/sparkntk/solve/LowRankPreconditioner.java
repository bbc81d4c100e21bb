package org.sparkntk.solve;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.netlib.util.intW;

/**
 * M = F F^T + mu I with a rank-R factor F (N x R) of a Nystrom approximation K ~ F F^T, applied
 * with the Woodbury identity: M^-1 r = (r - F (mu I + F^T F)^-1 F^T r) / mu. Cost per application
 * O(N R k); the driver holds F (8 N R bytes).
 *
 * <p>F comes from randomly pivoted Cholesky (Chen, Epperly, Tropp and Webber 2022; as a KRR
 * preconditioner: Diaz, Epperly, Frangella, Tropp and Webber 2023): pivots are sampled with
 * probability proportional to the diagonal of the residual K - F F^T, so clustered or
 * near-duplicate points are not picked twice. It needs the diagonal of K and only the R
 * columns it picks, fetched in blocks (one pass over K per block). The result is a Nystrom
 * approximation K(:,S) K(S,S)^-1 K(S,:) on the pivot set S.
 *
 * <p>Why not Jacobi: the NTK diagonal is nearly constant, so a diagonal preconditioner does
 * nothing; the ill-conditioning is in the few large eigenvalues this one captures.
 */
public final class LowRankPreconditioner implements Preconditioner {

    private final int n;
    private final int rank;
    private final double[] f;
    private final double mu;
    private final double[] chol;
    private final String name;
    private int[] pivots = new int[0];

    private LowRankPreconditioner(int n, int rank, double[] f, double mu, String name) {
        this.n = n;
        this.rank = rank;
        this.f = f;
        this.mu = mu;
        this.name = name;
        // chol = Cholesky of (mu I + F^T F), column-major R x R; F row-major with ld R is F^T column-major
        double[] g = gram(f, n, rank);
        for (int i = 0; i < rank; i++) {
            g[i * rank + i] += mu;
        }
        intW info = new intW(0);
        if (rank > 0) {
            LAPACK.getInstance().dpotrf("L", rank, g, rank, info);
        }
        if (info.val != 0) {
            throw new IllegalStateException("preconditioner: mu I + F^T F not positive definite (info " + info.val + ")");
        }
        this.chol = g;
    }

    /**
     * The lower triangle of F^T F (column-major R x R) by rank-k updates over row ranges, one per
     * driver core, summed: F^T F is the largest product of the set-up (2 N R^2 flops as a GEMM).
     */
    static double[] gram(double[] f, int n, int rank) {
        double[] g = new double[rank * rank];
        if (rank == 0 || n == 0) {
            return g;
        }
        java.util.List<double[]> parts = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        // F row-major N x R with ld R is F^T column-major (R x N): F^T F = A A^T with A = F^T
        Fanout.rows(n, (i0, rows) -> {
            double[] p = new double[rank * rank];
            BLAS.getInstance().dsyrk("L", "N", rank, rows, 1.0, f, i0 * rank, rank, 0.0, p, 0, rank);
            parts.add(p);
        });
        for (double[] p : parts) {
            for (int c = 0; c < rank; c++) {
                for (int r = c; r < rank; r++) {
                    g[r + c * rank] += p[r + c * rank];
                }
            }
        }
        return g;
    }

    /** Rank actually reached (lower than asked when K has lower numerical rank). */
    public int rank() {
        return rank;
    }

    /** The rows picked as pivots, in the order they were accepted (the Nystrom centres of the factor). */
    public int[] pivots() {
        return pivots.clone();
    }

    /** The shift mu. */
    public double mu() {
        return mu;
    }

    @Override
    public String describe() {
        return name + ":" + rank;
    }

    @Override
    public void solve(double[] r, int k, double[] z) {
        System.arraycopy(r, 0, z, 0, r.length);
        if (rank > 0 && k > 0) {
            // t^T (k x R) = r^T F
            double[] t = new double[k * rank];
            BLAS.getInstance().dgemm("N", "T", k, rank, n, 1.0, r, k, f, rank, 0.0, t, k);
            // s = (mu I + F^T F)^-1 t, column-major R x k
            double[] s = new double[rank * k];
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < rank; j++) {
                    s[c * rank + j] = t[j * k + c];
                }
            }
            intW info = new intW(0);
            LAPACK.getInstance().dpotrs("L", rank, k, chol, rank, s, rank, info);
            // back to row-major R x k, i.e. column-major s^T (k x R)
            for (int j = 0; j < rank; j++) {
                for (int c = 0; c < k; c++) {
                    t[j * k + c] = s[c * rank + j];
                }
            }
            // z^T (k x N) = r^T - s^T F^T
            BLAS.getInstance().dgemm("N", "N", k, n, rank, -1.0, t, k, f, rank, 1.0, z, k);
        }
        double inv = 1.0 / mu;
        for (int i = 0; i < z.length; i++) {
            z[i] *= inv;
        }
    }

    /** The shift to use for a ridge lambda: lambda itself, or a tiny fraction of the mean diagonal when lambda = 0. */
    public static double shiftFor(double lambda, double meanDiag) {
        return lambda > 0 ? lambda : Math.max(1e-10 * meanDiag, Double.MIN_NORMAL);
    }

    /**
     * Randomly pivoted Cholesky of rank at most {@code rank}, pivots drawn {@code blockSize} at a
     * time (one {@link SymmetricOperator#columns} call per block).
     */
    public static LowRankPreconditioner rpCholesky(SymmetricOperator k, int rank, double lambda, int blockSize,
                                                   long seed, Consumer<String> log) {
        Factor x = factorize(k, rank, lambda, blockSize, seed, log);
        double[] fr = x.f();
        if (x.cols() < x.rank()) {
            fr = new double[x.n() * x.cols()];
            for (int i = 0; i < x.n(); i++) {
                System.arraycopy(x.f(), i * x.rank(), fr, i * x.cols(), x.cols());
            }
        }
        LowRankPreconditioner p = new LowRankPreconditioner(x.n(), x.cols(), fr, x.mu(), "rpcholesky");
        p.pivots = x.pivots();
        return p;
    }

    /**
     * The pivots {@link #rpCholesky} would pick with the same arguments, in acceptance order,
     * without building the preconditioner: Nystrom centre selection needs only the rows, and the
     * preconditioner's F^T F and its Cholesky would cost another 2 N rank^2 flops on the driver.
     */
    public static int[] rpCholeskyPivots(SymmetricOperator k, int rank, long seed, int blockSize, Consumer<String> log) {
        return factorize(k, rank, 0.0, blockSize, seed, log).pivots();
    }

    /** N x rank factor F (row-major, ld rank) of which the first cols columns are filled, the shift and the pivots. */
    private record Factor(int n, int rank, int cols, double[] f, double mu, int[] pivots) {
    }

    private static Factor factorize(SymmetricOperator k, int rank, double lambda, int blockSize, long seed,
                                    Consumer<String> log) {
        int n = k.size();
        if (rank < 1) {
            throw new IllegalArgumentException("preconditioner rank is " + rank + " but must be >= 1");
        }
        rank = Math.min(rank, n);
        blockSize = Math.max(1, Math.min(blockSize, rank));
        long t0 = System.nanoTime();
        double[] d = k.diagonal().clone();
        double trace0 = 0;
        for (double v : d) {
            trace0 += v;
        }
        double mu = shiftFor(lambda, n == 0 ? 0 : trace0 / n);
        double[] f = new double[n * rank];
        int[] picked = new int[rank];
        Random rnd = new Random(seed);
        int cols = 0;
        int rounds = 0;
        double pivotFloor = 1e-12 * (trace0 / n);
        while (cols < rank) {
            double sum = 0;
            for (double v : d) {
                sum += v;
            }
            if (!(sum > 1e-14 * trace0)) {
                break; // K is (numerically) of rank cols: F F^T is exact
            }
            int b = Math.min(blockSize, rank - cols);
            int[] s = sample(d, b, rnd);
            double[] g = k.columns(s); // row-major N x m: the sampled columns of K
            int m = s.length;
            if (cols > 0) {
                // g -= F(:, 0:cols) F(s, 0:cols)^T: the residual columns
                double[] fs = new double[m * cols];
                for (int j = 0; j < m; j++) {
                    System.arraycopy(f, s[j] * rank, fs, j * cols, cols);
                }
                int c0 = cols;
                int ld = rank;
                Fanout.rows(n, (i0, rows) -> BLAS.getInstance().dgemm("T", "N", m, rows, c0, -1.0, fs, 0, c0,
                        f, i0 * ld, ld, 1.0, g, i0 * m, m));
            }
            // pivots accepted in draw order, each against the residual left by those before it
            // (exactly the one-column-at-a-time algorithm), by a Cholesky of the m x m block G(s, s)
            int[] acc = new int[m];
            double[] l = new double[m * m]; // column-major lower factor of G(acc, acc), order a
            int a = 0;
            double[] row = new double[m];
            for (int j = 0; j < m && cols + a < rank; j++) {
                int piv = s[j];
                // row = L^-1 G(acc, piv)
                double rest = g[piv * m + j];
                for (int q = 0; q < a; q++) {
                    double v = g[s[acc[q]] * m + j];
                    for (int t = 0; t < q; t++) {
                        v -= l[q + t * m] * row[t];
                    }
                    v /= l[q + q * m];
                    row[q] = v;
                    rest -= v * v;
                }
                if (!(rest > pivotFloor)) {
                    continue; // already explained by the factor: skip the pivot
                }
                for (int q = 0; q < a; q++) {
                    l[a + q * m] = row[q];
                }
                l[a + a * m] = Math.sqrt(rest);
                acc[a++] = j;
            }
            if (a > 0) {
                // the new factor columns: X = G(:, acc) L^-T, i.e. column-major X^T (a x N) = L^-1 G(:, acc)^T
                double[] x = new double[n * a];
                for (int i = 0; i < n; i++) {
                    for (int q = 0; q < a; q++) {
                        x[i * a + q] = g[i * m + acc[q]];
                    }
                }
                double[] lc = new double[a * a];
                for (int c = 0; c < a; c++) {
                    for (int r = c; r < a; r++) {
                        lc[r + c * a] = l[r + c * m];
                    }
                }
                int na = a;
                Fanout.rows(n, (i0, rows) -> BLAS.getInstance().dtrsm("L", "L", "N", "N", na, rows, 1.0, lc, 0, na,
                        x, i0 * na, na));
                for (int i = 0; i < n; i++) {
                    double dd = d[i];
                    int xo = i * a;
                    int fo = i * rank + cols;
                    for (int q = 0; q < a; q++) {
                        double v = x[xo + q];
                        f[fo + q] = v;
                        dd -= v * v;
                    }
                    d[i] = Math.max(dd, 0.0);
                }
                for (int q = 0; q < a; q++) {
                    d[s[acc[q]]] = 0.0;
                    picked[cols + q] = s[acc[q]];
                }
                cols += a;
            }
            rounds++;
            if (log != null) {
                double rest = 0;
                for (double v : d) {
                    rest += v;
                }
                log.accept(String.format(java.util.Locale.ROOT, "rpcholesky: %d of %d pivots after %d column fetches,"
                        + " residual trace %.3g of %.3g, %.1f s", cols, rank, rounds, rest, trace0, (System.nanoTime() - t0) / 1e9));
            }
        }
        if (log != null) {
            double rest = 0;
            for (double v : d) {
                rest += v;
            }
            log.accept(String.format(java.util.Locale.ROOT,
                    "rpcholesky: rank %d in %d column fetches, residual trace %.3g of %.3g (%.2g), mu %.3g",
                    cols, rounds, rest, trace0, trace0 == 0 ? 0 : rest / trace0, mu));
        }
        return new Factor(n, rank, cols, f, mu, Arrays.copyOf(picked, cols));
    }

    /** b draws with replacement from the distribution d / sum, duplicates dropped, in draw order. */
    private static int[] sample(double[] d, int b, Random rnd) {
        int n = d.length;
        double[] cum = new double[n];
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += d[i];
            cum[i] = acc;
        }
        int[] out = new int[b];
        int m = 0;
        java.util.HashSet<Integer> seen = new java.util.HashSet<>();
        for (int t = 0; t < b; t++) {
            double u = rnd.nextDouble() * acc;
            int i = Arrays.binarySearch(cum, u);
            i = i >= 0 ? i + 1 : -i - 1;
            i = Math.min(i, n - 1);
            while (i > 0 && d[i] == 0) {
                i--; // never land on a zero-weight entry through rounding
            }
            if (d[i] > 0 && seen.add(i)) {
                out[m++] = i;
            }
        }
        return Arrays.copyOf(out, m);
    }
}
