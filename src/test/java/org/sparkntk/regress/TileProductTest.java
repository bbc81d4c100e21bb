package org.sparkntk.regress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One tile's share of a PCG pass (TileOperator.tileProduct: yi += K x_J, and off the diagonal
 * yj += K^T x_I) against a triple loop over the values written here, float64 and float32 storage
 * (the truth then uses the values rounded to float32 here, in double arithmetic), k in {1, 3, 10,
 * 17}, tiles of one panel and of several (a 1500-wide tile stores 21-row panels, the last one
 * short), ragged column counts.
 */
class TileProductTest {

    private static final double U = 0x1p-53;

    @ParameterizedTest
    @CsvSource({"1,false", "3,false", "10,false", "17,false", "1,true", "3,true", "10,true", "17,true"})
    void offDiagonalTilesAddBothProducts(int k, boolean float32) {
        check(70, 1500, false, k, float32);
        check(33, 45, false, k, float32);
    }

    @ParameterizedTest
    @CsvSource({"1,false", "3,false", "10,false", "17,false", "1,true", "3,true", "10,true", "17,true"})
    void diagonalTilesAddTheForwardProductOnly(int k, boolean float32) {
        check(37, 37, true, k, float32);
        check(1029, 1029, true, k, float32);
    }

    private static void check(int m, int nc, boolean diagonal, int k, boolean float32) {
        Random rnd = new Random(m * 31L + nc + k);
        double[] v = new double[m * nc];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < nc; j++) {
                v[i * nc + j] = diagonal && j < i ? v[j * nc + i] : rnd.nextGaussian();
            }
        }
        // row block 1 starts at row 5, column block 2 at row 5 + m (the diagonal tile: both at 5)
        long rowStart = 5;
        long colStart = diagonal ? rowStart : rowStart + m;
        int n = (int) colStart + nc + 3;
        TileBlock t = float32 ? TileBlock.float32(1, diagonal ? 1 : 2, rowStart, colStart, m, nc, v)
                : new TileBlock(1, diagonal ? 1 : 2, rowStart, colStart, m, nc, v);
        double[] x = new double[n * k];
        double[] y0 = new double[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian();
            y0[i] = rnd.nextGaussian();
        }
        double[] y = y0.clone();
        TileOperator.tileProduct(t, x, k, y, (int) (rowStart * k), y, (int) (colStart * k));
        double[] want = y0.clone();
        double[] abs = new double[n * k];
        for (int i = 0; i < want.length; i++) {
            abs[i] = Math.abs(want[i]);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < nc; j++) {
                double kij = float32 ? (double) (float) v[i * nc + j] : v[i * nc + j];
                for (int o = 0; o < k; o++) {
                    int yi = (int) ((rowStart + i) * k + o);
                    int xj = (int) ((colStart + j) * k + o);
                    want[yi] += kij * x[xj];
                    abs[yi] += Math.abs(kij * x[xj]);
                    if (!diagonal) {
                        want[xj] += kij * x[yi];
                        abs[xj] += Math.abs(kij * x[yi]);
                    }
                }
            }
        }
        int terms = Math.max(m, nc) + 1;
        for (int i = 0; i < n * k; i++) {
            assertEquals(want[i], y[i], 4 * terms * U * abs[i],
                    (diagonal ? "diagonal" : "off-diagonal") + " " + m + " x " + nc + " k=" + k + (float32 ? " float32" : "")
                            + " entry " + i);
        }
    }
}
