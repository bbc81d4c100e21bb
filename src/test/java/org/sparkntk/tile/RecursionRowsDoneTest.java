package org.sparkntk.tile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.tile.panama.PanamaRecursion;
import org.sparkntk.truth.Specs;

/**
 * The reporting recursion the Gram job writes tile files behind: the rows it reports are final
 * when it reports them (a copy taken in the callback equals the finished output), the reports
 * increase and end at m, the vector recursion reports strips before the end (of a symmetric tile
 * too, its lower triangle copied strip by strip), and the result is the non-reporting call's, bit
 * for bit. In place of the Gram tile (the last NNGP in g), as the job computes it; ragged strips;
 * closed-form and quadrature activations. A Gram tile filled only as the recursion asks for its
 * rows (the rest NaN) gives the same result, and the tile kernel's Gram panels (more than one
 * panel of {@link Tiles#PANEL_ROWS}) give the result of the whole-tile product.
 */
class RecursionRowsDoneTest {

    @Test
    void reportedRowsAreFinalAndTheResultIsUnchanged() {
        Recursion[] recs = {new ScalarRecursion(), new PanamaRecursion()};
        Random r = new Random(11);
        int d = 6;
        int[] depths = {1, 3};
        for (Recursion rec : recs) {
            for (String act : new String[] {"relu", "erf", "tanh@16"}) {
                for (boolean symmetric : new boolean[] {false, true}) {
                    int m = 150; // two strips of 64 rows and a ragged one
                    int n = symmetric ? m : 37;
                    double[] a = new double[m * d];
                    double[] b = symmetric ? a : new double[n * d];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = r.nextGaussian();
                    }
                    for (int i = 0; !symmetric && i < b.length; i++) {
                        b[i] = r.nextGaussian();
                    }
                    NetworkSpec spec = new NetworkSpec(3, Activations.parse(act), 1.3, 0.2);
                    double[][] ntk1 = new double[2][m * n];
                    double[][] nngp1 = new double[2][m * n];
                    Tiles.compute(Specs.of(spec, depths, ntk1, nngp1), new Rows(a, m, d), new Rows(b, n, d), symmetric, ntk1, nngp1,
                            new ScalarGemm(), rec, null);

                    double[] g = new double[m * n];
                    double[][] ntk2 = new double[2][m * n];
                    double[][] nngp2 = {new double[m * n], g};
                    List<Integer> reports = new ArrayList<>();
                    List<double[][]> snapshots = new ArrayList<>();
                    Tiles.compute(Specs.of(spec, depths, ntk2, nngp2), new Rows(a, m, d), new Rows(b, n, d), symmetric, ntk2, nngp2,
                            new ScalarGemm(), rec, g, rows -> {
                                reports.add(rows);
                                snapshots.add(new double[][] {Arrays.copyOf(ntk2[0], rows * n), Arrays.copyOf(ntk2[1], rows * n),
                                        Arrays.copyOf(nngp2[0], rows * n), Arrays.copyOf(nngp2[1], rows * n)});
                            });
                    String what = rec.name() + " " + act + (symmetric ? " symmetric" : " rectangular");
                    assertEquals(m, reports.get(reports.size() - 1), what + ": the last report");
                    for (int k = 1; k < reports.size(); k++) {
                        assertTrue(reports.get(k) > reports.get(k - 1), what + ": reports " + reports);
                    }
                    if (rec instanceof PanamaRecursion && !act.contains("@")) {
                        assertEquals(List.of(64, 128, 150), reports, what + ": strips reported as they finish");
                    }
                    double[][] fin = {ntk2[0], ntk2[1], nngp2[0], nngp2[1]};
                    for (int k = 0; k < reports.size(); k++) {
                        for (int o = 0; o < 4; o++) {
                            assertArrayEquals(Arrays.copyOf(fin[o], reports.get(k) * n), snapshots.get(k)[o], 0.0,
                                    what + ": output " + o + " at report " + reports.get(k));
                        }
                    }
                    for (int o = 0; o < 2; o++) {
                        assertClose(ntk1[o], ntk2[o], what + " ntk " + o);
                        assertClose(nngp1[o], nngp2[o], what + " nngp " + o);
                    }
                }
            }
        }
    }

    @Test
    void theGramTileIsReadOnlyAfterItsRowsAreAskedFor() {
        Random r = new Random(5);
        int d = 5;
        int[] depths = {2, 3};
        for (Recursion rec : new Recursion[] {new ScalarRecursion(), new PanamaRecursion()}) {
            for (String act : new String[] {"relu", "gelu"}) {
                for (boolean symmetric : new boolean[] {false, true}) {
                    int m = 150;
                    int n = symmetric ? m : 41;
                    double[] a = gaussian(r, m * d);
                    double[] b = symmetric ? a : gaussian(r, n * d);
                    NetworkSpec spec = new NetworkSpec(3, Activations.parse(act), 1.6, 0.1);
                    double[] g = new double[m * n];
                    new ScalarGemm().gemmABt(a, m, b, n, d, g);
                    double[] qa = Diagonal.variances(spec, Diagonal.squaredNorms(a, m, d), m, d);
                    double[] qb = symmetric ? qa : Diagonal.variances(spec, Diagonal.squaredNorms(b, n, d), n, d);
                    double[][] ntk1 = new double[2][m * n];
                    double[][] nngp1 = new double[2][m * n];
                    rec.recurse(spec, d, g.clone(), m, n, qa, qb, symmetric, depths, ntk1, nngp1);

                    // the Gram tile is NaN until asked for: a row read early poisons the outputs
                    double[] lazy = new double[m * n];
                    Arrays.fill(lazy, Double.NaN);
                    double[][] ntk2 = new double[2][m * n];
                    double[][] nngp2 = {new double[m * n], lazy};
                    int[] filled = {0};
                    List<Integer> asks = new ArrayList<>();
                    List<Integer> reports = new ArrayList<>();
                    rec.recurse(spec, d, lazy, m, n, qa, qb, symmetric, depths, ntk2, nngp2, rows -> {
                        asks.add(rows);
                        for (int i = filled[0]; i < rows; i++) {
                            for (int j = symmetric ? i : 0; j < n; j++) {
                                lazy[i * n + j] = g[i * n + j];
                            }
                        }
                        filled[0] = Math.max(filled[0], rows);
                    }, rows -> {
                        assertTrue(rows <= filled[0], "row " + rows + " reported before it was asked for");
                        reports.add(rows);
                    });
                    String what = rec.name() + " " + act + (symmetric ? " symmetric" : " rectangular");
                    if (rec instanceof PanamaRecursion) {
                        assertEquals(List.of(64, 128, 150), asks, what + ": rows asked for strip by strip");
                    }
                    for (int o = 0; o < 2; o++) {
                        assertClose(ntk1[o], ntk2[o], what + " ntk " + o);
                        assertClose(nngp1[o], nngp2[o], what + " nngp " + o);
                    }
                }
            }
        }
    }

    @Test
    void gramPanelsGiveTheWholeProductsResult() {
        Random r = new Random(17);
        int d = 7;
        int[] depths = {1, 4};
        for (boolean symmetric : new boolean[] {false, true}) {
            int m = Tiles.PANEL_ROWS + 77; // two panels, the second ragged
            int n = symmetric ? m : 53;
            double[] a = gaussian(r, m * d);
            double[] b = symmetric ? a : gaussian(r, n * d);
            NetworkSpec spec = new NetworkSpec(4, Activations.parse("relu"), 2.0, 0.05);
            double[][] ntk1 = new double[2][m * n];
            double[][] nngp1 = new double[2][m * n];
            Tiles.compute(Specs.of(spec, depths, ntk1, nngp1), new Rows(a, m, d), new Rows(b, n, d), symmetric, ntk1, nngp1,
                    new ScalarGemm(), new PanamaRecursion(), null);
            double[] g = new double[m * n];
            double[][] ntk2 = new double[2][m * n];
            double[][] nngp2 = {new double[m * n], g};
            List<Integer> reports = new ArrayList<>();
            Tiles.compute(Specs.of(spec, depths, ntk2, nngp2), new Rows(a, m, d), new Rows(b, n, d), symmetric, ntk2, nngp2,
                    new ScalarGemm(), new PanamaRecursion(), g, reports::add);
            String what = symmetric ? "symmetric" : "rectangular";
            assertEquals((m + 63) / 64, reports.size(), what + ": strips of 64 rows reported");
            for (int o = 0; o < 2; o++) {
                assertClose(ntk1[o], ntk2[o], what + " ntk " + o);
                assertClose(nngp1[o], nngp2[o], what + " nngp " + o);
            }
        }
    }

    private static double[] gaussian(Random r, int len) {
        double[] x = new double[len];
        for (int i = 0; i < len; i++) {
            x[i] = r.nextGaussian();
        }
        return x;
    }

    /** Bit for bit but for the vector transcendentals    /** Bit for bit but for the vector transcendentals' last bits before and after C2 (RecursionInPlaceTest). */
    private static void assertClose(double[] want, double[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-12 * Math.max(1.0, Math.abs(want[i])), what + " at " + i);
        }
    }
}
