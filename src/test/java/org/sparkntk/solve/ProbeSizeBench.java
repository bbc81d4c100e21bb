package org.sparkntk.solve;

import java.util.List;
import java.util.Locale;

/**
 * How well the dense-method pick's extrapolation works from a given probe size: times the
 * {@code auto} candidates at each probe N given, prints the rate each run predicts at the target
 * N, then factors the target N with each method for the measured rates
 * (docs/benchmarks.md, "Dense method: the probe size").
 *
 * <pre>java &lt;module options&gt; -cp target/classes:target/test-classes:target/lib/* org.sparkntk.solve.ProbeSizeBench 10000 2048,3072,4096</pre>
 */
public final class ProbeSizeBench {

    private ProbeSizeBench() {
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        List<DenseMethod> c = DenseMethod.candidates("auto");
        for (String p : args[1].split(",")) {
            int probe = Integer.parseInt(p);
            long t0 = System.nanoTime();
            List<DenseMethod> timed = DenseMethod.time(c, probe, 3);
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "probe %d (%.1f s):", probe, (System.nanoTime() - t0) / 1e9));
            for (DenseMethod m : timed) {
                sb.append(String.format(Locale.ROOT, " [%s: %.1f at %d, %.1f expected at %d]", m.name(), m.flops() / 1e9, probe,
                        m.flopsAt(n) / 1e9, n));
            }
            System.out.println(sb);
        }
        double[] orig = DenseMethod.probeMatrix(n);
        double[] a = new double[orig.length];
        for (int r = 0; r < 2; r++) {
            for (DenseMethod m : c) {
                System.arraycopy(orig, 0, a, 0, a.length);
                long t0 = System.nanoTime();
                int info;
                if (m.blocked() == null) {
                    org.netlib.util.intW w = new org.netlib.util.intW(0);
                    dev.ludovic.netlib.lapack.LAPACK.getInstance().dpotrf("L", n, a, n, w);
                    info = w.val;
                } else {
                    info = m.blocked().factor(a, n);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "N = %d, round %d: %s %.2f s, %.1f GFLOP/s (info %d)%n", n, r + 1, m.name(), s,
                        (double) n * n * n / 3 / s / 1e9, info);
            }
        }
    }
}
