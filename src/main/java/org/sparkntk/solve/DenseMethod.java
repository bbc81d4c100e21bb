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
public record DenseMethod(String name, BlockedCholesky blocked, double flops, String reason, Scaling scaling) {

    /**
     * Seconds of one timed factorization at N = {@code probeN}, split by how the work grows with
     * N: {@code cubic} (LAPACK's whole run, the blocked method's trailing updates, N^3 / 3 flops
     * on every core), {@code quadratic} (the blocked method's panels, N^2 B / 2 flops) and
     * {@code linear} (its N / B diagonal blocks, one thread). The blocked method's rate grows with
     * N because its diagonal blocks and panels grow slower than its updates: 27-36 GFLOP/s at
     * N = 3072 against about 69 at N = 10000 on a quiet 2-core machine, where dpotrf stays at
     * 43-45 (docs/benchmarks.md, "10000 x 2000: fixed costs").
     */
    public record Scaling(int probeN, double cubic, double quadratic, double linear) {

        /** Seconds a factorization of an N x N matrix is expected to take. */
        public double secondsAt(long n) {
            double r = (double) n / probeN;
            return cubic * r * r * r + quadratic * r * r + linear * r;
        }
    }

    /** Without a timing. */
    public DenseMethod(String name, BlockedCholesky blocked, double flops, String reason) {
        this(name, blocked, flops, reason, null);
    }

    /** The expected rate (N^3 / 3 flops per second) at N from the timed run, or {@link #flops()} when not timed. */
    public double flopsAt(long n) {
        if (scaling == null || n <= 0) {
            return flops;
        }
        return (double) n * n * n / 3 / scaling.secondsAt(n);
    }

    /**
     * Size of the timed factorization when picking. The rates grow with N, the blocked one's
     * faster (its serial diagonal blocks weigh less): at N = 2000 it was about half its N = 10k rate
     * per core, so a smaller probe would pick LAPACK where the blocked one wins at the sizes that
     * take time. About 0.2 s a run with native LAPACK.
     */
    static final int PROBE_N = 3072;

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

    /**
     * A floor for the rate of the method {@link #pick} would choose, known without timing: 10
     * GFLOP/s with native LAPACK or the Vector API (the slowest such rate measured, the blocked
     * Vector API one at N = 2000 at load average 19; docs/benchmarks.md), else 1 GFLOP/s (the
     * blocked one on the scalar GEMM).
     */
    public static double floorFlops() {
        return nativeLapack() || TileKernels.vectorUnavailableReason() == null ? 10e9 : 1e9;
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
        return new DenseMethod(name, blocked, rate, why, scaling);
    }

    DenseMethod with(Scaling s) {
        return new DenseMethod(name, blocked, flops, reason, s);
    }

    /**
     * {@code auto}: the blocked method without native LAPACK; with it, whichever of LAPACK
     * dpotrf, the blocked one with native dgemm and the blocked one with the Vector API GEMM
     * is expected to factor fastest at the size asked ({@link #best}), from runs on a
     * {@link #PROBE_N} matrix (best of 2, alternating) on the driver's cores;
     * {@code lapack} or {@code blocked} force one (its rate still measured).
     */
    static DenseMethod pick(String want) {
        long t0 = System.nanoTime();
        DenseMethod m = pick(want, PROBE_N);
        return m.with(m.flops(), m.reason() + String.format(Locale.ROOT, "; timed in %.2f s", (System.nanoTime() - t0) / 1e9));
    }

    /** As {@link #pick(String)}, timing an N = {@code probeN} matrix (tests: a small one), the best at that N. */
    static DenseMethod pick(String want, int probeN) {
        return best(timed(want, probeN), probeN);
    }

    /**
     * The candidates of {@code want} (see {@link #pick(String)}), each timed on an N = {@code probeN}
     * matrix with its {@link Scaling}; the reason of each says why it is a candidate.
     */
    static java.util.List<DenseMethod> timed(String want, int probeN) {
        return time(candidates(want), probeN, 2);
    }

    /**
     * {@link #timed} unless {@link DenseTimings} holds this machine's timings of the same candidates
     * (then none are run); timings run here are kept there, from three runs each instead of two.
     * {@code note} hears where the timings came from.
     */
    static java.util.List<DenseMethod> timedOrStored(String want, int probeN, java.nio.file.Path dir,
                                                      java.util.function.Consumer<String> note) {
        java.util.List<DenseMethod> c = candidates(want);
        return DenseTimings.loadOrTime(dir, c, probeN, () -> dir == null ? time(c, probeN, 2) : faster(time(c, probeN, 3), time(c, probeN, 3)),
                note);
    }

