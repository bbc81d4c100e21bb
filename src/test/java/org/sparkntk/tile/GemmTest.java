package org.sparkntk.tile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ludovic.netlib.blas.JavaBLAS;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkntk.tile.panama.PanamaGemm;

/**
 * Every {@link Gemm} against an independent, nearly exact reference: a compensated dot product
 * (Ogita-Rump-Oishi Dot2: TwoProduct by fma, TwoSum), accurate as if computed in twice the working
 * precision. Any algorithm that forms each entry from the d products with d-1 additions, in any
 * order and blocking, has error at most gamma_d * sum_k |a_ik b_jk| with gamma_d = d u / (1 - d u),
 * u = 2^-53 (Higham, Accuracy and Stability, sec. 3.1); the tolerance is twice that, the factor
 * covering 1/(1 - d u) and the reference's own error (u |dot| + O(d^2 u^2)).
 */
class GemmTest {

    private static final double U = 0x1p-53;

    /** A named implementation (netlib twice: native through JNI and its pure-Java fallback). */
    record Impl(String label, Gemm gemm) {
        @Override
        public String toString() {
            return label;
        }
    }

    static List<Impl> impls() {
        List<Impl> out = new ArrayList<>();
        out.add(new Impl("scalar", new ScalarGemm()));
        NetlibGemm best = NetlibGemm.best();
        out.add(new Impl(best.isNative() ? "netlib-native" : "netlib-best(no native BLAS here)", best));
        out.add(new Impl("netlib-java", new NetlibGemm(JavaBLAS.getInstance())));
        out.add(new Impl("panama", new PanamaGemm()));
        PanamaGemm threaded = new PanamaGemm();
        out.add(new Impl("panama-2-threads", new Gemm() {
            @Override
            public String name() {
                return "panama-2-threads";
            }

            @Override
            public String floatName() {
                return "panama-2-threads float32";
            }

            @Override
            protected void sgemmABtK(float[] a, int m, float[] b, int n, int d, float[] c) {
                threaded.sgemmABt(a, m, b, n, d, c, 2);
            }

            @Override
            protected void gemmABtK(double[] a, int m, double[] b, int n, int d, double[] c) {
                threaded.gemmABt(a, m, b, n, d, c, 2);
            }
        }));
        return out;
    }

    /** Odd sizes so every tail runs, sizes that cross PanamaGemm's blocks (MC 96, KC 128, NC 2048), and 1031 once per dimension. */
    static List<int[]> shapes() {
        List<int[]> s = new ArrayList<>();
        int[] small = {1, 7, 13, 103};
        for (int m : small) {
            for (int n : small) {
                for (int d : small) {
                    s.add(new int[] {m, n, d});
                }
            }
        }
        s.add(new int[] {1031, 13, 7});
        s.add(new int[] {7, 1031, 13});
        s.add(new int[] {13, 7, 1031});
        s.add(new int[] {103, 103, 1031});
        s.add(new int[] {97, 257, 513});
        s.add(new int[] {200, 300, 257});
        s.add(new int[] {24, 32, 256});
        s.add(new int[] {97, 50, 129});
        s.add(new int[] {13, 2100, 7});
        return s;
    }

    static Stream<Arguments> implsAndShapes() {
        return impls().stream().flatMap(g -> shapes().stream().map(s -> Arguments.of(g, s[0], s[1], s[2])));
    }

    static Stream<Arguments> implsOnly() {
        return impls().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0} m={1} n={2} d={3}")
    @MethodSource("implsAndShapes")
    void randomGaussianMatchesCompensatedReference(Impl impl, int m, int n, int d) {
        Random r = new Random(31L * m + 17L * n + d);
        double[] a = gaussian(r, m * d);
        double[] b = gaussian(r, n * d);
        checkAgainstReference(impl.gemm(), a, m, b, n, d);
    }

