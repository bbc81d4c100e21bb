package org.sparkntk.tile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ludovic.netlib.blas.JavaBLAS;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.spec.Precision;
import org.sparkntk.tile.panama.PanamaGemm;

/**
 * {@code --compute float32} against the float64 path, for every activation family and depths
 * 1..4, on rows that are near-parallel, antiparallel, exactly parallel at other norms, and on
 * both sides of the recompute threshold (docs/ntk-math.md, "Float32 compute").
 *
 * <p>The float64 truth is the tile computed with {@link ScalarGemm}, whose entries are the plain
 * dot products {@link Float32Gram} recomputes, so an entry recomputed in float64 must come out
 * bitwise equal, and any other differs only through its float32 Gram product.
 *
 * <p>The bound for the other entries, from the derivation: their first-layer correlation rho1 is
 * off by at most eps = (d + 2) 2^-24 (float32 rounding of the inputs and of a d-term dot product,
 * on the Cauchy-Schwarz scale |x||y| &gt;= the scale of Sigma1) and lies in |rho1| &lt;= r =
 * 0.99 + eps. The recursion is float64 and, with the diagonal fixed, a function of rho1 alone, so
 * the output error on the Cauchy-Schwarz scale is at most eps * Lambda, Lambda = sup over
 * |rho1| &lt;= r of |dK/drho1| / sqrt(K(x,x) K(y,y)) at the pair's diagonal. Lambda is measured
 * here independently of the tile code: the scalar recursion over a grid of 4001 correlations in
 * [-r, r] at the pair's variances, as the largest secant slope. Between grid points (h = 5e-4)
 * the slope can exceed that by about h sup|K''| / 2; the steepest case, ReLU's angle at rho =
 * 0.99, has |K''| / |K'| ~ rho / (1 - rho^2) = 50, i.e. 1.3% of the slope; the factor 1.1 covers
 * it. The additive 1e-13 covers float64 rounding of the recursion itself.
 */
class Float32AccuracyTest {

    private static final int D = 200;
    private static final int[] DEPTHS = {1, 2, 3, 4};
    private static final double EPS = Float32Gram.rhoErrorBound(D);

    /** The families: ReLU-like (kinked derivative), smooth closed forms, a fixed-degree quadrature one. */
    private static final String[][] CASES = {
            {"relu", "1", "0"}, {"abs", "1", "0"}, {"erf", "1", "0"}, {"gelu", "1", "0"}, {"sin", "1", "0"},
            {"identity", "1", "0"}, {"tanh@16", "1", "0"}, {"leaky_relu:0.2", "1", "0"}, {"relu", "1.4", "0.3"},
            {"erf", "1.2", "0.2"},
    };

