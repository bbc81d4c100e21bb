package org.sparkntk.tile;

import org.sparkntk.truth.Specs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.AngleTable;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.kernel.Quadrature;

/**
 * The angle-table path of {@link ScalarRecursion} (equal-variance layers) against the per-entry
 * quadrature ({@link Quadrature#TABLES_PROPERTY} = false): L2-normalized random rows, a 37 x 29
 * tile and a symmetric 40 x 40 one with a duplicate and an antiparallel row, tanh and elu,
 * beta in {0, 0.1}, depths 1, 2, 4, within 1e-10 of the Cauchy-Schwarz scale
 * sqrt(K(x,x) K(y,y)); identical rows exactly equal the diagonal; unnormalized rows take no table
 * (same bits as the per-entry path, and the table counter does not move).
 */
class AngleTableRecursionTest {

    static final int D = 6;
    static final int[] DEPTHS = {1, 2, 4};

    static double[] rows(long seed, int count, boolean normalize) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[count * D];
        for (int i = 0; i < count; i++) {
            double ss = 0;
            for (int k = 0; k < D; k++) {
                x[i * D + k] = r.nextGaussian();
                ss += x[i * D + k] * x[i * D + k];
            }
            if (normalize) {
                double inv = 1 / Math.sqrt(ss);
                for (int k = 0; k < D; k++) {
                    x[i * D + k] *= inv;
                }
            }
        }
        return x;
    }

    /** {ntk[depth index][...], nngp[...]} of a tile with the scalar implementations. */
    static double[][][] tile(NetworkSpec spec, double[] a, int m, double[] b, int n, boolean symmetric, boolean tables) {
        double[][] ntk = new double[DEPTHS.length][m * n];
        double[][] nngp = new double[DEPTHS.length][m * n];
        String old = System.getProperty(Quadrature.TABLES_PROPERTY);
        System.setProperty(Quadrature.TABLES_PROPERTY, Boolean.toString(tables));
        try {
            Tiles.compute(Specs.of(spec, DEPTHS, ntk, nngp), new Rows(a, m, D),
                    new Rows(b, n, D), symmetric, ntk, nngp, new ScalarGemm(), new ScalarRecursion(), null);
        } finally {
            if (old == null) {
                System.clearProperty(Quadrature.TABLES_PROPERTY);
            } else {
                System.setProperty(Quadrature.TABLES_PROPERTY, old);
            }
        }
        return new double[][][] {ntk, nngp};
    }

    /** Diagonal K(x_i, x_i) per depth index: {ntk, nngp}[k][i]. */
    static double[][][] diagonal(NetworkSpec spec, double[] x, int count) {
        double[] q = Diagonal.variances(spec, Diagonal.squaredNorms(x, count, D), count, D);
        double[] t = Diagonal.ntkDiagonal(spec, q, count);
        double[][][] out = new double[2][DEPTHS.length][count];
        for (int k = 0; k < DEPTHS.length; k++) {
            for (int i = 0; i < count; i++) {
                out[0][k][i] = t[(DEPTHS[k] - 1) * count + i];
                out[1][k][i] = q[(DEPTHS[k] - 1) * count + i];
            }
        }
        return out;
    }

    static void compare(String where, double[][][] table, double[][][] entry, double[][][] da, double[][][] db, int m, int n) {
        double worst = 0;
        for (int s = 0; s < 2; s++) {
            for (int k = 0; k < DEPTHS.length; k++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double scale = Math.sqrt(da[s][k][i] * db[s][k][j]);
                        double e = Math.abs(table[s][k][i * n + j] - entry[s][k][i * n + j]) / scale;
                        worst = Math.max(worst, e);
                        assertTrue(e <= 1e-10, where + (s == 0 ? " ntk" : " nngp") + " depth " + DEPTHS[k] + " (" + i + "," + j + "): "
                                + table[s][k][i * n + j] + " vs " + entry[s][k][i * n + j] + " (error/scale " + e + ")");
                    }
                }
            }
        }
        System.out.printf("%s: table vs per-entry, max error / scale %.1e%n", where, worst);
    }

    @Test
    void normalizedRectangularTile() {
        int m = 37;
        int n = 29;
        double[] a = rows(11, m, true);
        double[] b = rows(12, n, true);
        for (String act : new String[] {"tanh", "elu"}) {
            for (double beta : new double[] {0, 0.1}) {
                NetworkSpec spec = new NetworkSpec(4, Activations.parse(act), 1.3, beta);
                long before = ScalarRecursion.TABLE_LAYERS.get();
                double[][][] table = tile(spec, a, m, b, n, false, true);
                assertEquals(before + 3, ScalarRecursion.TABLE_LAYERS.get(), act + " beta " + beta + ": layers from a table");
                double[][][] entry = tile(spec, a, m, b, n, false, false);
                compare(act + " beta " + beta + " 37x29", table, entry, diagonal(spec, a, m), diagonal(spec, b, n), m, n);
            }
        }
    }

    @Test
    void normalizedSymmetricTileWithDuplicateAndAntiparallelRows() {
        int m = 40;
        double[] a = rows(21, m, true);
        System.arraycopy(a, 3 * D, a, 17 * D, D); // row 17 = row 3
        for (int k = 0; k < D; k++) {
            a[29 * D + k] = -a[5 * D + k]; // row 29 = -row 5
        }
        for (String act : new String[] {"tanh", "elu"}) {
            for (double beta : new double[] {0, 0.1}) {
                NetworkSpec spec = new NetworkSpec(4, Activations.parse(act), 1.3, beta);
                long before = ScalarRecursion.TABLE_LAYERS.get();
                double[][][] table = tile(spec, a, m, a, m, true, true);
                assertEquals(before + 3, ScalarRecursion.TABLE_LAYERS.get(), act + " beta " + beta + ": layers from a table");
                double[][][] entry = tile(spec, a, m, a, m, true, false);
                double[][][] diag = diagonal(spec, a, m);
                compare(act + " beta " + beta + " symmetric 40x40", table, entry, diag, diag, m, m);
                for (int s = 0; s < 2; s++) {
                    for (int k = 0; k < DEPTHS.length; k++) {
                        double[] v = table[s][k];
                        assertEquals(v[3 * m + 3], v[3 * m + 17], act + " identical rows, depth " + DEPTHS[k]);
                        assertEquals(v[3 * m + 3], v[17 * m + 3], act + " identical rows (mirror), depth " + DEPTHS[k]);
                        assertEquals(diag[s][k][3], v[3 * m + 17], act + " identical rows equal the diagonal, depth " + DEPTHS[k]);
                    }
                }
            }
        }
    }

    @Test
    void unnormalizedRowsTakeNoTable() {
        int m = 9;
        int n = 7;
        double[] a = rows(31, m, false);
        double[] b = rows(32, n, false);
        NetworkSpec spec = new NetworkSpec(4, Activations.parse("tanh"), 1.3, 0.1);
        long before = ScalarRecursion.TABLE_LAYERS.get();
        double[][][] on = tile(spec, a, m, b, n, false, true);
        assertEquals(before, ScalarRecursion.TABLE_LAYERS.get());
        double[][][] off = tile(spec, a, m, b, n, false, false);
        for (int s = 0; s < 2; s++) {
            for (int k = 0; k < DEPTHS.length; k++) {
                assertArrayEquals(off[s][k], on[s][k], "depth " + DEPTHS[k]);
            }
        }
    }

    /** One table variance per layer: a few ulps of spread round to the same canonical value, within 2^-41 relative. */
    @Test
    void canonicalVariance() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 1000; trial++) {
            double q = Math.exp(r.nextDouble(-20, 20));
            double c = AngleTable.canonical(q);
            assertEquals(0, Double.doubleToRawLongBits(c) & ((1L << AngleTable.CANONICAL_BITS) - 1));
            assertTrue(Math.abs(c - q) <= 0x1p-41 * q, q + " -> " + c);
            assertEquals(c, AngleTable.canonical(c));
        }
        assertEquals(1.0, AngleTable.canonical(Math.nextDown(1.0)));
        assertEquals(1.0, AngleTable.canonical(Math.nextUp(1.0)));
    }
}