    /** Rows scaled by 10^[-100, 100]: the error bound is per entry, so every magnitude must be right. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("implsOnly")
    void wildlyScaledRows(Impl impl) {
        int m = 29;
        int n = 37;
        int d = 41;
        Random r = new Random(5);
        double[] a = scaledRows(r, m, d);
        double[] b = scaledRows(r, n, d);
        checkAgainstReference(impl.gemm(), a, m, b, n, d);
    }

    /** Identical and antiparallel rows: entries near +-|x|^2, and cancellation to about 0 between them. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("implsOnly")
    void identicalAndAntiparallelRows(Impl impl) {
        int d = 103;
        Random r = new Random(9);
        double[] x = gaussian(r, d);
        double[] a = new double[3 * d];
        for (int k = 0; k < d; k++) {
            a[k] = x[k];
            a[d + k] = -x[k];
            a[2 * d + k] = x[k] * 0x1p-30;
        }
        checkAgainstReference(impl.gemm(), a, 3, a, 3, d);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implsOnly")
    void zeroMatricesGiveExactZeroAndOverwriteC(Impl impl) {
        for (int[] s : new int[][] {{1, 1, 1}, {13, 7, 103}, {103, 1031, 13}}) {
            int m = s[0];
            int n = s[1];
            int d = s[2];
            double[] c = new double[m * n];
            Arrays.fill(c, Double.NaN);
            impl.gemm().gemmABt(new double[m * d], m, new double[n * d], n, d, c);
            for (double v : c) {
                assertEquals(0.0, v, 0.0, impl + " m=" + m + " n=" + n + " d=" + d);
            }
        }
    }

    /** d = 0 is the empty sum; m = 0 or n = 0 touch nothing; entries past m*n are never written. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("implsOnly")
    void emptyDimensionsAndArrayTail(Impl impl) {
        double[] c = new double[7 * 5 + 3];
        Arrays.fill(c, 42.0);
        impl.gemm().gemmABt(new double[0], 7, new double[0], 5, 0, c);
        for (int i = 0; i < 35; i++) {
            assertEquals(0.0, c[i], 0.0);
        }
        Arrays.fill(c, 42.0);
        impl.gemm().gemmABt(new double[0], 0, new double[5 * 3], 5, 3, c);
        impl.gemm().gemmABt(new double[7 * 3], 7, new double[0], 0, 3, c);
        assertTrue(Arrays.stream(c).allMatch(v -> v == 42.0), impl + " wrote into c for an empty product");
        Random r = new Random(3);
        impl.gemm().gemmABt(gaussian(r, 7 * 13), 7, gaussian(r, 5 * 13), 5, 13, c);
        for (int i = 35; i < c.length; i++) {
            assertEquals(42.0, c[i], 0.0, impl + " wrote past m*n");
        }
    }

    @ParameterizedTest(name = "{0} m={1} d={2}")
    @MethodSource("symmetricCases")
    void symmetricIsExactlySymmetricAndMatchesReference(Impl impl, int m, int d) {
        Random r = new Random(7L * m + d);
        double[] a = gaussian(r, m * d);
        double[] c = new double[m * m];
        Arrays.fill(c, Double.NaN);
        impl.gemm().gemmAAt(a, m, d, c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                assertEquals(Double.doubleToRawLongBits(c[j * m + i]), Double.doubleToRawLongBits(c[i * m + j]),
                        impl + ": c not exactly symmetric at " + i + "," + j);
                assertWithinBound(a, i, a, j, d, c[i * m + j], impl + " symmetric m=" + m + " d=" + d + " at " + i + "," + j);
            }
        }
    }

    static Stream<Arguments> symmetricCases() {
        int[][] s = {{1, 1}, {1, 7}, {7, 1}, {13, 13}, {103, 7}, {103, 103}, {300, 257}, {1031, 13}, {2100, 3}};
        return impls().stream().flatMap(g -> Arrays.stream(s).map(x -> Arguments.of(g, x[0], x[1])));
    }

    /**
     * The panel entries (a tile's Gram product a panel of rows at a time): rows at an offset of a
     * against rows at an offset of b, into a block of a wider matrix at an offset that ends where the
     * array does; every entry of the block within the bound, everything outside it untouched, and a symmetric block exactly
     * symmetric. Shapes cross PanamaGemm's MC, KC and NC blocks; the two-thread wrapper runs Gemm's
     * default (copying) panel kernels.
     */
    @ParameterizedTest(name = "{0} m={1} n={2} d={3}")
    @MethodSource("panelCases")
    void panelsAtOffsetsMatchReferenceAndTouchNothingElse(Impl impl, int m, int n, int d) {
        Random r = new Random(13L * m + 5L * n + d);
        int a0 = 3;
        int b0 = 5;
        double[] a = gaussian(r, (a0 + m + 2) * d);
        double[] b = gaussian(r, (b0 + n + 1) * d);
        int ldc = n + 9;
        int c0 = 2 * ldc + 4;
        // the block ends where c ends, as a tile's last panel does
        double[] c = new double[c0 + (m - 1) * ldc + n];
        Arrays.fill(c, 42.0);
        impl.gemm().gemmABt(a, a0 * d, m, b, b0 * d, n, d, c, c0, ldc);
        double[] ai = Arrays.copyOfRange(a, a0 * d, (a0 + m) * d);
        double[] bj = Arrays.copyOfRange(b, b0 * d, (b0 + n) * d);
        for (int p = 0; p < c.length; p++) {
            int i = (p - c0) / ldc;
            int j = (p - c0) % ldc;
            if (p >= c0 && i < m && j < n) {
                assertWithinBound(ai, i, bj, j, d, c[p], impl + " panel at " + i + "," + j);
            } else {
                assertEquals(42.0, c[p], 0.0, impl + " wrote outside the panel at " + p);
            }
        }
        int k = Math.min(m, n);
        c = new double[c0 + (k - 1) * ldc + k];
        Arrays.fill(c, 42.0);
        impl.gemm().gemmAAt(a, a0 * d, k, d, c, c0, ldc);
        for (int p = 0; p < c.length; p++) {
            int i = (p - c0) / ldc;
            int j = (p - c0) % ldc;
            if (p >= c0 && i < k && j < k) {
                assertEquals(Double.doubleToRawLongBits(c[c0 + j * ldc + i]), Double.doubleToRawLongBits(c[p]),
                        impl + ": symmetric block not exactly symmetric at " + i + "," + j);
                assertWithinBound(ai, i, ai, j, d, c[p], impl + " symmetric block at " + i + "," + j);
            } else {
                assertEquals(42.0, c[p], 0.0, impl + " wrote outside the symmetric block at " + p);
            }
        }
    }

