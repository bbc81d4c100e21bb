package org.sparkntk.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * What fresh memory costs: allocates a float64 array of N values (a dense K is N^2) and fills it,
 * {@code rounds} times, printing the seconds of each. The first allocation gets pages the process
 * never touched (each a fault), later ones memory the collector already holds. Run with and
 * without {@code -XX:+UseTransparentHugePages} (docs/benchmarks.md, "First touch of fresh memory"):
 *
 * <pre>java -Xmx16g [-XX:+UseTransparentHugePages] -cp target/test-classes org.sparkntk.bench.FirstTouchBench 100000000 3</pre>
 */
public final class FirstTouchBench {

    private FirstTouchBench() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            double[] a = new double[n];
            long t1 = System.nanoTime();
            Arrays.fill(a, 1.0);
            long t2 = System.nanoTime();
            System.out.printf(Locale.ROOT, "round %d: allocate %.3f s, fill %.3f s (%.0f MB)%n", r + 1, (t1 - t0) / 1e9,
                    (t2 - t1) / 1e9, 8.0 * n / 1e6);
            if (a[n / 2] != 1.0) {
                throw new AssertionError();
            }
        }
    }
}
