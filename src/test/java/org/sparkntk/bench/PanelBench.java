package org.sparkntk.bench;

import dev.ludovic.netlib.blas.BLAS;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.sparkntk.regress.TileBlock;
import org.sparkntk.tile.NetlibPanelProduct;
import org.sparkntk.tile.PanelProduct;
import org.sparkntk.tile.TileKernels;
import org.sparkntk.tile.panama.PanamaSupport;

/**
 * One PCG pass over GB gigabytes of cached off-diagonal tiles (1024 x 1024, stored as the cache
 * stores them: 32-row panels, float32 or float64), without Spark: each variant does yi += K x_J
 * and yj += K^T x_I for every tile with k outputs, on THREADS threads (each its share of the
 * tiles, as the tasks of a pass). Variants: "netlib" (two dgemm calls per panel, a float32
 * panel widened into a buffer: the pass before the fused kernel) and "vector" (the fused kernel),
 * both through TileBlock.multiplyPanels with x_J and yj transposed per tile as TileOperator does,
 * and "sum" (TileBlock.sum, the plain scan PCG's log compares a pass with).
 * The variants' order rotates per round; each line is the median wall seconds and GB/s of stored
 * values, and the median CPU seconds of the threads (less sensitive to other processes on a
 * loaded machine). Run it with OPENBLAS_NUM_THREADS=1, as scripts/ntk runs Spark's tasks (more BLAS threads
 * per thread only oversubscribe the cores). Usage:
 * OPENBLAS_NUM_THREADS=1 java --add-modules=jdk.incubator.vector -cp ... org.sparkntk.bench.PanelBench float32|float64 GB K THREADS ROUNDS
 */
public final class PanelBench {

    private PanelBench() {
    }

    static final int B = 1024;

    public static void main(String[] args) throws Exception {
        boolean float32 = args[0].equals("float32");
        double gb = Double.parseDouble(args[1]);
        int k = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        int bytesPer = float32 ? 4 : 8;
        int count = (int) Math.max(threads, Math.round(gb * 1e9 / ((double) B * B * bytesPer)));
        Random r = new Random(1);
        double[] v = new double[B * B];
        List<TileBlock> tiles = new ArrayList<>(count);
        for (int t = 0; t < count; t++) {
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextDouble();
            }
            // tile (t, t + 1): rows t B.., columns (t + 1) B..; x has (count + 1) B rows
            long rs = (long) t * B;
            tiles.add(float32 ? TileBlock.float32(t, t + 1, rs, rs + B, B, B, v) : new TileBlock(t, t + 1, rs, rs + B, B, B, v));
        }
        int n = (count + 1) * B;
        double[] x = new double[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        double bytes = (double) count * B * B * bytesPer;
        PanelProduct vector = PanamaSupport.panelProduct();
        PanelProduct netlib = new NetlibPanelProduct(BLAS.getInstance());
        System.out.printf(Locale.ROOT, "PanelBench %s: %d tiles of %d x %d, %.2f GB, k=%d, %d threads; vector: %s, netlib: %s,"
                        + " auto picks %s%n", args[0], count, B, B, bytes / 1e9, k, threads, vector.name(), netlib.name(),
                TileKernels.panelProduct(float32 ? org.sparkntk.spec.Precision.FLOAT32 : org.sparkntk.spec.Precision.FLOAT64).name());
        String[] variants = {"sum", "netlib", "vector"};
        double[][] secs = new double[variants.length][rounds + 1];
        double[][] cpu = new double[variants.length][rounds + 1];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        double[] check = new double[variants.length];
        try {
            for (int round = 0; round <= rounds; round++) { // round 0 warms up
                for (int vi = 0; vi < variants.length; vi++) {
                    int which = (vi + round) % variants.length;
                    String name = variants[which];
                    List<Future<double[]>> fs = new ArrayList<>();
                    long t0 = System.nanoTime();
                    for (int w = 0; w < threads; w++) {
                        int from = (int) ((long) count * w / threads);
                        int to = (int) ((long) count * (w + 1) / threads);
                        fs.add(pool.submit(() -> pass(name, tiles.subList(from, to), x, k, n, vector, netlib)));
                    }
                    double s = 0;
                    double c = 0;
                    for (Future<double[]> f : fs) {
                        double[] y = f.get();
                        for (int i = 0; i < y.length - 1; i++) {
                            s += y[i];
                        }
                        c += y[y.length - 1];
                    }
                    secs[which][round] = (System.nanoTime() - t0) / 1e9;
                    cpu[which][round] = c;
                    check[which] = s;
                }
            }
        } finally {
            pool.shutdown();
        }
        double sumMedian = median(secs[0]);
        double netlibMedian = median(secs[1]);
        for (int vi = 0; vi < variants.length; vi++) {
            double m = median(secs[vi]);
            System.out.printf(Locale.ROOT, "  %-7s median %.3f s  %.2f GB/s  %.2fx sum  %.2fx netlib  cpu %.3f s (%.2fx sum's)"
                            + "  (rounds %s; checksum %.6e)%n",
                    variants[vi], m, bytes / m / 1e9, m / sumMedian, m / netlibMedian, median(cpu[vi]),
                    median(cpu[vi]) / median(cpu[0]),
                    Arrays.toString(Arrays.stream(secs[vi], 1, rounds + 1).map(q -> Math.round(q * 1000) / 1000.0).toArray()),
                    check[vi]);
        }
    }

    private static double median(double[] s) {
        double[] a = Arrays.copyOfRange(s, 1, s.length);
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /** One thread's share of a pass, and the thread's CPU seconds for it as the last value. */
    private static double[] pass(String variant, List<TileBlock> tiles, double[] x, int k, int n, PanelProduct vector,
                                 PanelProduct netlib) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        double[] y = pass0(variant, tiles, x, k, n, vector, netlib);
        double[] out = Arrays.copyOf(y, y.length + 1);
        out[y.length] = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
        return out;
    }

    /** One thread's share of a pass: a dense N x k result, as a task of the dense-reduce pass. */
    private static double[] pass0(String variant, List<TileBlock> tiles, double[] x, int k, int n, PanelProduct vector,
                                  PanelProduct netlib) {
        double[] y = new double[n * k];
        if (variant.equals("sum")) {
            double s = 0;
            for (TileBlock t : tiles) {
                s += t.sum();
            }
            y[0] = s;
            return y;
        }
        double[] xT = new double[k * B];
        double[] yT = new double[k * B];
        for (TileBlock t : tiles) {
            int yiOff = (int) (t.rowStart() * k);
            int yjOff = (int) (t.colStart() * k);
            int nc = t.numCols();
            for (int c = 0; c < nc; c++) {
                for (int o = 0; o < k; o++) {
                    xT[o * nc + c] = x[yjOff + c * k + o];
                }
            }
            Arrays.fill(yT, 0.0);
            t.multiplyPanels(variant.equals("vector") ? vector : netlib, k, xT, y, yiOff, x, yiOff, yT);
            for (int c = 0; c < nc; c++) {
                for (int o = 0; o < k; o++) {
                    y[yjOff + c * k + o] += yT[o * nc + c];
                }
            }
        }
        return y;
    }
}