    static Stream<Arguments> panelCases() {
        int[][] s = {{1, 1, 1}, {7, 13, 3}, {13, 7, 103}, {103, 97, 257}, {100, 2100, 7}, {40, 30, 0}};
        return impls().stream().flatMap(g -> Arrays.stream(s).map(x -> Arguments.of(g, x[0], x[1], x[2])));
    }

    @Test
    void badPanelArgumentsAreRejectedWithOffsets() {
        for (Impl impl : impls()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> impl.gemm().gemmABt(new double[8], 3, 2, new double[6], 0, 2, 3, new double[8], 0, 4));
            assertEquals("gemm panel arrays too small for m=2 n=2 d=3 offsets 3, 0, 0 ldc=4", e.getMessage(), impl.label());
            e = assertThrows(IllegalArgumentException.class,
                    () -> impl.gemm().gemmABt(new double[6], 0, 2, new double[6], 0, 2, 3, new double[8], 0, 1));
            assertEquals("gemm panel needs sizes, offsets >= 0 and ldc >= n, got m=2 n=2 d=3 offsets 0, 0, 0 ldc=1", e.getMessage(),
                    impl.label());
            e = assertThrows(IllegalArgumentException.class,
                    () -> impl.gemm().gemmAAt(new double[6], 0, 2, 3, new double[8], 4, 3));
            assertEquals("gemm panel arrays too small for m=2 n=2 d=3 offsets 0, 0, 4 ldc=3", e.getMessage(), impl.label());
        }
    }

    @Test
    void badArgumentsAreRejectedWithSizes() {
        for (Impl impl : impls()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> impl.gemm().gemmABt(new double[6], 2, new double[6], 2, 3, new double[3]));
            assertEquals("gemm arrays too small for m=2 n=2 d=3", e.getMessage(), impl.label());
            e = assertThrows(IllegalArgumentException.class,
                    () -> impl.gemm().gemmABt(new double[6], -1, new double[6], 2, 3, new double[4]));
            assertEquals("gemm sizes must be >= 0, got m=-1 n=2 d=3", e.getMessage(), impl.label());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PanamaGemm().gemmABt(new double[1], 1, new double[1], 1, 1, new double[1], 0));
        assertEquals("'threads' is 0 but must be >= 1", e.getMessage());
    }

    private static void checkAgainstReference(Gemm g, double[] a, int m, double[] b, int n, int d) {
        double[] c = new double[m * n];
        Arrays.fill(c, Double.NaN); // c must be overwritten, not accumulated into
        g.gemmABt(a, m, b, n, d, c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                assertWithinBound(a, i, b, j, d, c[i * n + j], g.name() + " m=" + m + " n=" + n + " d=" + d + " at " + i + "," + j);
            }
        }
    }

    private static void assertWithinBound(double[] a, int i, double[] b, int j, int d, double got, String where) {
        double exact = dot2(a, i * d, b, j * d, d);
        double absDot = 0;
        for (int k = 0; k < d; k++) {
            absDot += Math.abs(a[i * d + k] * b[j * d + k]);
        }
        double tol = 2 * d * U * absDot;
        assertEquals(exact, got, tol, where);
    }

    /** Compensated dot product (Ogita, Rump, Oishi 2005, Algorithm Dot2). */
    static double dot2(double[] x, int xo, double[] y, int yo, int d) {
        double s = 0;
        double err = 0;
        for (int k = 0; k < d; k++) {
            double p = x[xo + k] * y[yo + k];
            double ep = Math.fma(x[xo + k], y[yo + k], -p);
            double t = s + p;
            double z = t - s;
            double es = (s - (t - z)) + (p - z);
            s = t;
            err += ep + es;
        }
        return s + err;
    }

    private static double[] gaussian(Random r, int len) {
        double[] x = new double[len];
        for (int i = 0; i < len; i++) {
            x[i] = r.nextGaussian();
        }
        return x;
    }

    private static double[] scaledRows(Random r, int rows, int d) {
        double[] x = new double[rows * d];
        for (int i = 0; i < rows; i++) {
            double s = Math.pow(10, r.nextInt(201) - 100);
            for (int k = 0; k < d; k++) {
                x[i * d + k] = s * r.nextGaussian();
            }
        }
        return x;
    }
}
