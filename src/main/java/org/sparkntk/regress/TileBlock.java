package org.sparkntk.regress;

import java.io.Serializable;
import org.sparkntk.spec.Precision;
import org.sparkntk.tile.PanelProduct;

/**
 * One tile of a symmetric kernel K(X, X) with blockRow &lt;= blockCol (row-major numRows x numCols),
 * or of a cross kernel: the unit the distributed operator caches and streams. The values are held
 * in float64 or, for a float32 cache, rounded to float32; readers go through {@link #get} /
 * {@link #copyRow} / {@link #multiplyPanels}, which widen to double.
 *
 * <p>Storage: row panels of at most {@link #PANEL_ROWS} rows and 256 KB, each its own array. A whole 1024 x 1024 tile
 * in one array (4 or 8 MB) is a "humongous" object for G1 at the region sizes of 4-32 GB heaps,
 * which takes whole regions for itself: a float32 tile of 4 MB plus its header occupied an 8 MB
 * region, so a 7.5 GB cache filled 14 GB of a 16 GB heap (docs/benchmarks.md, "Regression at
 * scale"). Panels of at most 256 KB are ordinary objects at every region size (>= 1 MB).
 */
public final class TileBlock implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Rows per stored panel of a tile up to 1024 columns wide. */
    public static final int PANEL_ROWS = 32;

    /** Values per stored panel at most (256 KB of float64): wider tiles get fewer rows per panel. */
    static final int PANEL_VALUES = 32768;

    /** Rows per stored panel of a tile {@code cols} wide. */
    public static int panelRowsFor(int cols) {
        return Math.max(1, Math.min(PANEL_ROWS, PANEL_VALUES / Math.max(1, cols)));
    }

    private final int blockRow;
    private final int blockCol;
    private final long rowStart;
    private final long colStart;
    private final int numRows;
    private final int numCols;
    private final int pr;
    private final double[][] doubles;
    private final float[][] floats;

    /** A float64 tile from row-major values (numRows x numCols). */
    public TileBlock(int blockRow, int blockCol, long rowStart, long colStart, int numRows, int numCols, double[] values) {
        this(blockRow, blockCol, rowStart, colStart, numRows, numCols, split(values, numRows, numCols), null);
    }

    /**
     * A float64 tile over row-major values without copying them: one panel, the caller's array.
     * For a tile used once and at once (the dense assembly copies it into K); never cache one.
     */
    public static TileBlock view(int blockRow, int blockCol, long rowStart, long colStart, int numRows, int numCols,
                                 double[] values) {
        if (values.length != (long) numRows * numCols) {
            throw new IllegalArgumentException("a " + numRows + " x " + numCols + " tile needs " + (long) numRows * numCols
                    + " values, got " + values.length);
        }
        return new TileBlock(blockRow, blockCol, rowStart, colStart, numRows, numCols, Math.max(1, numRows),
                new double[][] {values}, null);
    }

    private TileBlock(int blockRow, int blockCol, long rowStart, long colStart, int numRows, int numCols,
                      double[][] doubles, float[][] floats) {
        this(blockRow, blockCol, rowStart, colStart, numRows, numCols, panelRowsFor(numCols), doubles, floats);
    }

    private TileBlock(int blockRow, int blockCol, long rowStart, long colStart, int numRows, int numCols, int pr,
                      double[][] doubles, float[][] floats) {
        if ((doubles == null) == (floats == null)) {
            throw new IllegalArgumentException("a tile holds either float64 or float32 values");
        }
        this.blockRow = blockRow;
        this.blockCol = blockCol;
        this.rowStart = rowStart;
        this.colStart = colStart;
        this.numRows = numRows;
        this.numCols = numCols;
        this.pr = pr;
        this.doubles = doubles;
        this.floats = floats;
    }

    private static double[][] split(double[] values, int rows, int cols) {
        if (values.length != (long) rows * cols) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " tile needs " + (long) rows * cols
                    + " values, got " + values.length);
        }
        int h = panelRowsFor(cols);
        double[][] p = new double[panels(rows, cols)][];
        for (int q = 0; q < p.length; q++) {
            int r0 = q * h;
            int r = Math.min(h, rows - r0);
            p[q] = new double[r * cols];
            System.arraycopy(values, r0 * cols, p[q], 0, r * cols);
        }
        return p;
    }

    private static int panels(int rows, int cols) {
        int h = panelRowsFor(cols);
        return (rows + h - 1) / h;
    }

    /** Rows per stored panel of this tile: {@link #multiplyPanel} reads such a panel where it is stored. */
    public int panelRows() {
        return pr;
    }

    public int blockRow() {
        return blockRow;
    }

    public int blockCol() {
        return blockCol;
    }

    public long rowStart() {
        return rowStart;
    }

    public long colStart() {
        return colStart;
    }

    public int numRows() {
        return numRows;
    }

    public int numCols() {
        return numCols;
    }

    /** A diagonal tile of a symmetric kernel. */
    public boolean diagonal() {
        return blockRow == blockCol;
    }

    /** The storage precision of the values. */
    public Precision precision() {
        return floats != null ? Precision.FLOAT32 : Precision.FLOAT64;
    }

    /** Entry (i, j) as a double. */
    public double get(int i, int j) {
        int idx = (i % pr) * numCols + j;
        return doubles != null ? doubles[i / pr][idx] : floats[i / pr][idx];
    }

    /** The sum of all values, read panel by panel in storage order (the yardstick of a pass over the cache). */
    public double sum() {
        double s = 0;
        if (doubles != null) {
            for (double[] p : doubles) {
                for (double v : p) {
                    s += v;
                }
            }
        } else {
            for (float[] p : floats) {
                for (float v : p) {
                    s += v;
                }
            }
        }
        return s;
    }

    /** Copies row i, widened to double, into {@code dst} at {@code off}. */
    public void copyRow(int i, double[] dst, int off) {
        int from = (i % pr) * numCols;
        if (doubles != null) {
            System.arraycopy(doubles[i / pr], from, dst, off, numCols);
        } else {
            float[] f = floats[i / pr];
            for (int j = 0; j < numCols; j++) {
                dst[off + j] = f[from + j];
            }
        }
    }

    /** Stored panels: panel q holds rows [q {@link #panelRows}, min((q + 1) panelRows, numRows)). */
    public int panelCount() {
        return (numRows + pr - 1) / pr;
    }

    /**
     * The panel product {@code pp} over stored panel q, read where it is stored (a float32 panel
     * widens in the kernel): yi += P xj, and yT += P^T xi when xi != null (see {@link PanelProduct};
     * xT and yT are k x numCols). yi's and xi's offsets are those of the panel's first row.
     */
    public void multiplyPanel(int q, PanelProduct pp, int k, double[] xT, double[] yi, int yiOff, double[] xi, int xiOff,
                              double[] yT) {
        int rows = Math.min(pr, numRows - q * pr);
        if (doubles != null) {
            pp.multiply(doubles[q], 0, rows, numCols, k, xT, yi, yiOff, xi, xiOff, yT);
        } else {
            pp.multiply(floats[q], 0, rows, numCols, k, xT, yi, yiOff, xi, xiOff, yT);
        }
    }

    /**
     * {@link #multiplyPanel} over every stored panel in order: the whole tile's yi += K xj and
     * (xi != null) yT += K^T xi, each stored value read from memory once. yi's and xi's offsets
     * are those of the tile's first row.
     */
    public void multiplyPanels(PanelProduct pp, int k, double[] xT, double[] yi, int yiOff, double[] xi, int xiOff,
                               double[] yT) {
        int np = panelCount();
        for (int q = 0; q < np; q++) {
            int shift = q * pr * k;
            multiplyPanel(q, pp, k, xT, yi, yi == null ? 0 : yiOff + shift, xi, xi == null ? 0 : xiOff + shift, yT);
        }
    }

    /** This tile stored at the given precision (float32 rounds each value to nearest). */
    public TileBlock withPrecision(Precision p) {
        if (p == precision()) {
            return this;
        }
        if (pr != panelRowsFor(numCols)) { // a float64 view: one row-major panel
            return float32(blockRow, blockCol, rowStart, colStart, numRows, numCols, doubles[0]);
        }
        int np = panelCount();
        if (p == Precision.FLOAT32) {
            float[][] f = new float[np][];
            for (int q = 0; q < np; q++) {
                double[] src = doubles[q];
                f[q] = new float[src.length];
                for (int t = 0; t < src.length; t++) {
                    f[q][t] = (float) src[t];
                }
            }
            return new TileBlock(blockRow, blockCol, rowStart, colStart, numRows, numCols, null, f);
        }
        double[][] d = new double[np][];
        for (int q = 0; q < np; q++) {
            float[] src = floats[q];
            d[q] = new double[src.length];
            for (int t = 0; t < src.length; t++) {
                d[q][t] = src[t];
            }
        }
        return new TileBlock(blockRow, blockCol, rowStart, colStart, numRows, numCols, d, null);
    }

    /** The float32 tile of row-major float64 values, without holding the float64 panels. */
    public static TileBlock float32(int blockRow, int blockCol, long rowStart, long colStart, int numRows, int numCols,
                                    double[] values) {
        int h = panelRowsFor(numCols);
        float[][] f = new float[panels(numRows, numCols)][];
        for (int q = 0; q < f.length; q++) {
            int r0 = q * h;
            int len = Math.min(h, numRows - r0) * numCols;
            f[q] = new float[len];
            int off = r0 * numCols;
            for (int t = 0; t < len; t++) {
                f[q][t] = (float) values[off + t];
            }
        }
        return new TileBlock(blockRow, blockCol, rowStart, colStart, numRows, numCols, null, f);
    }
}
