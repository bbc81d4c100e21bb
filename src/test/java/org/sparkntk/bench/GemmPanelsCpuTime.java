package org.sparkntk.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;
import org.sparkntk.tile.Gemm;
import org.sparkntk.tile.NetlibGemm;
import org.sparkntk.tile.panama.PanamaGemm;

/**
 * What computing a tile's Gram product in panels of rows costs (the Gram job does, so its
 * recursion and file write start after the first panel: docs/design.md, "Tile files"): one
 * size x size x d product whole, then in panels of P rows (the panel entries of {@link Gemm}),
 * native BLAS and {@link PanamaGemm}, each variant timed by this thread's CPU time, alternating,
 * median of the rounds. Needs OPENBLAS_NUM_THREADS=1 (and OPENBLAS_CORETYPE as scripts/ntk sets it).
 * Usage: GemmPanelsCpuTime [size=4096] [d=784] [rounds=5] [P ...=2048 1024 512 256].
 */
public final class GemmPanelsCpuTime {

    private GemmPanelsCpuTime() {
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int d = args.length > 1 ? Integer.parseInt(args[1]) : 784;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int[] panels = args.length > 3 ? Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {2048, 1024, 512, 256};
        if (!"1".equals(System.getenv("OPENBLAS_NUM_THREADS"))) {
            System.err.println("GemmPanelsCpuTime: set OPENBLAS_NUM_THREADS=1, thread CPU time misses OpenBLAS worker threads");
        }
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        Random r = new Random(42);
        double[] a = new double[size * d];
        double[] b = new double[size * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
            b[i] = r.nextGaussian();
        }
        double[] c = new double[size * size];
        double flops = 2.0 * size * size * d;
        for (Gemm g : new Gemm[] {NetlibGemm.best(), new PanamaGemm()}) {
            run(g, a, b, c, size, d, size); // warm-up
            for (int p : panels) {
                run(g, a, b, c, size, d, p);
            }
            long[][] t = new long[1 + panels.length][rounds];
            for (int k = 0; k < rounds; k++) {
                for (int v = 0; v <= panels.length; v++) {
                    long t0 = clock.getCurrentThreadCpuTime();
                    run(g, a, b, c, size, d, v == 0 ? size : panels[v - 1]);
                    t[v][k] = clock.getCurrentThreadCpuTime() - t0;
                }
            }
            double whole = median(t[0]);
            System.out.printf("%s, %d x %d x %d, median of %d rounds (thread CPU time):%n", g.name(), size, size, d, rounds);
            System.out.printf("  whole     %7.1f ms  %6.1f GFLOP/s%n", whole / 1e6, flops / whole);
            for (int v = 1; v <= panels.length; v++) {
                double m = median(t[v]);
                System.out.printf("  P = %-5d %7.1f ms  %6.1f GFLOP/s  %.3fx the whole product%n", panels[v - 1], m / 1e6, flops / m,
                        m / whole);
            }
        }
    }

    private static void run(Gemm g, double[] a, double[] b, double[] c, int size, int d, int p) {
        for (int lo = 0; lo < size; lo += p) {
            int rows = Math.min(p, size - lo);
            g.gemmABt(a, lo * d, rows, b, 0, size, d, c, lo * size, size);
        }
    }

    private static double median(long[] x) {
        long[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
