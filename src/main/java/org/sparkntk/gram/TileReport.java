package org.sparkntk.gram;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a tile task did, sent back to the driver (one small record per tile): sizes, time spent
 * reading blocks, in GEMM, in the recursion, writing (wall clock, and the writing thread's CPU time:
 * on a loaded machine the wall clock also counts waiting for a core), bytes written, the implementations used, and
 * (with {@code --compute float32}) the Gram entries recomputed in float64 near rho = +-1, and the
 * tile writer that wrote the file ({@link org.sparkntk.io.TileWriter}: hadoop or direct). With
 * float32 compute, the block conversion and the recomputed entries count as recursion time.
 */
public record TileReport(int row, int col, int rows, int cols, int d, long readNanos, long gemmNanos, long recursionNanos,
                         long writeNanos, long writeCpuNanos, long bytes, String gemm, String recursion, String species, long recomputed,
                         String writer)
        implements Serializable {

    /** Kernel entries of this tile (per kernel and depth). */
    public long entries() {
        return (long) rows * cols;
    }

    /** Floating-point operations of the tile's GEMM. */
    public double gemmFlops() {
        return 2.0 * rows * cols * d;
    }

    /** The reports of a run summed up for the summary and kernel.json. */
    public record Totals(long bytes, long entries, double gemmFlops, double readSeconds, double gemmSeconds,
                         double recursionSeconds, double writeSeconds, double writeCpuSeconds, Map<String, List<String>> implementations) {

        /** Task seconds spent on tile work (read, GEMM, recursion, write). */
        public double taskSeconds() {
            return readSeconds + gemmSeconds + recursionSeconds + writeSeconds;
        }

        /** Sums {@code reports}; the implementations seen, sorted, under gemm / recursion / vector / writer. */
        public static Totals of(List<TileReport> reports) {
            long bytes = 0;
            long entries = 0;
            double flops = 0;
            double read = 0;
            double gemm = 0;
            double rec = 0;
            double write = 0;
            double writeCpu = 0;
            TreeSet<String> gemms = new TreeSet<>();
            TreeSet<String> recs = new TreeSet<>();
            TreeSet<String> species = new TreeSet<>();
            TreeSet<String> writers = new TreeSet<>();
            for (TileReport r : reports) {
                bytes += r.bytes();
                entries += r.entries();
                flops += r.gemmFlops();
                read += r.readNanos() / 1e9;
                gemm += r.gemmNanos();
                rec += r.recursionNanos() / 1e9;
                write += r.writeNanos() / 1e9;
                writeCpu += r.writeCpuNanos() / 1e9;
                gemms.add(r.gemm());
                recs.add(r.recursion());
                species.add(r.species());
                writers.add(r.writer());
            }
            Map<String, List<String>> impls = new LinkedHashMap<>();
            impls.put("gemm", new ArrayList<>(gemms));
            impls.put("recursion", new ArrayList<>(recs));
            impls.put("vector", new ArrayList<>(species));
            impls.put("writer", new ArrayList<>(writers));
            return new Totals(bytes, entries, flops, read, gemm / 1e9, rec, write, writeCpu, impls);
        }
    }
}
