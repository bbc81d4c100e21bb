package org.sparkntk.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.AngleTable;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.tile.Diagonal;
import org.sparkntk.tile.Gemm;
import org.sparkntk.tile.Recursion;
import org.sparkntk.tile.ScalarRecursion;
import org.sparkntk.tile.TileKernels;
import org.sparkntk.tile.panama.PanamaRecursion;
import org.sparkntk.spec.Precision;
import org.sparkntk.spec.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ntk bench tile|cholesky|spark-start|scan}: the kernels' and the solve's rates, and the fixed-cost yardsticks, on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Micro-benchmarks of the tile kernel and the dense solve, and the fixed-cost yardsticks (Spark's start, a Parquet scan), on this machine.",
        subcommands = {BenchCommand.Tile.class, BenchCommand.Cholesky.class, BenchFixedCost.SparkStart.class, BenchFixedCost.Scan.class})
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing benchmark; see 'ntk bench --help'");
    }

    /** One b x b tile: Gram GEMM GFLOP/s and the recursion's ns per entry-layer (median of reps, after warm-up). */
    @Command(name = "tile", mixinStandardHelpOptions = true,
            description = {"Time one block x block tile: the Gram GEMM and the layer recursion (ns per entry and layer).",
                    "Reports the median and the best wall time of --reps runs, after --warmup seconds of untimed runs",
                    "(at least 2), and the CPU time per entry-layer (the thread's with --threads 1, else the process's),",
                    "which stays meaningful on a loaded machine."})
    static final class Tile implements Callable<Integer> {

        @Option(names = "--block", defaultValue = "2048", description = "Tile rows = columns (default ${DEFAULT-VALUE}).")
        int block;

        @Option(names = "--" + KernelConfig.DEPTH, defaultValue = "4", description = "Depth L (number of weight layers, >= 2:"
                + " depth 1 has no layer to time; default ${DEFAULT-VALUE}, the depth of the recorded benchmarks, not gram's "
                + KernelConfig.DEFAULT_DEPTH_TEXT + ").")
        int depth;

        @Option(names = "--" + KernelConfig.ACTIVATION, defaultValue = KernelConfig.DEFAULT_ACTIVATION,
                description = "Activation (default ${DEFAULT-VALUE}).")
        String activation;

        @Option(names = "--dim", defaultValue = "64", description = "Input dimension for the GEMM (default ${DEFAULT-VALUE}).")
        int dim;

        @Option(names = "--" + KernelConfig.COMPUTE, defaultValue = KernelConfig.DEFAULT_COMPUTE, paramLabel = "float64|float32",
                description = "Precision of the timed GEMM: float32 times the float GEMM on float inputs (default ${DEFAULT-VALUE}).")
        String compute;

        @Option(names = "--threads", defaultValue = "1", description = "Threads for the recursion (row strips; default ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--reps", defaultValue = "7", description = "Timed repetitions; the median is reported (default ${DEFAULT-VALUE}).")
        int reps;

        @Option(names = "--warmup", defaultValue = "3", description = "Seconds of untimed runs before the timed ones, at least 2 runs"
                + " (default ${DEFAULT-VALUE}): on a 2-core machine, two-thread runs swung up to 2x during the first ~0.5 s"
                + " on JDK 17 and settled later still on JDK 25 (the JIT and the machine settling).")
        double warmup;

        @Option(names = "--unit-norm", description = {"Scale every row to the same norm before the GEMM (L2-normalized, times"
                + " sqrt(dim) so the first variance stays 1 + beta^2 as for the random rows): equal variances at every layer,"
                + " so quadrature activations use their angle tables; the table build time is reported separately."})
        boolean unitNorm;

        @Option(names = "--nngp-only", description = "Skip the NTK (Theta) work.")
        boolean nngpOnly;

        @Option(names = "--json", description = "Print one JSON line instead of text.")
        boolean json;

        @Override
        public Integer call() {
            check(block >= 1, "'block' is " + block + " but must be >= 1");
            check(depth >= 2 && depth <= NetworkSpec.MAX_DEPTH, "'depth' is " + depth + " but must be in 2.." + NetworkSpec.MAX_DEPTH);
            check(dim >= 1, "'dim' is " + dim + " but must be >= 1");
            check(threads >= 1, "'threads' is " + threads + " but must be >= 1");
            check(reps >= 1, "'reps' is " + reps + " but must be >= 1");
            check(warmup >= 0 && warmup <= 600, "'warmup' is " + warmup + " but must be in 0..600 seconds");
            NetworkSpec spec;
            try {
                spec = new NetworkSpec(depth, Activations.parse(activation), 1.0, 0.1);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            Recursion rec = TileKernels.vectorUnavailableReason() == null && threads > 1
                    ? new PanamaRecursion(threads) : TileKernels.recursion();
            Gemm gemm = TileKernels.gemm();
            int b = block;
            Random r = new Random(1);
            double[] x = new double[b * dim];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextGaussian();
            }
            if (unitNorm) {
                double[] ss = Diagonal.squaredNorms(x, b, dim);
                for (int i = 0; i < b; i++) {
                    double f = Math.sqrt(dim) / Math.sqrt(ss[i]);
                    for (int k = 0; k < dim; k++) {
                        x[i * dim + k] *= f;
                    }
                }
            }
            double[] g = new double[b * b];
            boolean f32 = Precision.parse(compute, KernelConfig.COMPUTE) == Precision.FLOAT32;
            double[] gemmNs;
            double[] gemmCpu = new double[reps];
            if (f32) {
                float[] xf = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    xf[i] = (float) x[i];
                }
                float[] gf = new float[b * b];
                gemmNs = time(reps, () -> gemm.sgemmABt(xf, b, xf, b, dim, gf), gemmCpu);
                for (int i = 0; i < g.length; i++) {
                    g[i] = gf[i];
                }
            } else {
                gemmNs = time(reps, () -> gemm.gemmABt(x, b, x, b, dim, g), gemmCpu);
            }
            double gflops = 2.0 * b * b * dim / median(gemmNs);
            // per CPU second of the calling thread: meaningful on a loaded machine, where wall time is not
            double gflopsCpu = 2.0 * b * b * dim / median(gemmCpu);

            double[] na = Diagonal.squaredNorms(x, b, dim);
            double[] q = Diagonal.variances(spec, na, b, dim);
            int[] depths = {depth};
            // quadrature activations: build (or find) the angle tables before the timed runs, timed here
            long t0 = System.nanoTime();
            AngleTable[] tables = ScalarRecursion.tables(spec.activation(), depth, b, b, q, q);
            double buildS = (System.nanoTime() - t0) / 1e9;
            StringBuilder tableInfo = new StringBuilder();
            int tableLayers = 0;
            for (AngleTable t : tables) {
                if (t != null) {
                    tableLayers++;
                    tableInfo.append(tableInfo.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "q=%.6g %d pieces %d evaluations",
                            t.q(), t.pieces(), t.evaluations()));
                }
            }
            // the last NNGP in place of the Gram tile, as the Gram job's tile tasks do (Recursion allows
            // it); the Gram tile is restored before each repetition, outside the timing
            double[] g0 = g.clone();
            double[][] nngp = {g};
            double[][] ntk = nngpOnly ? null : new double[][] {new double[b * b]};
            double[] cpuNs = new double[reps];
            double[] recNs = time(reps, () -> System.arraycopy(g0, 0, g, 0, g0.length),
                    () -> rec.recurse(spec, dim, g, b, b, q, q, false, depths, ntk, nngp), cpuNs);
            double nsEl = median(recNs) / ((double) b * b * (depth - 1));
            double cpuEl = median(cpuNs) / ((double) b * b * (depth - 1));
            String blas = (f32 ? gemm.floatName() : gemm.name()) + (TileKernels.nativeBlas() ? " (native)" : "");
            // quadrature activations run the scalar reference inside every implementation
            String recName = spec.activation().closedForm() ? rec.name()
                    : tableLayers == depth - 1 ? "scalar (angle tables)" : tableLayers > 0 ? "scalar (quadrature, some angle tables)"
                    : "scalar (quadrature)";
            if (json) {
                System.out.println(String.format(Locale.ROOT,
                        "{\"block\":%d,\"depth\":%d,\"activation\":\"%s\",\"threads\":%d,\"kernels\":\"%s\",\"recursion\":\"%s\","
                                + "\"ns_per_entry_layer\":%.4f,\"ns_per_entry_layer_min\":%.4f,\"cpu_ns_per_entry_layer\":%.4f,\"reps\":%d,"
                                + "\"unit_norm\":%b,\"table_layers\":%d,\"table_build_s\":%.3f,"
                                + "\"gemm_dim\":%d,\"gemm_gflops\":%.2f,\"gemm_gflops_cpu\":%s,\"blas\":\"%s\",\"vector_species\":\"%s\",\"java\":\"%s\"}",
                        b, depth, esc(spec.activation().name()), threads, nngpOnly ? "nngp" : "ntk+nngp", esc(recName),
                        nsEl, min(recNs) / ((double) b * b * (depth - 1)), cpuEl, reps, unitNorm, tableLayers, buildS,
                        dim, gflops, jsonNumber(gflopsCpu), esc(blas), esc(TileKernels.vectorSpecies()), esc(System.getProperty("java.version"))));
            } else {
                System.out.printf(Locale.ROOT, "tile %d x %d, %s, L=%d, %d thread(s), recursion %s: %.3f ns per entry-layer (median of %d; %.3f ns CPU)%n",
                        b, b, spec.activation().name(), depth, threads, recName, nsEl, reps, cpuEl);
                if (tableLayers > 0) {
                    System.out.printf(Locale.ROOT, "angle tables for %d of %d layers, built in %.3f s: %s%n", tableLayers, depth - 1, buildS, tableInfo);
                }
                System.out.printf(Locale.ROOT, "gemm %d x %d x %d, %s: %.2f GFLOP/s (%.2f per CPU second); vector species %s%n",
                        b, b, dim, blas, gflops, gflopsCpu, TileKernels.vectorSpecies());
            }
            return 0;
        }

        /**
         * A rate for the JSON line: null when it could not be measured (a product shorter than the
         * thread CPU clock's resolution gives 0 CPU seconds, an infinite rate), which JSON cannot hold.
         */
        private static String jsonNumber(double v) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "null";
        }

        private static void check(boolean ok, String msg) {
            if (!ok) {
                throw new UserError(msg);
            }
        }

        /**
         * Wall time per rep; cpu[k] receives the CPU time of rep k: the calling thread's (exact,
         * when the work runs on it) or, with helper threads, the process's (all threads, coarse).
         */
        private double[] time(int reps, Runnable body, double[] cpu) {
            return time(reps, null, body, cpu);
        }

        /**
         * As above, with {@code setup} (may be null) run before every repetition, outside the
         * timing; untimed runs first, for --warmup seconds and at least 2 runs.
         */
        private double[] time(int reps, Runnable setup, Runnable body, double[] cpu) {
            long until = System.nanoTime() + (long) (warmup * 1e9);
            for (int w = 0; w < 2 || System.nanoTime() < until; w++) {
                if (setup != null) {
                    setup.run();
                }
                body.run();
            }
            double[] ns = new double[reps];
            for (int k = 0; k < reps; k++) {
                if (setup != null) {
                    setup.run();
                }
                long c0 = cpuNow();
                long t0 = System.nanoTime();
                body.run();
                ns[k] = System.nanoTime() - t0;
                cpu[k] = cpuNow() - c0;
            }
            return ns;
        }

        private long cpuNow() {
            if (threads == 1) {
                return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            }
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L;
        }

        private static double median(double[] v) {
            double[] s = v.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
        }

        private static double min(double[] v) {
            return Arrays.stream(v).min().orElse(Double.NaN);
        }

        private static String esc(String s) {
            return s.replace("\\", "\\\\").replace("\"", "\\\"");
        }
    }

    /**
     * Dense Cholesky factorizations of one N x N matrix, side by side and alternating: netlib's
     * LAPACK dpotrf (one BLAS thread, as on the driver), the blocked Java factorization with the
     * Vector API GEMM, and the blocked one with netlib's dgemm (native when installed).
     */
    @Command(name = "cholesky", mixinStandardHelpOptions = true,
            description = {"Time the dense Cholesky factorization of one N x N positive definite matrix: netlib LAPACK dpotrf",
                    "(one BLAS thread), the blocked Java factorization with the Vector API GEMM, and the blocked one with",
                    "netlib's dgemm, alternating, one untimed run of each first. Reports the median and best seconds and",
                    "GFLOP/s (N^3 / 3 flops), and the largest difference of each factor from dpotrf's."})
    static final class Cholesky implements Callable<Integer> {

        @Option(names = "--n", defaultValue = "4000", description = "Matrix size N (default ${DEFAULT-VALUE}).")
        int n;

        @Option(names = "--threads", defaultValue = "0", description = "Threads of the blocked factorizations (default: the machine's cores).")
        int threads;

        @Option(names = "--reps", defaultValue = "5", description = "Timed repetitions of each; the median is reported (default ${DEFAULT-VALUE}).")
        int reps;

        @Option(names = "--block", defaultValue = "" + org.sparkntk.solve.BlockedCholesky.BLOCK,
                description = "Block size of the blocked factorizations (default ${DEFAULT-VALUE}).")
        int block;

        @Option(names = "--wide", defaultValue = "" + org.sparkntk.solve.BlockedCholesky.WIDE,
                description = "Columns of one trailing-update product, whole blocks (default ${DEFAULT-VALUE}).")
        int wide;

        @Option(names = "--methods", defaultValue = "lapack,vector,netlib", split = ",",
                description = "Which to time, of lapack, vector, netlib (default ${DEFAULT-VALUE}).")
        java.util.List<String> methods;

        @Option(names = "--auto", description = "Also print what -Dntk.cholesky=auto picks for this N on this machine, with the rates it expects (it times a 3072 x 3072 factorization).")
        boolean auto;

        @Override
        public Integer call() {
            if (n < 1 || n > 46340) {
                throw new UserError("'n' is " + n + " but must be in 1..46340");
            }
            if (threads < 0) {
                throw new UserError("'threads' is " + threads + " but must be >= 1 (0: the machine's cores)");
            }
            if (reps < 1) {
                throw new UserError("'reps' is " + reps + " but must be >= 1");
            }
            if (block < 1) {
                throw new UserError("'block' is " + block + " but must be >= 1");
            }
            int t = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
            java.util.List<String> names = new java.util.ArrayList<>();
            java.util.List<org.sparkntk.solve.BlockedCholesky> kinds = new java.util.ArrayList<>();
            for (String m : methods) {
                switch (m) {
                    case "lapack" -> {
                        names.add("lapack dpotrf (" + (org.sparkntk.solve.DenseMethod.nativeLapack() ? "native" : "netlib java port")
                                + ", 1 thread)");
                        kinds.add(null);
                    }
                    case "vector" -> {
                        if (TileKernels.vectorUnavailableReason() != null) {
                            throw new UserError("--methods vector: the Vector API is not available: " + TileKernels.vectorUnavailableReason());
                        }
                        org.sparkntk.solve.BlockedCholesky b = org.sparkntk.solve.BlockedCholesky
                                .withGemm(org.sparkntk.tile.panama.PanamaSupport.gemm(), t).withBlock(block).withWide(wide);
                        names.add(b.name());
                        kinds.add(b);
                    }
                    case "netlib" -> {
                        org.sparkntk.solve.BlockedCholesky b = org.sparkntk.solve.BlockedCholesky.nativeBlas(t).withBlock(block).withWide(wide);
                        names.add(b.name() + (TileKernels.nativeBlas() ? " (native)" : ""));
                        kinds.add(b);
                    }
                    default -> throw new UserError("'methods' has '" + m + "' but must be lapack, vector or netlib");
                }
            }
            System.out.printf(Locale.ROOT, "cholesky N = %d, %d reps after one untimed run each, alternating; %d threads for the"
                    + " blocked ones, block %d, products of %d columns; OPENBLAS_NUM_THREADS=%s%n", n, reps, t, block, wide,
                    System.getenv("OPENBLAS_NUM_THREADS"));
            double[] orig = org.sparkntk.solve.DenseMethod.probeMatrix(n);
            double[] a = new double[orig.length];
            double[][] secs = new double[kinds.size()][reps];
            double[][] cpus = new double[kinds.size()][reps]; // process CPU seconds: all threads, meaningful on a loaded machine
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            double[] ref = null; // dpotrf's factor: diagonal and last row, for the difference
            double[] diff = new double[kinds.size()];
            for (int r = -1; r < reps; r++) {
                for (int m = 0; m < kinds.size(); m++) {
                    System.arraycopy(orig, 0, a, 0, a.length);
                    long c0 = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L;
                    long t0 = System.nanoTime();
                    int info;
                    org.sparkntk.solve.BlockedCholesky b = kinds.get(m);
                    if (b == null) {
                        org.netlib.util.intW w = new org.netlib.util.intW(0);
                        dev.ludovic.netlib.lapack.LAPACK.getInstance().dpotrf("L", n, a, n, w);
                        info = w.val;
                    } else {
                        info = b.factor(a, n);
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    double cpu = ((os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L) - c0) / 1e9;
                    if (info != 0) {
                        throw new IllegalStateException(names.get(m) + ": factorization failed at row " + info);
                    }
                    // the factor's diagonal and last row: column-major lower (dpotrf) or row-major lower (blocked)
                    double[] sample = new double[2 * n];
                    for (int i = 0; i < n; i++) {
                        sample[i] = a[i * n + i];
                        sample[n + i] = b == null ? a[(n - 1) + i * n] : a[(n - 1) * n + i];
                    }
                    if (b == null && ref == null) {
                        ref = sample;
                    }
                    if (ref != null) {
                        for (int i = 0; i < sample.length; i++) {
                            diff[m] = Math.max(diff[m], Math.abs(sample[i] - ref[i]));
                        }
                    }
                    if (r >= 0) {
                        secs[m][r] = s;
                        cpus[m][r] = cpu;
                    }
                }
            }
            double flops = (double) n * n * n / 3;
            double base = Double.NaN;
            for (int m = 0; m < kinds.size(); m++) {
                double med = Tile.median(secs[m]);
                if (m == 0) {
                    base = med;
                }
                System.out.printf(Locale.ROOT, "%-60s median %.3f s (best %.3f), %.1f GFLOP/s, %.2fx the first; CPU %.3f s"
                                + " (%.1f GFLOP per CPU-s); max |L - L_dpotrf| on diag and last row %s%n",
                        names.get(m), med, Tile.min(secs[m]), flops / med / 1e9, base / med, Tile.median(cpus[m]),
                        flops / Tile.median(cpus[m]) / 1e9,
                        ref == null ? "n/a" : String.format(Locale.ROOT, "%.1e", diff[m]));
            }
            if (auto) {
                System.out.println("-Dntk.cholesky=auto picks at N = " + n + ": " + org.sparkntk.solve.CholeskySolver.method(n).describe());
            }
            return 0;
        }
    }
}
