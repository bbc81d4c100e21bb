package org.sparkntk.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;
import org.sparkntk.tile.NetlibGemm;
import org.sparkntk.tile.panama.PanamaGemm;

/**
 * float32 against float64 GEMM ({@code --compute float32}), load-robust like {@link GemmCpuTime}:
 * native dgemm, native sgemm, Vector API float64 and Vector API float32 called in turn in one
 * thread, timed by that thread's CPU time. Needs OPENBLAS_NUM_THREADS=1.
 * Usage: GemmPrecisionCpuTime [size=2048] [reps=15] [d ...=784].
 */
public final class GemmPrecisionCpuTime {

    private GemmPrecisionCpuTime() {
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int[] ds = args.length > 2 ? Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray() : new int[] {784};
        if (!"1".equals(System.getenv("OPENBLAS_NUM_THREADS"))) {
            System.err.println("GemmPrecisionCpuTime: set OPENBLAS_NUM_THREADS=1, thread CPU time misses OpenBLAS worker threads");
        }
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        NetlibGemm nat = NetlibGemm.best();
        PanamaGemm pan = new PanamaGemm();
        System.out.printf("GEMM %d x %d x d, thread CPU time, %d rounds of 4 calls after 3 warm-up rounds; native = %s / %s,"
                + " vector = %s / %s%n", size, size, reps, nat.name(), nat.floatName(), pan.name(), pan.floatName());
        System.out.println("    d   GFLOP/s median (best): native f64, native f32, vector f64, vector f32;"
                + "  f32/f64 median: native, vector");
        for (int d : ds) {
            Random r = new Random(42);
            double[] a = new double[size * d];
            double[] b = new double[size * d];
            float[] af = new float[size * d];
            float[] bf = new float[size * d];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextGaussian();
                b[i] = r.nextGaussian();
                af[i] = (float) a[i];
                bf[i] = (float) b[i];
            }
            double[] c = new double[size * size];
            float[] cf = new float[size * size];
            long[][] t = new long[4][reps];
            for (int rep = -3; rep < reps; rep++) {
                long t0 = clock.getCurrentThreadCpuTime();
                nat.gemmABt(a, size, b, size, d, c);
                long t1 = clock.getCurrentThreadCpuTime();
                nat.sgemmABt(af, size, bf, size, d, cf);
                long t2 = clock.getCurrentThreadCpuTime();
                pan.gemmABt(a, size, b, size, d, c);
                long t3 = clock.getCurrentThreadCpuTime();
                pan.sgemmABt(af, size, bf, size, d, cf);
                long t4 = clock.getCurrentThreadCpuTime();
                if (rep >= 0) {
                    t[0][rep] = t1 - t0;
                    t[1][rep] = t2 - t1;
                    t[2][rep] = t3 - t2;
                    t[3][rep] = t4 - t3;
                }
            }
            double flop = 2.0 * size * size * d;
            double[] med = new double[4];
            double[] best = new double[4];
            for (int k = 0; k < 4; k++) {
                Arrays.sort(t[k]);
                med[k] = flop / t[k][reps / 2];
                best[k] = flop / t[k][0];
            }
            System.out.printf("%5d   %.1f (%.1f), %.1f (%.1f), %.1f (%.1f), %.1f (%.1f);  %.2f, %.2f%n", d, med[0], best[0], med[1],
                    best[1], med[2], best[2], med[3], best[3], med[1] / med[0], med[3] / med[2]);
        }
    }
}
