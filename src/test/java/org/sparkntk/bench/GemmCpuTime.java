package org.sparkntk.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;
import org.sparkntk.tile.Gemm;
import org.sparkntk.tile.NetlibGemm;
import org.sparkntk.tile.panama.PanamaGemm;

/**
 * Load-robust companion to {@link GemmBench} for a shared machine: native BLAS and
 * {@link PanamaGemm} called alternately in one thread, timed by that thread's CPU time, so time
 * slices lost to other processes do not count (cache and memory-bandwidth contention still do).
 * Needs OPENBLAS_NUM_THREADS=1, otherwise OpenBLAS works on threads this clock does not see.
 * Usage: GemmCpuTime [size=2048] [reps=20] [d ...=64 784].
 */
public final class GemmCpuTime {

    private GemmCpuTime() {
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int[] ds = args.length > 2 ? Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray() : new int[] {64, 784};
        if (!"1".equals(System.getenv("OPENBLAS_NUM_THREADS"))) {
            System.err.println("GemmCpuTime: set OPENBLAS_NUM_THREADS=1, thread CPU time misses OpenBLAS worker threads");
        }
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        NetlibGemm nat = NetlibGemm.best();
        PanamaGemm pan = new PanamaGemm();
        System.out.printf("GEMM %d x %d x d, thread CPU time, %d alternating calls after 3 warm-up calls; native = %s, vector = %s%n",
                size, size, reps, nat.name(), pan.name());
        System.out.println("    d   native GFLOP/s (median, best)   vector GFLOP/s (median, best)   vector/native (median, best)");
        for (int d : ds) {
            Random r = new Random(42);
            double[] a = new double[size * d];
            double[] b = new double[size * d];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextGaussian();
                b[i] = r.nextGaussian();
            }
            double[] c = new double[size * size];
            long[] tn = new long[reps];
            long[] tv = new long[reps];
            long[] sn = new long[reps];
            long[] sv = new long[reps];
            for (int rep = -3; rep < reps; rep++) {
                long t0 = clock.getCurrentThreadCpuTime();
                nat.gemmABt(a, size, b, size, d, c);
                long t1 = clock.getCurrentThreadCpuTime();
                pan.gemmABt(a, size, b, size, d, c);
                long t2 = clock.getCurrentThreadCpuTime();
                nat.gemmAAt(a, size, d, c);
                long t3 = clock.getCurrentThreadCpuTime();
                pan.gemmAAt(a, size, d, c);
                long t4 = clock.getCurrentThreadCpuTime();
                if (rep >= 0) {
                    tn[rep] = t1 - t0;
                    tv[rep] = t2 - t1;
                    sn[rep] = t3 - t2;
                    sv[rep] = t4 - t3;
                }
            }
            Arrays.sort(tn);
            Arrays.sort(tv);
            Arrays.sort(sn);
            Arrays.sort(sv);
            double flop = 2.0 * size * size * d;
            double nMed = flop / tn[reps / 2];
            double nBest = flop / tn[0];
            double vMed = flop / tv[reps / 2];
            double vBest = flop / tv[0];
            System.out.printf("%5d   %8.1f %8.1f                 %8.1f %8.1f                 %6.2f %6.2f%n",
                    d, nMed, nBest, vMed, vBest, vMed / nMed, vBest / nBest);
            System.out.printf("%5d a a^T, median ms: native dsyrk+mirror %.1f (full dgemm %.1f), vector upper+mirror %.1f (full %.1f)%n",
                    d, sn[reps / 2] / 1e6, tn[reps / 2] / 1e6, sv[reps / 2] / 1e6, tv[reps / 2] / 1e6);
        }
    }
}