    /**
     * Per candidate, the faster of two timings. Timings to be kept run twice: in a JVM that has just
     * started Spark the compiler is still busy with Spark's code, and the first round rated the
     * blocked method at less than half of what the same build measures in a quiet JVM
     * (docs/benchmarks.md, "Dense method: timed once per machine").
     */
    static java.util.List<DenseMethod> faster(java.util.List<DenseMethod> a, java.util.List<DenseMethod> b) {
        java.util.List<DenseMethod> out = new java.util.ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            out.add(b.get(i).flops() > a.get(i).flops() ? b.get(i) : a.get(i));
        }
        return out;
    }

    /** The candidates of {@code want} (see {@link #pick(String)}), untimed; the reason of each says why it is a candidate. */
    static java.util.List<DenseMethod> candidates(String want) {
        int cores = Fanout.cores();
        String prop = "-D" + CholeskySolver.METHOD_PROPERTY + "=" + want;
        java.util.List<DenseMethod> all = new java.util.ArrayList<>();
        String why;
        switch (want) {
            case "lapack" -> {
                all.add(lapack());
                why = "forced by " + prop;
            }
            case "blocked" -> {
                all.add(blocked(cores));
                why = "forced by " + prop;
            }
            case "auto" -> {
                if (!nativeLapack()) {
                    all.add(blocked(cores));
                    why = "netlib has no native LAPACK; its Java port runs about 1.8 GFLOP/s";
                } else if (cores == 1) {
                    all.add(lapack());
                    why = "native LAPACK, one driver core";
                } else {
                    // the blocked one with this JVM's GEMM (native dgemm here), and with the Vector API
                    // GEMM when that is not the same: per core it beat native dgemm from two threads
                    all.add(lapack());
                    all.add(blocked(cores));
                    if (!all.get(1).blocked().javaGemm() && TileKernels.vectorUnavailableReason() == null) {
                        all.add(blocked(BlockedCholesky.withGemm(org.sparkntk.tile.panama.PanamaSupport.gemm(), cores)));
                    }
                    why = "";
                }
            }
            default -> throw new IllegalArgumentException(prop + " but must be one of auto, lapack, blocked");
        }
        java.util.List<DenseMethod> out = new java.util.ArrayList<>();
        for (DenseMethod m : all) {
            out.add(m.with(Double.NaN, why));
        }
        return out;
    }

    /** Each candidate timed on an N = {@code probeN} matrix, best of {@code reps} alternating runs, with its {@link Scaling}. */
    static java.util.List<DenseMethod> time(java.util.List<DenseMethod> candidates, int probeN, int reps) {
        DenseMethod[] ms = candidates.toArray(new DenseMethod[0]);
        Scaling[] sc = new Scaling[ms.length];
        double[] rates = rates(ms, reps, probeN, sc);
        java.util.List<DenseMethod> out = new java.util.ArrayList<>();
        for (int i = 0; i < ms.length; i++) {
            out.add(ms[i].with(rates[i], ms[i].reason()).with(sc[i]));
        }
        return out;
    }

    /**
     * The timed candidate expected to factor an N x N matrix fastest ({@link Scaling#secondsAt}),
     * with its expected rate at N; when there were several, the reason lists every rate at N.
     */
    static DenseMethod best(java.util.List<DenseMethod> timed, long n) {
        if (timed.size() == 1) {
            DenseMethod m = timed.get(0);
            return m.with(m.flopsAt(n), m.reason());
        }
        int probeN = timed.get(0).scaling().probeN();
        StringBuilder why = new StringBuilder(n == probeN ? "measured at N = " + probeN + ":"
                : "expected at N = " + n + " from runs at N = " + probeN + ":");
        int best = 0;
        double[] rates = new double[timed.size()];
        for (int i = 0; i < timed.size(); i++) {
            rates[i] = timed.get(i).flopsAt(n);
            why.append(i == 0 ? " " : ", ").append(timed.get(i).name()).append(String.format(Locale.ROOT, " %.1f GFLOP/s", rates[i] / 1e9));
            best = rates[i] > rates[best] ? i : best;
        }
        return timed.get(best).with(rates[best], why.toString());
    }

    /** The method {@link #pick} would use, without timing (for small N): LAPACK when native under auto. */
    static DenseMethod untimed(String want) {
        String why = "not timed for a small N";
        return switch (want) {
            case "lapack" -> lapack().with(Double.NaN, why + ", forced by -D" + CholeskySolver.METHOD_PROPERTY + "=lapack");
            case "blocked" -> blocked(Fanout.cores()).with(Double.NaN, why + ", forced by -D" + CholeskySolver.METHOD_PROPERTY + "=blocked");
            case "auto" -> nativeLapack() ? lapack().with(Double.NaN, why + ", native LAPACK")
                    : blocked(Fanout.cores()).with(Double.NaN, why + ", no native LAPACK");
            default -> pick(want, PROBE_N); // throws the message for a bad value
        };
    }


    /**
     * Best rate (N^3 / 3 flops per second of factorization) of each method over {@code reps}
     * alternating runs on one diagonally dominant matrix. Before, warm-up runs on a 512 x 512
     * matrix: for the blocked method at least 0.5 s and until a run is within 20% of the best
     * (the JIT compiles the Vector API kernels during the first runs, which are 10x slower), at
     * most 1.5 s. When LAPACK's best warm-up rate says a run at {@link #PROBE_N} would take over a
     * second (netlib's Java LAPACK), the timed matrix is shrunk to about 0.2 s a run.
     */
    static double[] rates(DenseMethod[] methods, int reps, int probeN, Scaling[] scalings) {
        int warm = Math.min(probeN, 2 * BlockedCholesky.BLOCK); // two block columns: the panel and trailing products run too
        int n = probeN;
        double[] small = probe(warm);
        double[] a = small.clone();
        for (DenseMethod m : methods) {
            long start = System.nanoTime();
            long minEnd = start + (m.blocked() == null ? 0L : m.blocked().javaGemm() ? 500_000_000L : 100_000_000L);
            long maxEnd = start + 1_500_000_000L;
            double best = Double.POSITIVE_INFINITY;
            for (int runs = 1; ; runs++) {
                System.arraycopy(small, 0, a, 0, a.length);
                double s = factorSeconds(m, a, warm);
                best = Math.min(best, s);
                long now = System.nanoTime();
                if (now > maxEnd || (now > minEnd && runs >= 3 && s < 1.2 * best)) {
                    break;
                }
            }
            double r = (double) warm * warm * warm / 3 / best;
            if (m.blocked() == null && (double) probeN * probeN * probeN / 3 / r > 1.0) {
                // netlib's Java LAPACK: seconds a run at PROBE_N; its rate hardly changes with N
                n = Math.min(n, Math.max(warm, (int) Math.cbrt(3 * 0.2 * r)));
            }
        }
        double[] orig = probe(n);
        a = new double[orig.length];
        double[] bestRate = new double[methods.length];
        long[] phases = new long[3];
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < methods.length; i++) {
                System.arraycopy(orig, 0, a, 0, a.length);
                java.util.Arrays.fill(phases, 0);
                double s = factorSeconds(methods[i], a, n, phases);
                double rate = (double) n * n * n / 3 / s;
                if (rate > bestRate[i]) {
                    bestRate[i] = rate;
                    if (scalings != null) {
                        scalings[i] = scaling(methods[i], n, s, phases);
                    }
                }
            }
        }
        return bestRate;
    }

    /**
     * A timed run's {@link Scaling}: LAPACK's all cubic; the blocked one's diagonal blocks linear,
     * its panels quadratic, the rest (the trailing updates and whatever the phases did not cover)
     * cubic.
     */
    private static Scaling scaling(DenseMethod m, int n, double seconds, long[] phases) {
        if (m.blocked() == null) {
            return new Scaling(n, seconds, 0, 0);
        }
        double lin = Math.min(seconds, phases[0] / 1e9);
        double quad = Math.min(seconds - lin, phases[1] / 1e9);
        return new Scaling(n, seconds - lin - quad, quad, lin);
    }

    private static double factorSeconds(DenseMethod m, double[] a, int n) {
        return factorSeconds(m, a, n, null);
    }

    private static double factorSeconds(DenseMethod m, double[] a, int n, long[] phases) {
        long t0 = System.nanoTime();
        int info;
        if (m.blocked() == null) {
            intW w = new intW(0);
            LAPACK.getInstance().dpotrf("L", n, a, n, w);
            info = w.val;
        } else {
            info = m.blocked().factor(a, n, phases);
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
