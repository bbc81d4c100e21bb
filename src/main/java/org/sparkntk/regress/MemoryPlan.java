package org.sparkntk.regress;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.sparkntk.solve.CholeskySolver;
import org.sparkntk.spec.Precision;
import org.sparkntk.spec.UserError;

/**
 * What a regression will hold in memory, decided before anything is computed (pure: no Spark).
 * The kernel cache (upper-triangle tiles, float64 or float32) lives in the executors' storage
 * memory; the preconditioner factor, the PCG vectors or the dense matrix live on the driver.
 * When something cannot fit, {@link #plan} throws a {@link UserError} naming the option that would
 * make it fit, so nothing is computed or written.
 *
 * @param cachePrecision the resolved cache precision (null: no cache, matrix-free or dense)
 * @param cacheBytes     bytes of the cached tiles (0 without a cache)
 * @param rank           preconditioner rank (0: none)
 * @param rankReason     why this rank
 * @param driverBytes    driver bytes of the solve (dense K, or factor + vectors)
 * @param lines          the plan as printed
 */
public record MemoryPlan(Precision cachePrecision, long cacheBytes, int rank, String rankReason, long driverBytes,
                         String[] lines) {

    /** {@code --cache-precision}. */
    public enum CachePrecision {
        AUTO, FLOAT64, FLOAT32;

        /** Parses auto, float64 or float32. */
        public static CachePrecision parse(String s) {
            return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "float64" -> FLOAT64;
                case "float32" -> FLOAT32;
                default -> throw new UserError("'cache-precision' is '" + s + "' but must be auto, float64 or float32");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * System property overriding the executors' storage memory (bytes) the plan sees: to rehearse a
     * plan for a smaller cluster, and for tests.
     */
    public static final String STORAGE_BYTES_PROPERTY = "ntk.plan.storageBytes";

    /** {@code --preconditioner auto}: the rank is chosen here. */
    public static final int AUTO_RANK = -1;

    /** Largest automatic rank: past it the factor's build (2 N R^2 flops) costs more than the iterations it saves (benchmarks.md). */
    public static final int MAX_AUTO_RANK = Integer.getInteger("ntk.pcg.maxAutoRank", 4000);

    /** Share of the driver's free memory the preconditioner may take. */
    static final double PRECONDITIONER_SHARE = 0.5;

    /** Storage bytes per cached value beyond the value itself (object headers, block manager bookkeeping). */
    static final double CACHE_OVERHEAD = 1.02;

    /**
     * What the executors and the driver have.
     *
     * @param storageBytes executors' storage memory for the cache, total (-1: unknown)
     * @param where        where that memory is, for the log ("this JVM's heap (local mode)", "2 executors")
     * @param driverFree   driver bytes available to the solve's arrays beside the cache
     * @param local        local mode: the cache and the driver share one heap
     */
    public record Resources(long storageBytes, String where, long driverFree, boolean local) {
    }

    /** Values of the upper-triangle tiles of an N x N kernel in blocks of B: (N^2 + sum of squared block sizes) / 2. */
    public static long upperTriangleValues(long n, int blockSize) {
        long full = n / blockSize;
        long last = n % blockSize;
        long sq = full * blockSize * (long) blockSize + last * last;
        return (n * n + sq) / 2;
    }

    /**
     * Driver bytes of PCG with a rank-R factor: F (N R), the RPCholesky block workspace (3 N x R/4),
     * the Woodbury factor and two partial Gram matrices (3 R^2), ~10 N k vectors.
     */
    public static long pcgDriverBytes(long n, int k, int rank) {
        long block = fetchBlock(n, rank);
        return 8L * n * rank + 3L * 8L * n * block + 3L * 8L * rank * rank + 10L * 8L * n * k;
    }

    /** Driver bytes of one block of fetched columns (N x block float64): bounds the fetch block. */
    static final long FETCH_BYTES = 128L << 20;

    /**
     * Columns per RPCholesky fetch (one pass over K each): a quarter of the rank, at least 64, and at
     * most what keeps an N x block array within {@link #FETCH_BYTES} (at N = 60000: 279, 15 passes
     * for rank 4000), since the fetched block and the solve's copies of it live on the driver.
     */
    public static int fetchBlock(long n, int rank) {
        long cap = Math.max(64, FETCH_BYTES / (8L * Math.max(1, n)));
        return (int) Math.max(1, Math.min(rank, Math.min(cap, Math.max(64, (rank + 3) / 4))));
    }

    /**
     * Decides the cache precision and the preconditioner rank for an iterative solve, or checks a
     * dense one.
     *
     * @param dense      the dense Cholesky path (no cache; K assembled on the driver)
     * @param matrixFree no cache: tiles recomputed every pass
     * @param askedRank  {@link #AUTO_RANK}, 0 (none) or a rank
     */
    public static MemoryPlan plan(long n, int k, int blockSize, boolean dense, boolean matrixFree, CachePrecision asked,
                                  int askedRank, Resources res) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        if (dense) {
            long need = CholeskySolver.bytesNeeded(n, k);
            lines.add(String.format(Locale.ROOT, "plan: dense solve, K assembled on the driver: %s (no kernel cache)", gb(need)));
            return new MemoryPlan(null, 0, 0, "dense solve", need, lines.toArray(new String[0]));
        }
        long values = upperTriangleValues(n, blockSize);
        long b64 = (long) (8 * values * CACHE_OVERHEAD);
        long b32 = (long) (4 * values * CACHE_OVERHEAD);
        Precision prec = null;
        long cache = 0;
        if (matrixFree) {
            lines.add("plan: no kernel cache (--matrix-free): every pass recomputes the " + values + " kernel values");
        } else {
            long storage = res.storageBytes();
            boolean known = storage >= 0;
            prec = cachePrecision(asked, b64, b32, res, "the kernel cache", "", "the tiles");
            cache = prec == Precision.FLOAT64 ? b64 : b32;
            lines.add(String.format(Locale.ROOT, "plan: kernel cache %s in %s (%s) in the storage memory of %s (%s)%s",
                    gb(cache), prec.label(), asked == CachePrecision.AUTO ? "auto" : "asked", res.where(),
                    known ? gb(storage) : "size unknown", asked == CachePrecision.AUTO && prec == Precision.FLOAT32 && known
                            ? "; float64 would need " + gb(b64) : ""));
        }
        long driverFree = res.driverFree() - (res.local() ? cache : 0);
        int rank;
        String reason;
        if (askedRank == AUTO_RANK) {
            long perRank = 8L * n + 8L * n / 4 * 3;
            long fit = (long) (PRECONDITIONER_SHARE * Math.max(0, driverFree - 10L * 8L * n * k)) / Math.max(1, perRank);
            rank = (int) Math.max(0, Math.min(Math.min(n, MAX_AUTO_RANK), fit));
            reason = rank == Math.min(n, MAX_AUTO_RANK)
                    ? "auto: min(N, " + MAX_AUTO_RANK + ")"
                    : "auto: limited by driver memory (" + gb(driverFree) + " free)";
            if (rank < Math.min(n, 100)) {
                throw new UserError(String.format(Locale.ROOT, "the driver has %s free beside the kernel cache, too little for a"
                                + " useful preconditioner (rank %d); give the driver more memory (-Xmx / spark.driver.memory)%s",
                        gb(driverFree), rank, res.local() ? " or use --cache-precision float32 / --matrix-free" : ""));
            }
        } else {
            rank = (int) Math.min(askedRank, n);
            reason = rank == 0 ? "none (asked)" : "asked (--preconditioner nystrom:" + askedRank + ")";
        }
        long drv = pcgDriverBytes(n, k, rank);
        if (drv > driverFree) {
            throw new UserError(String.format(Locale.ROOT, "the solve needs %s on the driver (preconditioner rank %d: 8 N R bytes,"
                    + " plus vectors) but %s are free%s; use a smaller --preconditioner nystrom:RANK or give the driver more"
                    + " memory (-Xmx / spark.driver.memory)", gb(drv), rank, gb(Math.max(0, driverFree)),
                    res.local() ? " beside the kernel cache" : ""));
        }
        lines.add(String.format(Locale.ROOT, "plan: preconditioner %s (%s), %s on the driver with the PCG vectors (%s free)",
                rank == 0 ? "none" : "rpcholesky rank " + rank, reason, gb(drv), gb(Math.max(0, driverFree))));
        return new MemoryPlan(prec, cache, rank, reason, drv, lines.toArray(new String[0]));
    }

    /**
     * The plan of a Nystrom solve (docs/nystrom.md, "Cost model"): K_nM cached on the executors
     * (N M values, float64 or float32 by the same rule as the exact kernel's cache) or recomputed
     * per pass; on the driver the two M x M factors of the preconditioner (16 M^2 bytes), the
     * centres (8 M d), Y (8 N k) and the CG vectors (~12 M k), plus, for rpcholesky selection, the
     * N x M factor of the selection (8 N M) while it runs.
     */
    public static MemoryPlan nystrom(long n, int m, int d, int k, boolean matrixFree, CachePrecision asked,
                                     boolean rpcholesky, Resources res) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        long values = n * (long) m;
        long b64 = (long) (8 * values * CACHE_OVERHEAD);
        long b32 = (long) (4 * values * CACHE_OVERHEAD);
        Precision prec = null;
        long cache = 0;
        long storage = res.storageBytes();
        boolean known = storage >= 0;
        if (matrixFree) {
            lines.add("plan: nystrom, no K_nM cache (--matrix-free): every pass recomputes the " + values + " kernel values");
        } else {
            prec = cachePrecision(asked, b64, b32, res, String.format(Locale.ROOT, "K_nM (N = %d x M = %d)", n, m),
                    ", fewer --centers", "K_nM");
            cache = prec == Precision.FLOAT64 ? b64 : b32;
            lines.add(String.format(Locale.ROOT, "plan: nystrom, K_nM cache %s in %s (%s) in the storage memory of %s (%s)%s",
                    gb(cache), prec.label(), asked == CachePrecision.AUTO ? "auto" : "asked", res.where(),
                    known ? gb(storage) : "size unknown", asked == CachePrecision.AUTO && prec == Precision.FLOAT32 && known
                            ? "; float64 would need " + gb(b64) : ""));
        }
        long driverFree = res.driverFree() - (res.local() ? cache : 0);
        long drv = nystromDriverBytes(n, m, d, k);
        long select = rpcholesky ? pcgDriverBytes(n, 0, m) : 0;
        long need = Math.max(drv, select + 8L * m * d + 8L * n * k);
        if (need > driverFree) {
            throw new UserError(String.format(Locale.ROOT, "the nystrom solve needs %s on the driver (M = %d: 16 M^2 bytes for"
                    + " the preconditioner%s, plus vectors) but %s are free%s; use fewer --centers or give the driver more"
                    + " memory (-Xmx / spark.driver.memory)", gb(need), m, rpcholesky ? ", 8 N M for rpcholesky selection" : "",
                    gb(Math.max(0, driverFree)), res.local() ? " beside the K_nM cache" : ""));
        }
        lines.add(String.format(Locale.ROOT, "plan: nystrom preconditioner (two M x M factors, M = %d) %s on the driver%s (%s free)",
                m, gb(drv), rpcholesky ? String.format(Locale.ROOT, "; rpcholesky selection %s before it", gb(select)) : "",
                gb(Math.max(0, driverFree))));
        return new MemoryPlan(prec, cache, 0, "nystrom", need, lines.toArray(new String[0]));
    }

    /** Driver bytes of a Nystrom solve: 16 M^2 (T and A), 8 M d (centres), 8 N k (Y), 12 x 8 M k (CG vectors). */
    public static long nystromDriverBytes(long n, int m, int d, int k) {
        return 16L * m * m + 8L * m * d + 8L * n * k + 12L * 8L * m * k;
    }

    /**
     * The cache precision rule shared by the exact kernel's cache and Nystrom's K_nM: float64 when
     * asked or when it fits the executors' storage (auto), else float32; a {@link UserError} naming
     * what would fit when the asked or the smaller precision does not.
     *
     * @param what    the cache as messages name it
     * @param fewer   an option that shrinks it, for the messages ("" when none)
     * @param content what --matrix-free recomputes, for the messages
     */
    private static Precision cachePrecision(CachePrecision asked, long b64, long b32, Resources res, String what, String fewer,
                                            String content) {
        long storage = res.storageBytes();
        boolean known = storage >= 0;
        Precision prec = switch (asked) {
            case FLOAT64 -> {
                if (known && b64 > storage) {
                    throw new UserError(String.format(Locale.ROOT, "%s needs %s in float64 but %s has %s of storage memory;"
                                    + " use --cache-precision float32 (%s)%s, --matrix-free%s, more executors or more memory (%s)",
                            what, gb(b64), res.where(), gb(storage), gb(b32), b32 <= storage ? ", which fits" : "", fewer,
                            res.local() ? "-Xmx / NTK_JAVA_OPTS" : "spark.executor.memory"));
                }
                yield Precision.FLOAT64;
            }
            case FLOAT32 -> Precision.FLOAT32;
            default -> known && b64 <= storage ? Precision.FLOAT64 : Precision.FLOAT32;
        };
        long cache = prec == Precision.FLOAT64 ? b64 : b32;
        if (known && cache > storage) {
            throw new UserError(String.format(Locale.ROOT, "%s needs %s even in float32 but %s has %s of storage memory; use"
                            + " --matrix-free (recompute %s every pass)%s, more executors or more memory (%s)", what, gb(cache),
                    res.where(), gb(storage), content, fewer,
                    res.local() ? "-Xmx / NTK_JAVA_OPTS" : "spark.executor.memory / spark.executor.instances"));
        }
        return prec;
    }

    /** The plan for metrics.json. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cache_precision", cachePrecision == null ? "none" : cachePrecision.label());
        m.put("cache_bytes", cacheBytes);
        m.put("preconditioner_rank", rank);
        m.put("preconditioner_reason", rankReason);
        m.put("driver_bytes", driverBytes);
        return m;
    }

    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
