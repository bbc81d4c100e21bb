package org.sparkntk.gram;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkntk.io.KernelManifest;

/**
 * What a Gram job did.
 *
 * @param manifest      the kernel.json written (or found complete)
 * @param tilesPresent  tiles already present before this run (--resume)
 * @param tilesComputed tiles computed by this run
 * @param wallSeconds   wall time of the whole job
 * @param gemmSeconds   summed GEMM time over tasks
 * @param gemmFlops     summed GEMM floating-point operations
 * @param bytesWritten  bytes of the tile files written by this run
 */
public record GramResult(KernelManifest manifest, String output, long tilesPresent, long tilesComputed, double wallSeconds,
                         double gemmSeconds, double gemmFlops, long bytesWritten, long entriesComputed) {

    /** GEMM rate of one task thread, GFLOP/s (0 when nothing was computed). */
    public double gemmGflops() {
        return gemmSeconds > 0 ? gemmFlops / gemmSeconds / 1e9 : 0;
    }

    /** The summary printed at the end of {@code ntk gram}. */
    public String summary() {
        KernelManifest m = manifest;
        StringBuilder sb = new StringBuilder();
        sb.append("spark-ntk gram: ").append(m.symmetric() ? "Gram" : "cross kernel").append(" N=").append(m.n());
        if (m.n2() != null) {
            sb.append(" N2=").append(m.n2());
        }
        sb.append(" d=").append(m.d()).append(", ").append(m.activation()).append(" depths ").append(m.depths())
                .append(", kernels ").append(String.join(",", m.kernels())).append(", ").append(m.precision()).append('\n');
        sb.append(String.format(Locale.ROOT, "  tiles:    %d (%d x %d blocks of %d; %d computed now, %d were present)%n",
                m.tilePairs(), m.rowBlocks(), m.colBlocks(), m.blockSize(), tilesComputed, tilesPresent));
        Map<String, Double> t = m.timingsSeconds();
        sb.append(String.format(Locale.ROOT, "  wall:     %.1f s", wallSeconds));
        if (t != null) {
            sb.append(" (");
            boolean first = true;
            for (Map.Entry<String, Double> e : t.entrySet()) {
                if (e.getKey().equals("total")) {
                    continue;
                }
                sb.append(first ? "" : ", ").append(e.getKey()).append(String.format(Locale.ROOT, " %.1f", e.getValue()));
                first = false;
            }
            sb.append(")");
        }
        sb.append('\n');
        double tiles = t == null ? 0 : t.getOrDefault("tiles", 0.0);
        sb.append(String.format(Locale.ROOT, "  GEMM:     %.2f GFLOP/s per task thread (%.3g GFLOP); %.3g kernel entries/s over the tile phase%n",
                gemmGflops(), gemmFlops / 1e9, tiles > 0 ? entriesComputed / tiles : 0.0));
        sb.append(String.format(Locale.ROOT, "  written:  %s in tile files%n", bytes(bytesWritten)));
        Map<String, List<String>> ex = m.executors();
        if (ex != null && !ex.isEmpty()) {
            sb.append("  executors: gemm ").append(ex.get("gemm")).append(", recursion ").append(ex.get("recursion"))
                    .append(", vector ").append(ex.get("vector")).append('\n');
        }
        sb.append("  output:   ").append(output).append(" (").append(KernelManifest.KERNEL_JSON).append(", tiles/, index/)");
        return sb.toString();
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, u[i]);
    }
}