    @Test
    void float32ComputeMeetsTheDerivedBoundForEveryActivationAndDepth() {
        Random r = new Random(11);
        double[][] blocks = rows(r);
        Rows a = new Rows(blocks[0], blocks[0].length / D, D);
        Rows b = new Rows(blocks[1], blocks[1].length / D, D);
        List<Gemm> gemms = List.of(new ScalarGemm(), new NetlibGemm(JavaBLAS.getInstance()), NetlibGemm.best(), new PanamaGemm());
        StringBuilder table = new StringBuilder();
        long recomputedSeen = 0;
        for (String[] c : CASES) {
            NetworkSpec net = new NetworkSpec(4, Activations.parse(c[0]), Double.parseDouble(c[1]), Double.parseDouble(c[2]));
            KernelSpec k64 = KernelSpec.of(net, DEPTHS, KernelKind.NTK, KernelKind.NNGP);
            KernelSpec k32 = k64.withCompute(Precision.FLOAT32);
            double[][] worst = new double[2][DEPTHS.length];
            double[][] lambdaUnit = lambdas(net, net.sw2() + net.b2(), net.sw2() + net.b2());
            for (boolean sym : new boolean[] {true, false}) {
                Rows right = sym ? a : b;
                Out ref = run(k64, a, right, sym, new ScalarGemm());
                for (Gemm g : gemms) {
                    Out got = run(k32, a, right, sym, g);
                    recomputedSeen += got.recomputed;
                    compare(net, a, right, sym, ref, got, g.floatName() + " " + c[0] + " sw=" + c[1] + " b=" + c[2], worst);
                }
            }
            table.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", c[0] + (c[2].equals("0") && c[1].equals("1") ? ""
                    : " (sigma_w " + c[1] + ", beta " + c[2] + ")"), row(lambdaUnit[0]), row(worst[0]), row(worst[1])));
        }
        System.out.println("float32 compute, d = " + D + ", eps = " + EPS + "\n| activation | Lambda NTK (q1 = sw^2 + b^2)"
                + " depth 1..4 | worst NTK error / CS | worst NNGP error / CS |\n" + table);
        assertTrue(recomputedSeen > 0, "the data must have entries past the threshold");
    }

    private static String row(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double x : v) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2g", x));
        }
        return sb.toString();
    }

    private record Out(double[][] ntk, double[][] nngp, double[] g, long recomputed) {
    }

    private static Out run(KernelSpec k, Rows a, Rows b, boolean sym, Gemm gemm) {
        int m = a.n();
        int n = b.n();
        double[][] ntk = new double[DEPTHS.length][m * n];
        double[][] nngp = new double[DEPTHS.length][m * n];
        double[] g = new double[m * n];
        long again = Tiles.compute(k, a, b, sym, ntk, nngp, gemm, new ScalarRecursion(), g);
        return new Out(ntk, nngp, g, again);
    }

    private void compare(NetworkSpec net, Rows a, Rows b, boolean sym, Out ref, Out got, String what, double[][] worst) {
        int m = a.n();
        int n = b.n();
        double[] qa = Diagonal.variances(net, Diagonal.squaredNorms(a.x(), m, D), m, D);
        double[] qb = Diagonal.variances(net, Diagonal.squaredNorms(b.x(), n, D), n, D);
        double[] ta = Diagonal.ntkDiagonal(net, qa, m);
        double[] tb = Diagonal.ntkDiagonal(net, qb, n);
        int recomputed = 0;
        for (int i = 0; i < m; i++) {
            for (int j = sym ? i + 1 : 0; j < n; j++) {
                int idx = i * n + j;
                double rho1 = (net.sw2() / D * ref.g[idx] + net.b2()) / Math.sqrt(qa[i] * qb[j]);
                boolean again = Math.abs(rho1) > Float32Gram.THRESHOLD + EPS;
                double[][] lam = lambdas(net, qa[i], qb[j]);
                for (int l = 0; l < DEPTHS.length; l++) {
                    int L = DEPTHS[l];
                    double csNtk = Math.sqrt(ta[(L - 1) * m + i] * tb[(L - 1) * n + j]);
                    double csNngp = Math.sqrt(qa[(L - 1) * m + i] * qb[(L - 1) * n + j]);
                    double eNtk = Math.abs(got.ntk[l][idx] - ref.ntk[l][idx]) / csNtk;
                    double eNngp = Math.abs(got.nngp[l][idx] - ref.nngp[l][idx]) / csNngp;
                    if (again) {
                        // certainly past the threshold: recomputed, the same dot product as the truth's
                        assertEquals(ref.ntk[l][idx], got.ntk[l][idx], what + ": recomputed entry " + i + "," + j);
                        assertEquals(ref.nngp[l][idx], got.nngp[l][idx], what + ": recomputed entry " + i + "," + j);
                    }
                    double bNtk = 1.1 * EPS * lam[0][l] + 1e-13;
                    double bNngp = 1.1 * EPS * lam[1][l] + 1e-13;
                    if (!(eNtk <= bNtk) || !(eNngp <= bNngp)) {
                        throw new AssertionError(String.format(Locale.ROOT, "%s depth %d entry (%d,%d) rho1 %.9f: NTK error %.3g"
                                + " (bound %.3g), NNGP error %.3g (bound %.3g)", what, L, i, j, rho1, eNtk, bNtk, eNngp, bNngp));
                    }
                    worst[0][l] = Math.max(worst[0][l], eNtk);
                    worst[1][l] = Math.max(worst[1][l], eNngp);
                }
                recomputed += again ? 1 : 0;
            }
        }
        assertTrue(recomputed > 0, what + ": no entry past the threshold in the data");
    }

    private final Map<String, double[][]> lambdaCache = new HashMap<>();

    /**
     * Lambda[kernel][depth]: the largest |dK/drho1| / sqrt(K(x,x) K(y,y)) over |rho1| &lt;= r at
     * first-layer variances q1a, q1b, by secant slopes of the scalar recursion on a 4001-point grid.
     */
    private double[][] lambdas(NetworkSpec net, double q1a, double q1b) {
        // rows built at the same norm differ in q1 by a few ulps, which moves Lambda by as little:
        // one Lambda per (q1a, q1b) to 10 digits, computed at the first pair seen
        String key = String.format(Locale.ROOT, "%s %.10e %.10e", net, q1a, q1b);
        double[][] hit = lambdaCache.get(key);
        if (hit != null) {
            return hit;
        }
        int grid = 4001;
        double r = Math.min(1, Float32Gram.THRESHOLD + EPS);
        double sw2 = net.sw2();
        double b2 = net.b2();
        // n0 = 1: the squared norm giving variance q1 is (q1 - b2) / sw2
        double[] qa = Diagonal.variances(net, new double[] {(q1a - b2) / sw2}, 1, 1);
        double[] qbOne = Diagonal.variances(net, new double[] {(q1b - b2) / sw2}, 1, 1);
        double[] ta = Diagonal.ntkDiagonal(net, qa, 1);
        double[] tb = Diagonal.ntkDiagonal(net, qbOne, 1);
        int depth = net.depth();
        double[] qb = new double[depth * grid];
        double[] g = new double[grid];
        double[] rho = new double[grid];
        for (int j = 0; j < grid; j++) {
            for (int l = 0; l < depth; l++) {
                qb[l * grid + j] = qbOne[l];
            }
            rho[j] = -r + 2 * r * j / (grid - 1);
            g[j] = (rho[j] * Math.sqrt(qa[0] * qbOne[0]) - b2) / sw2;
        }
        double[][] ntk = new double[DEPTHS.length][grid];
        double[][] nngp = new double[DEPTHS.length][grid];
        new ScalarRecursion().recurse(net, 1, g, 1, grid, qa, qb, false, DEPTHS, ntk, nngp);
        double[][] out = new double[2][DEPTHS.length];
        for (int l = 0; l < DEPTHS.length; l++) {
            int L = DEPTHS[l];
            double csNtk = Math.sqrt(ta[L - 1] * tb[L - 1]);
            double csNngp = Math.sqrt(qa[L - 1] * qbOne[L - 1]);
            for (int j = 0; j + 1 < grid; j++) {
                double h = rho[j + 1] - rho[j];
                out[0][l] = Math.max(out[0][l], Math.abs(ntk[l][j + 1] - ntk[l][j]) / h / csNtk);
                out[1][l] = Math.max(out[1][l], Math.abs(nngp[l][j + 1] - nngp[l][j]) / h / csNngp);
            }
        }
        lambdaCache.put(key, out);
        return out;
    }

    /**
     * Two blocks: a holds 6 random base rows (|x|^2 = d) and rows at cosines 0.999, -0.995, 0.5 to
     * them; b holds, per base row, rows at cosines +-1 exactly (power-of-two multiples), +-(1 - 1e-9),
     * 0.9999, 0.99 +- 1e-6 (the threshold), 0.98, -0.99, 0.9, 0.3, -0.7, at squared norms d, 4d, d/4.
     */
    private static double[][] rows(Random r) {
        List<double[]> a = new ArrayList<>();
        List<double[]> b = new ArrayList<>();
        double[] scales = {1, 2, 0.5};
        double[] cosB = {1, -1, 1 - 1e-9, -1 + 1e-9, 0.9999, 0.99 + 1e-6, 0.99 - 1e-6, 0.98, -0.99, 0.9, 0.3, -0.7};
        for (int base = 0; base < 6; base++) {
            double[] x = gaussian(r, Math.sqrt(D));
            a.add(x);
            a.add(withCos(x, 0.999, 1, r));
            a.add(withCos(x, -0.995, scales[base % 3], r));
            a.add(withCos(x, 0.5, 1, r));
            for (int c = 0; c < cosB.length; c++) {
                double s = scales[(base + c) % 3];
                if (Math.abs(cosB[c]) == 1) {
                    double[] y = new double[D];
                    for (int k = 0; k < D; k++) {
                        y[k] = x[k] * s * cosB[c];
                    }
                    b.add(y);
                } else {
                    b.add(withCos(x, cosB[c], s, r));
                }
            }
        }
        return new double[][] {flat(a), flat(b)};
    }

    /** A row at cosine c to x (to ~1e-15) with norm s |x|. */
    private static double[] withCos(double[] x, double c, double s, Random r) {
        double[] z = gaussian(r, 1);
        double xx = dot(x, x);
        double zx = dot(z, x);
        for (int k = 0; k < D; k++) {
            z[k] -= zx / xx * x[k];
        }
        double zn = Math.sqrt(dot(z, z));
        double xn = Math.sqrt(xx);
        double sn = Math.sqrt((1 - c) * (1 + c));
        double[] y = new double[D];
        for (int k = 0; k < D; k++) {
            y[k] = s * (c * x[k] + sn * xn * z[k] / zn);
        }
        return y;
    }

    private static double[] gaussian(Random r, double norm) {
        double[] x = new double[D];
        for (int k = 0; k < D; k++) {
            x[k] = r.nextGaussian();
        }
        double s = norm / Math.sqrt(dot(x, x));
        for (int k = 0; k < D; k++) {
            x[k] *= s;
        }
        return x;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int k = 0; k < D; k++) {
            s += x[k] * y[k];
        }
        return s;
    }

    private static double[] flat(List<double[]> rows) {
        double[] out = new double[rows.size() * D];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, out, i * D, D);
        }
        return out;
    }
}
