package org.sparkntk.tile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkntk.tile.panama.PanamaGemm;

/**
 * The float32 products of every {@link Gemm} (netlib sgemm/ssyrk native and pure Java, the Vector
 * API float kernel single- and two-threaded, the scalar loop) against a plain float64 triple loop
 * over the same float inputs. The products of two floats are exact in double and a double sum of
 * d &lt;= 2100 of them is off by at most d 2^-53 of sum |a_k b_k|, so the loop is the exact product
 * to far below float32 rounding. Any float algorithm forming an entry from the d products with
 * d - 1 additions (fused or not, in any order and blocking) is within gamma_d sum_k |a_k b_k|,
 * gamma_d = d u / (1 - d u), u = 2^-24 (Higham, sec. 3.1); that plus the reference's own error is
 * the tolerance, and sum |a_k b_k| &lt;= |a| |b| makes it the "d 2^-24 on the |a||b| scale" bound.
 */
class SgemmTest {

    private static final double U = 0x1p-24;

    static Stream<Arguments> implsAndShapes() {
        return GemmTest.impls().stream().flatMap(g -> GemmTest.shapes().stream().map(s -> Arguments.of(g, s[0], s[1], s[2])));
    }

    static Stream<Arguments> implsOnly() {
        return GemmTest.impls().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0} m={1} n={2} d={3}")
    @MethodSource("implsAndShapes")
    void floatProductWithinFloatRoundingOfExact(GemmTest.Impl impl, int m, int n, int d) {
        Random r = new Random(31L * m + 17L * n + d);
        float[] a = gaussian(r, m * d);
        float[] b = gaussian(r, n * d);
        float[] c = new float[m * n];
        java.util.Arrays.fill(c, Float.NaN); // every entry must be written
        impl.gemm().sgemmABt(a, m, b, n, d, c);
        check(a, m, b, n, d, c, impl + " ABt");
        if (m == n) {
            float[] s = new float[m * m];
            java.util.Arrays.fill(s, Float.NaN);
            impl.gemm().sgemmAAt(a, m, d, s);
            check(a, m, a, m, d, s, impl + " AAt");
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < i; j++) {
                    assertEquals(s[j * m + i], s[i * m + j], impl + ": AAt must be exactly symmetric at " + i + "," + j);
                }
            }
        }
    }

    /** Identical and antiparallel rows (entries +-|x|^2) and a cancelling pair: the bound is per entry. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("implsOnly")
    void identicalAntiparallelAndCancellingRows(GemmTest.Impl impl) {
        int d = 300;
        Random r = new Random(9);
        float[] x = gaussian(r, d);
        float[] a = new float[4 * d];
        for (int k = 0; k < d; k++) {
            a[k] = x[k];
            a[d + k] = -x[k];
            a[2 * d + k] = x[k] * 0x1p-20f;
            a[3 * d + k] = k % 2 == 0 ? x[k] : -x[k]; // nearly orthogonal to x: heavy cancellation
        }
        float[] c = new float[16];
        impl.gemm().sgemmABt(a, 4, a, 4, d, c);
        check(a, 4, a, 4, d, c, impl.toString());
        impl.gemm().sgemmAAt(a, 4, d, c);
        check(a, 4, a, 4, d, c, impl + " AAt");
    }

    /** The float kernel is really float: at d = 4096 its error must exceed double rounding by far. */
    @Test
    void vectorFloatKernelRoundsInFloat() {
        int d = 4096;
        Random r = new Random(3);
        float[] a = gaussian(r, 16 * d);
        float[] c = new float[256];
        new PanamaGemm().sgemmABt(a, 16, a, 16, d, c);
        double worst = 0;
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 16; j++) {
                worst = Math.max(worst, Math.abs(c[i * 16 + j] - exact(a, i, a, j, d)));
            }
        }
        assertTrue(worst > 1e-9, "a float32 GEMM at d = 4096 cannot match the exact product to " + worst);
    }

    private static void check(float[] a, int m, float[] b, int n, int d, float[] c, String what) {
        double gamma = d * U / (1 - d * U);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double abs = 0;
                for (int k = 0; k < d; k++) {
                    abs += Math.abs((double) a[i * d + k] * b[j * d + k]);
                }
                double ref = exact(a, i, b, j, d);
                double tol = gamma * abs + d * 0x1p-53 * abs + Double.MIN_NORMAL;
                double err = Math.abs(c[i * n + j] - ref);
                if (!(err <= tol)) {
                    throw new AssertionError(what + " m=" + m + " n=" + n + " d=" + d + " entry (" + i + "," + j + ") = "
                            + c[i * n + j] + ", exact " + ref + ", error " + err + " > bound " + tol);
                }
            }
        }
    }

    private static double exact(float[] a, int i, float[] b, int j, int d) {
        double s = 0;
        for (int k = 0; k < d; k++) {
            s += (double) a[i * d + k] * b[j * d + k];
        }
        return s;
    }

    private static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }
}
