package org.sparkntk.bench;

import dev.ludovic.netlib.lapack.JavaLAPACK;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.Locale;
import java.util.Random;
import org.sparkntk.select.SymmetricEigen;

/**
 * dsyevd (eigenvalues and vectors) timings, native LAPACK against netlib's Java port, on a random
 * kernel-like SPD matrix (a Gram of random rows plus a ridge). Usage:
 * java -cp ... org.sparkntk.bench.EigenBench native|java N [N ...]
 */
public final class EigenBench {

    private EigenBench() {
    }

    public static void main(String[] args) {
        LAPACK l = args[0].equals("java") ? JavaLAPACK.getInstance() : LAPACK.getInstance();
        System.out.println("lapack: " + SymmetricEigen.implementation(l));
        for (int q = 1; q < args.length; q++) {
            int n = Integer.parseInt(args[q]);
            double[] a = matrix(n, 7);
            long t0 = System.nanoTime();
            SymmetricEigen e = SymmetricEigen.decompose(a, n, l);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "dsyevd n=%d: %.2f s, %.2f GFLOP/s (9 n^3), lambda_max %.4g%n", n, s,
                    SymmetricEigen.flops(n) / s / 1e9, e.values()[n - 1]);
            if (System.getProperty("evr") != null) {
                double[] b = matrix(n, 7);
                double[] w = new double[n];
                double[] z = new double[n * n];
                int[] isuppz = new int[2 * n];
                org.netlib.util.intW m = new org.netlib.util.intW(0);
                org.netlib.util.intW info = new org.netlib.util.intW(0);
                double[] wq = new double[1];
                int[] iwq = new int[1];
                l.dsyevr("V", "A", "U", n, b, n, 0, 0, 0, 0, 0, m, w, z, n, isuppz, wq, -1, iwq, -1, info);
                double[] work = new double[(int) wq[0]];
                int[] iwork = new int[iwq[0]];
                long t1 = System.nanoTime();
                l.dsyevr("V", "A", "U", n, b, n, 0, 0, 0, 0, 0, m, w, z, n, isuppz, work, work.length, iwork, iwork.length, info);
                double s2 = (System.nanoTime() - t1) / 1e9;
                System.out.printf(Locale.ROOT, "dsyevr n=%d: %.2f s (info %d), lambda_max %.4g%n", n, s2, info.val, w[n - 1]);
            }
        }
    }

    static double[] matrix(int n, long seed) {
        int d = 64;
        Random r = new Random(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    s += x[i * d + c] * x[j * d + c];
                }
                s = Math.exp(-Math.abs(d - s) / d); // smooth, SPD-ish
                a[i * n + j] = s;
                a[j * n + i] = s;
            }
            a[i * n + i] += 1e-3;
        }
        return a;
    }
}
