package org.sparkntk.solve;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * The dense methods' timings ({@link DenseMethod#timed}) kept per machine in a small file, so that
 * only the first dense solve on a machine pays for them (about 6 s once on 2 cores instead of 3 s per run, and a 0.2 s run on a
 * busy machine is noisy enough to flip the pick from run to run: docs/benchmarks.md, "Dense method:
 * timed once per machine"). The file is keyed by everything the rates depend on: the CPU model,
 * the cores this JVM may use, the JVM, netlib's BLAS and LAPACK, the Vector API width, the
 * candidates and the probe size; a different key is a different file. Timings taken while other
 * processes kept the cores busy are used for that run and not kept. It only ever changes how fast
 * a solve runs, never its answer.
 *
 * <p>{@code -Dntk.timings.dir=DIR} sets the folder (default {@code $XDG_CACHE_HOME/spark-ntk}, else
 * {@code ~/.cache/spark-ntk}); {@code off} times in every JVM. Delete the file to time again.
 */
public final class DenseTimings {

    /** The folder property; {@code off} disables the file. */
    public static final String DIR_PROPERTY = "ntk.timings.dir";

    private static final int FORMAT = 1;

    private DenseTimings() {
    }

    /** Where the timings live, or null when {@link #DIR_PROPERTY} is {@code off} or no home folder is known. */
    public static Path dir() {
        String d = System.getProperty(DIR_PROPERTY);
        if (d != null) {
            return d.equalsIgnoreCase("off") || d.isBlank() ? null : Path.of(d);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "spark-ntk");
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() || home.equals("?") ? null : Path.of(home, ".cache", "spark-ntk");
    }

    /**
     * For {@code ntk doctor}: the file holding this machine's timings of the {@code want} candidates
     * ({@code -Dntk.cholesky}), or that there is none yet, or that keeping them is off.
     */
    public static String status(String want) {
        return status(dir(), want);
    }

    static String status(Path dir, String want) {
        if (dir == null) {
            return "not kept (-D" + DIR_PROPERTY + "=off): timed in every JVM that solves densely";
        }
        List<DenseMethod> c = DenseMethod.candidates(want);
        String key = key(c, DenseMethod.PROBE_N);
        Path f = file(dir, key);
        List<DenseMethod> kept = read(f, key, c);
        if (kept == null) {
            return "none kept yet in " + dir + " (the first dense solve with N >= " + CholeskySolver.TIME_FROM + " times them)";
        }
        DenseMethod at10k = DenseMethod.best(kept, 10_000);
        return f + String.format(Locale.ROOT, " (picks %s at N = 10000, %.1f GFLOP/s)", at10k.name(), at10k.flops() / 1e9);
    }

    /** What the rates depend on, one line: CPU, cores, JVM, BLAS, LAPACK (and OpenBLAS's kernel choice), vector width, the candidates and N. */
    static String key(List<DenseMethod> candidates, int probeN) {
        StringBuilder k = new StringBuilder();
        k.append("cpu=").append(cpuModel())
                .append("; cores=").append(Fanout.cores())
                .append("; jvm=").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.vm.version"))
                .append("; blas=").append(dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getName())
                .append("; lapack=").append(dev.ludovic.netlib.lapack.LAPACK.getInstance().getClass().getName())
                // OpenBLAS's kernels for this CPU: scripts/ntk names them, and its generic fallback is 5x slower
                .append("; openblas-core=").append(System.getenv().getOrDefault("OPENBLAS_CORETYPE", "detected"))
                .append("; vector=").append(org.sparkntk.tile.TileKernels.vectorUnavailableReason() == null
                        ? org.sparkntk.tile.panama.PanamaSupport.gemm().name() : "none")
                .append("; probe=").append(probeN)
                .append("; methods=");
        for (int i = 0; i < candidates.size(); i++) {
            k.append(i == 0 ? "" : " | ").append(candidates.get(i).name());
        }
        return k.toString();
    }

    /** The file for a key under {@code dir}. */
    static Path file(Path dir, String key) {
        return dir.resolve(String.format(Locale.ROOT, "cholesky-timings-%08x.properties", key.hashCode()));
    }

    /**
     * The candidates with their {@link DenseMethod.Scaling} from the file for their key when it
     * holds them all, else {@code time.get()}, which is then stored (best effort: a folder that
     * cannot be written only costs the timing again next time).
     */
    static List<DenseMethod> loadOrTime(Path dir, List<DenseMethod> candidates, int probeN, Supplier<List<DenseMethod>> time,
                                        java.util.function.Consumer<String> note) {
        return loadOrTime(dir, candidates, probeN, time, note, MAX_OTHERS_SHARE);
    }

    /**
     * Timings are kept only when other processes used at most this share of the machine's cores
     * while they ran: on a busy machine the methods on every core lose most (a 2-thread method
     * measured at half its rate next to one other busy process), and a kept timing outlives the load.
     */
    static final double MAX_OTHERS_SHARE = 0.1;

    /** As {@link #loadOrTime(Path, List, int, Supplier, java.util.function.Consumer)} with the busy-machine limit given. */
    static List<DenseMethod> loadOrTime(Path dir, List<DenseMethod> candidates, int probeN, Supplier<List<DenseMethod>> time,
                                        java.util.function.Consumer<String> note, double maxOthersShare) {
        if (dir == null) {
            return time.get();
        }
        String key = key(candidates, probeN);
        Path f = file(dir, key);
        List<DenseMethod> stored = read(f, key, candidates);
        if (stored != null) {
            note.accept("timings of " + f);
            return stored;
        }
        long[] before = machineCpu();
        long wall0 = System.nanoTime();
        List<DenseMethod> timed = time.get();
        double others = othersShare(before, machineCpu(), System.nanoTime() - wall0, Runtime.getRuntime().availableProcessors());
        if (others > maxOthersShare) {
            note.accept(String.format(Locale.ROOT, "timed now, not kept: other processes used %.0f%% of the cores meanwhile", 100 * others));
            return timed;
        }
        try {
            write(f, key, timed);
            note.accept("timed now, kept in " + f);
        } catch (IOException | RuntimeException e) {
            note.accept("timed now (not kept: " + e.getMessage() + ")");
        }
        return timed;
    }

    /**
     * {busy CPU nanoseconds of the whole machine, of this process} now: /proc/stat's first line
     * (user, nice, system, irq, softirq, steal in clock ticks of 10 ms) and this JVM's CPU time; null
     * where either is not known (not Linux).
     */
    static long[] machineCpu() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(f[i]);
            }
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            if (!(os instanceof com.sun.management.OperatingSystemMXBean sun)) {
                return null;
            }
            return new long[] {busy * 10_000_000L, sun.getProcessCpuTime()};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The share of {@code cores} x wall that processes other than this one kept busy between two {@link #machineCpu} readings (0 when unknown). */
    static double othersShare(long[] before, long[] after, long wallNanos, int cores) {
        if (before == null || after == null || wallNanos <= 0 || before[1] < 0 || after[1] < 0) {
            return 0;
        }
        double others = (after[0] - before[0]) - (after[1] - before[1]);
        return Math.max(0, others / ((double) wallNanos * cores));
    }

    /** The stored timings of every candidate, in their order, or null when the file is absent, for another key, or damaged. */
    static List<DenseMethod> read(Path f, String key, List<DenseMethod> candidates) {
        if (!Files.isRegularFile(f)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
            if (!String.valueOf(FORMAT).equals(p.getProperty("format")) || !key.equals(p.getProperty("key"))) {
                return null;
            }
            List<DenseMethod> out = new ArrayList<>();
            for (int i = 0; i < candidates.size(); i++) {
                DenseMethod c = candidates.get(i);
                String pre = "method." + i + ".";
                if (!c.name().equals(p.getProperty(pre + "name"))) {
                    return null;
                }
                int n = Integer.parseInt(p.getProperty(pre + "probeN"));
                DenseMethod.Scaling s = new DenseMethod.Scaling(n, positive(p, pre + "cubic"), nonNegative(p, pre + "quadratic"),
                        nonNegative(p, pre + "linear"));
                double rate = positive(p, pre + "flops");
                out.add(c.with(rate, p.getProperty(pre + "reason", "")).with(s));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static double positive(Properties p, String name) {
        double v = Double.parseDouble(p.getProperty(name));
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name);
        }
        return v;
    }

    private static double nonNegative(Properties p, String name) {
        double v = Double.parseDouble(p.getProperty(name));
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name);
        }
        return v;
    }

    /** Writes the timings next to the file and renames it into place, so a reader never sees half a file. */
    static void write(Path f, String key, List<DenseMethod> timed) throws IOException {
        Files.createDirectories(f.getParent());
        Properties p = new Properties();
        p.setProperty("format", String.valueOf(FORMAT));
        p.setProperty("key", key);
        p.setProperty("measured", java.time.Instant.now().toString());
        for (int i = 0; i < timed.size(); i++) {
            DenseMethod m = timed.get(i);
            DenseMethod.Scaling s = m.scaling();
            String pre = "method." + i + ".";
            p.setProperty(pre + "name", m.name());
            p.setProperty(pre + "reason", m.reason());
            p.setProperty(pre + "flops", Double.toString(m.flops()));
            p.setProperty(pre + "probeN", Integer.toString(s.probeN()));
            p.setProperty(pre + "cubic", Double.toString(s.cubic()));
            p.setProperty(pre + "quadratic", Double.toString(s.quadratic()));
            p.setProperty(pre + "linear", Double.toString(s.linear()));
        }
        Path tmp = Files.createTempFile(f.getParent(), f.getFileName().toString(), ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "spark-ntk: dense Cholesky timings on this machine (delete to time again)");
            }
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The CPU's model name from /proc/cpuinfo, else os.arch. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture is the best key there is
        }
        return System.getProperty("os.arch");
    }
}
