package org.sparkntk.solve;

import dev.ludovic.netlib.lapack.LAPACK;
import dev.ludovic.netlib.lapack.NativeLAPACK;
import java.util.Locale;
import java.util.Random;
import org.netlib.util.intW;
import org.sparkntk.tile.Gemm;
import org.sparkntk.tile.NetlibGemm;
import org.sparkntk.tile.TileKernels;

/**
 * How {@link CholeskySolver} factors: LAPACK dpotrf/dpotrs (one BLAS thread), or a
 * {@link BlockedCholesky} ({@code blocked} not null); with the rate measured on this machine
 * ({@code flops}, NaN until measured) and why it was picked.
 */
public record DenseMethod(String name, BlockedCholesky blocked, double flops, String reason) {

    /** Size of the timed factorization when picking (the rate grows with N; this is a floor for larger N). */
    static final int PROBE_N = 2048;

    /** netlib's LAPACK dpotrf/dpotrs, as netlib loaded it (native or its Java port). */
    public static DenseMethod lapack() {
        String kind = nativeLapack() ? "native" : "netlib java port";
        return new DenseMethod("lapack dpotrf, " + kind + ", 1 thread", null, Double.NaN, "");
    }

    /** The blocked Java factorization with this JVM's GEMM ({@link TileKernels#gemm()}) on {@code threads} threads. */
    public static DenseMethod blocked(int threads) {
        Gemm g = TileKernels.gemm();
        BlockedCholesky b = g instanceof NetlibGemm && TileKernels.nativeBlas()
                ? BlockedCholesky.nativeBlas(threads) : BlockedCholesky.withGemm(g, threads);
        return blocked(b);
    }

    /** A given blocked factorization. */
    public static DenseMethod blocked(BlockedCholesky b) {
        return new DenseMethod(b.name(), b, Double.NaN, "");
    }

    /** True when netlib loaded a native LAPACK. */
    public static boolean nativeLapack() {
        return LAPACK.getInstance() instanceof NativeLAPACK;
    }

    /** For logs: name, rate and reason. */
    public String describe() {
        return String.format(Locale.ROOT, "%s, %.1f GFLOP/s (%s)", name, flops / 1e9, reason);
    }

    DenseMethod with(double rate, String why) {
        return new DenseMethod(name, blocked, rate, why);
    }

    /**
     * {@code auto}: the blocked method without native LAPACK; with it, whichever of the two
     * factored a {@link #PROBE_N} matrix faster (best of 3, alternating) on the driver's cores;
     * {@code lapack} or {@code blocked} force one (its rate still measured).
     */
    static DenseMethod pick(String want) {
        int cores = Fanout.cores();
        String prop = "-D" + CholeskySolver.METHOD_PROPERTY + "=" + want;
        switch (want) {
            case "lapack": {
                DenseMethod m = lapack();
                return m.with(rate(m, 3), "forced by " + prop);
            }
            case "blocked": {
                DenseMethod m = blocked(cores);
                return m.with(rate(m, 3), "forced by " + prop);
            }
            case "auto": {
                if (!nativeLapack()) {
                    DenseMethod m = blocked(cores);
                    return m.with(rate(m, 3), "netlib has no native LAPACK; its Java port runs about 1.8 GFLOP/s");
                }
                DenseMethod l = lapack();
                DenseMethod b = blocked(cores);
                if (cores == 1) {
                    return l.with(rate(l, 3), "native LAPACK, one driver core");
                }
                double[] rates = rates(new DenseMethod[] {l, b}, 3);
                String why = String.format(Locale.ROOT, "measured at N = %d: blocked on %d threads %.1f GFLOP/s,"
                        + " lapack dpotrf on 1 thread %.1f GFLOP/s", PROBE_N, cores, rates[1] / 1e9, rates[0] / 1e9);
                return rates[1] > rates[0] ? b.with(rates[1], why) : l.with(rates[0], why);
            }
            default:
                throw new IllegalArgumentException(prop + " but must be one of auto, lapack, blocked");
        }
    }

    private static double rate(DenseMethod m, int reps) {
        return rates(new DenseMethod[] {m}, reps)[0];
    }

    /**
     * Best rate (N^3 / 3 flops per second of factorization) of each method over {@code reps}
     * alternating runs on one diagonally dominant matrix, after warm-up runs on a small one until
     * two agree within 20% (the JIT compiles the Java kernels during the first ones) or 3 s pass.
     */
    static double[] rates(DenseMethod[] methods, int reps) {
        int warm = 2 * BlockedCholesky.BLOCK; // two block columns: the panel and tile products run too
        for (DenseMethod m : methods) {
            double[] small = probe(warm);
            double[] a = small.clone();
            long until = System.nanoTime() + 3_000_000_000L;
            double prev = Double.NaN;
            for (int w = 0; w < 50 && System.nanoTime() < until; w++) {
                System.arraycopy(small, 0, a, 0, a.length);
                double s = factorSeconds(m, a, warm);
                if (w > 1 && Math.abs(s - prev) < 0.2 * prev) {
                    break;
                }
                prev = s;
            }
        }
        // slow methods (netlib's Java LAPACK) on a smaller matrix, so the pick stays under ~1 s
        int n = PROBE_N;
        for (DenseMethod m : methods) {
            double[] a = probe(512);
            double s = factorSeconds(m, a, 512);
            double r = 512.0 * 512 * 512 / 3 / s;
            n = Math.min(n, Math.max(512, (int) Math.cbrt(3 * 0.2 * r)));
        }
        double[] orig = probe(n);
        double[] a = new double[orig.length];
        double[] best = new double[methods.length];
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < methods.length; i++) {
                System.arraycopy(orig, 0, a, 0, a.length);
                double s = factorSeconds(methods[i], a, n);
                best[i] = Math.max(best[i], (double) n * n * n / 3 / s);
            }
        }
        return best;
    }

    private static double factorSeconds(DenseMethod m, double[] a, int n) {
        long t0 = System.nanoTime();
        int info;
        if (m.blocked() == null) {
            intW w = new intW(0);
            LAPACK.getInstance().dpotrf("L", n, a, n, w);
            info = w.val;
        } else {
            info = m.blocked().factor(a, n);
        }
        double s = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
        if (info != 0) {
            throw new IllegalStateException("cholesky timing: the probe matrix was not factored (" + m.name() + ", info " + info + ")");
        }
        return s;
    }

    /** A symmetric matrix with off-diagonal entries in (-1, 1) / n and 2 on the diagonal: positive definite by Gershgorin. */
    public static double[] probeMatrix(int n) {
        return probe(n);
    }

    static double[] probe(int n) {
        Random r = new Random(42);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = 2;
            for (int j = 0; j < i; j++) {
                double v = (2 * r.nextDouble() - 1) / n;
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        return a;
    }
}
